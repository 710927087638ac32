"""α-GAN on CelebA at 64x64 (Rosca et al. 2017, Section 5): the recipe of
configs/alpha_gan_cifar.py (latent 128, as re-implementations use for CelebA [code]) with one
more resolution step in every conv network (generator 4x4x512 -> ... -> 64x64x3) and λ scaled
by the pixel count (12,288 values: 0.0025 keeps λ·‖x - x_rec‖₁ on CIFAR's scale).
"""

import ml_collections

from configs import alpha_gan_cifar, common


def get_config() -> ml_collections.ConfigDict:
  return alpha_gan_cifar.alpha_gan(common.celeb_a(), reconstruction_weight=0.0025)
