"""BiGAN on the 2-D grid of 25 Gaussians: configs/bigan_ring.py's choices with
configs/veegan_grid.py's networks, optimizers and budget (30k iterations)."""

import ml_collections

from configs import ali_ring, veegan_grid


def get_config() -> ml_collections.ConfigDict:
  return ali_ring.as_ali(veegan_grid.get_config(), method="bigan")
