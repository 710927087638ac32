"""BiGAN on the 1200-D mixture: configs/bigan_ring.py's choices with configs/veegan_1200d.py's
networks, optimizers, budget and threshold."""

import ml_collections

from configs import ali_ring, veegan_1200d


def get_config() -> ml_collections.ConfigDict:
  return ali_ring.as_ali(veegan_1200d.get_config(), method="bigan")
