"""WGAN-GP on the 1200-D mixture: configs/wgan_gp_ring.py's method and optimizer on
configs/gan_1200d.py's (= configs/veegan_1200d.py's) data, networks, budget and threshold."""

import ml_collections

from configs import gan_1200d, wgan_gp_ring


def get_config() -> ml_collections.ConfigDict:
  return wgan_gp_ring.as_wgan_gp(gan_1200d.get_config())
