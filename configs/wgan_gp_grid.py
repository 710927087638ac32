"""WGAN-GP on the 2-D grid of 25 Gaussians: configs/wgan_gp_ring.py's method and optimizer on
configs/gan_grid.py's (= configs/veegan_grid.py's) data, networks and budget (30k iterations)."""

import ml_collections

from configs import gan_grid, wgan_gp_ring


def get_config() -> ml_collections.ConfigDict:
  return wgan_gp_ring.as_wgan_gp(gan_grid.get_config())
