"""VEEGAN on the 2-D grid of 25 Gaussians (VEEGAN Table 1).

Everything as configs/veegan_ring.py but the data: 25 modes at {-4, -2, 0, 2, 4}², std 0.05.
"""

import ml_collections

from configs import common, veegan_ring


def get_config() -> ml_collections.ConfigDict:
  config = veegan_ring.get_config()
  config.data = common.grid()
  return config
