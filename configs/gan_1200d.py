"""GAN on the 1200-D mixture: VEEGAN Table 1's GAN row, with configs/veegan_1200d.py's
networks, optimizers, budget and threshold."""

import ml_collections

from configs import gan_ring, veegan_1200d


def get_config() -> ml_collections.ConfigDict:
  return gan_ring.as_gan(veegan_1200d.get_config())
