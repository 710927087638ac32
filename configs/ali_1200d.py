"""ALI on the 1200-D mixture: VEEGAN Table 1's ALI row (published: 3 modes, 5.4% HQ), with
configs/veegan_1200d.py's networks, optimizers, budget and threshold and the ALI choices of
configs/ali_ring.py."""

import ml_collections

from configs import ali_ring, veegan_1200d


def get_config() -> ml_collections.ConfigDict:
  return ali_ring.as_ali(veegan_1200d.get_config())
