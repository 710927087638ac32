"""α-GAN on the image sets of its comparison (Rosca et al. 2017, Section 5):

  python launch/main.py --config=configs/alpha_gan_images.py:color_mnist5k   # or color_mnist,
      # celeb_a, cifar10

configs/alpha_gan_cifar.py's recipe (its docstring gives each hyper-parameter's source) on each
set, with the set's protocol (configs/images.py) and λ on the L1 reconstruction, summed over
the pixel values, scaled to keep λ·‖x - x_rec‖₁ on CIFAR-10's scale [ours]: 0.01 for CIFAR-10's
3,072 values, 0.013 for ColorMNIST's 2,352, 0.0025 for CelebA's 12,288 at 64x64.
`alpha_gan_images.py:cifar10`, `:color_mnist` and `:celeb_a` are configs/alpha_gan_cifar.py,
configs/alpha_gan_color_mnist.py and configs/alpha_gan_celeba.py.
"""

import ml_collections

from configs import alpha_gan_cifar, images

RECONSTRUCTION_WEIGHTS = {"cifar10": 0.01, "color_mnist": 0.013, "color_mnist5k": 0.013,
                          "celeb_a": 0.0025}


def get_config(data: str = "color_mnist5k") -> ml_collections.ConfigDict:
  config = alpha_gan_cifar.alpha_gan(images.data(data, images.COLOUR_SETS),
                                     reconstruction_weight=RECONSTRUCTION_WEIGHTS[data])
  return images.with_protocol(config)
