"""Unrolled GAN on the 2-D grid of 25 Gaussians: configs/unrolled_gan_ring.py's method on
configs/gan_grid.py's (= configs/veegan_grid.py's) data, networks, optimizers (but Metz et al.'s
discriminator learning rate, 1e-4) and budget (30k iterations)."""

import ml_collections

from configs import gan_grid, unrolled_gan_ring


def get_config() -> ml_collections.ConfigDict:
  return unrolled_gan_ring.as_unrolled_gan(gan_grid.get_config())
