"""AGE on the 2-D grid of 25 Gaussians: configs/age_ring.py's networks and choices with the
grid's data and budget (configs/veegan_grid.py: 30k iterations)."""

import ml_collections

from configs import age_ring, common


def get_config() -> ml_collections.ConfigDict:
  config = age_ring.get_config()
  config.data = common.grid()
  config.train.steps = 30_000
  config.eval.every = 6_000
  config.checkpoint.every = 6_000
  return config
