"""α-GAN on the 2-D grid of 25 Gaussians: configs/alpha_gan_ring.py's recipe with the grid data
and configs/veegan_grid.py's budget (30k iterations, evaluations every 6k). Not tuned."""

import ml_collections

from configs import alpha_gan_ring, common


def get_config() -> ml_collections.ConfigDict:
  config = alpha_gan_ring.get_config()
  config.data = common.grid()
  config.train.steps = 30_000
  config.eval.every = config.checkpoint.every = 6_000
  return config
