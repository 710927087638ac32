"""VEEGAN on the 1200-D mixture of ten 700-D Gaussians (VEEGAN Table 1, third column).

Everything as configs/veegan_ring.py (networks, optimizers, batch, 10k iterations) but the data,
configs/common.py's mixture_1200d (means ~ N(0, I) in 1200-D, std 0.05 in 700 coordinates per
mode; construction in aegan/data/mixtures.py), and the high-quality threshold, 10 units [paper],
a unit being std·√700 (a true sample sits at ~1). The discriminator keeps the ring's rate,
1e-2 (`per_modes.power` 0): the rule by which it follows the number of modes was measured on 2-D
mixtures only.
"""

import ml_collections

from configs import common, veegan_ring


def get_config() -> ml_collections.ConfigDict:
  config = veegan_ring.get_config()
  config.data = common.mixture_1200d()
  config.eval.hq_threshold = 10.0
  config.optimizer.discriminator.per_modes.power = 0.0  # The rule off: 1e-2 for any K.
  return config
