"""VEEGAN on the image sets of its Table 2 (Srivastava et al. 2017, Sections 5.2-5.3):

  python launch/main.py --config=configs/veegan_images.py:stacked_mnist5k  # or stacked_mnist, cifar10

configs/veegan_cifar.py's recipe (its docstring gives each hyper-parameter's source) on each
set, with the set's protocol (configs/images.py). `veegan_images.py:cifar10` and
`:stacked_mnist` are configs/veegan_cifar.py and configs/veegan_stacked_mnist.py.
"""

import ml_collections

from configs import images, veegan_cifar


def get_config(data: str = "stacked_mnist5k") -> ml_collections.ConfigDict:
  return images.with_protocol(veegan_cifar.veegan(images.data(data, images.STACKED_SETS)))
