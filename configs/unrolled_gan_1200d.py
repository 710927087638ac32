"""Unrolled GAN on the 1200-D mixture: VEEGAN Table 1's Unrolled GAN row (published: 0 modes,
0% HQ), configs/unrolled_gan_ring.py's method on configs/gan_1200d.py's (=
configs/veegan_1200d.py's) data, networks, optimizers (but Metz et al.'s discriminator
learning rate, 1e-4), budget and threshold."""

import ml_collections

from configs import gan_1200d, unrolled_gan_ring


def get_config() -> ml_collections.ConfigDict:
  return unrolled_gan_ring.as_unrolled_gan(gan_1200d.get_config())
