"""α-GAN on ColorMNIST (Rosca et al. 2017, Section 5): MNIST digits in a random colour
(aegan/data/images.py documents the construction), 28x28x3; the recipe of
configs/alpha_gan_cifar.py with λ scaled by the pixel count (2,352 values: 0.013).
"""

import ml_collections

from configs import alpha_gan_cifar, common


def get_config() -> ml_collections.ConfigDict:
  return alpha_gan_cifar.alpha_gan(common.color_mnist(), reconstruction_weight=0.013)
