"""GAN on the 2-D grid of 25 Gaussians: VEEGAN Table 1's GAN row, same budget as VEEGAN's."""

import ml_collections

from configs import common, gan_ring


def get_config() -> ml_collections.ConfigDict:
  config = gan_ring.get_config()
  config.data = common.grid()
  return config
