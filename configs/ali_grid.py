"""ALI on the 2-D grid of 25 Gaussians: VEEGAN Table 1's ALI row (published: 15.8 modes, 1.6%
HQ), with configs/veegan_grid.py's networks, optimizers and budget (30k iterations) and the
ALI choices of configs/ali_ring.py."""

import ml_collections

from configs import ali_ring, veegan_grid


def get_config() -> ml_collections.ConfigDict:
  return ali_ring.as_ali(veegan_grid.get_config())
