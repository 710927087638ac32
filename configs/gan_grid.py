"""GAN on the 2-D grid of 25 Gaussians: VEEGAN Table 1's GAN row, with configs/veegan_grid.py's
networks, optimizers and budget."""

import ml_collections

from configs import gan_ring, veegan_grid


def get_config() -> ml_collections.ConfigDict:
  return gan_ring.as_gan(veegan_grid.get_config())
