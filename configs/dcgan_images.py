"""DCGAN, the GAN row of both papers' image comparisons, on each of their image sets:

  python launch/main.py --config=configs/dcgan_images.py:stacked_mnist5k   # or stacked_mnist,
      # cifar10 (VEEGAN Table 2); color_mnist, color_mnist5k, celeb_a (α-GAN, Section 5)

configs/dcgan_cifar.py's recipe on every set, each set with its protocol (configs/images.py):
- networks: the DCGAN family at width 64 (Radford et al. 2016), 100-D z ~ N(0, I) [DCGAN];
  28x28 generators start from 7x7, 64x64 ones take one more x2 stage (aegan/models/conv.py);
- logistic discriminator, non-saturating generator loss -log σ(D(G(z))) [DCGAN];
- Adam lr 2e-4, β1 0.5, batch 64 for both networks [DCGAN; PacGAN's Stacked-MNIST re-run];
- 100k iterations [ours, configs/dcgan_cifar.py].
`dcgan_images.py:cifar10` and `:stacked_mnist` are configs/dcgan_cifar.py and
configs/dcgan_stacked_mnist.py.
"""

import ml_collections

from configs import dcgan_cifar, images


def get_config(data: str = "stacked_mnist5k") -> ml_collections.ConfigDict:
  sets = tuple(dict.fromkeys(images.STACKED_SETS + images.COLOUR_SETS))
  return images.with_protocol(dcgan_cifar.dcgan(images.data(data, sets)))
