"""VEEGAN on stacked_digits, the offline Stacked-MNIST stand-in that runs on any CPU in minutes:
three of scikit-learn's bundled 8x8 digits (a real data set shipped with the package) resized
to 16x16 and stacked in R, G, B, 1,000 modes (aegan/data/digits.py). The recipe of
configs/veegan_cifar.py at the scale of the data (configs/common.py, at_stacked_digits_scale).
"""

import ml_collections

from configs import common, veegan_cifar


def get_config() -> ml_collections.ConfigDict:
  return common.at_stacked_digits_scale(veegan_cifar.veegan(common.stacked_digits()))
