"""Methods, each in its own module: the networks it trains and its ordered update phases.

See `aegan.methods.base` for the abstraction.
"""

from collections.abc import Callable

import ml_collections

from aegan.methods import alpha_gan, gan, veegan
from aegan.methods import age, ali, classifier
from aegan.methods import unrolled_gan, wgan_gp
from aegan.methods.base import Method, Networks, Phase, init_variables

METHODS: dict[str, Callable[[ml_collections.ConfigDict, tuple[int, ...]], Method]] = {
    "age": age.make,
    "ali": ali.make_ali,
    "alpha_gan": alpha_gan.make,
    "bigan": ali.make_bigan,
    "classifier": classifier.make,
    "gan": gan.make,
    "unrolled_gan": unrolled_gan.make,
    "veegan": veegan.make,
    "wgan_gp": wgan_gp.make,
}


def make_method(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  """Builds the method named by `config.method` for data examples of `example_shape`."""
  return METHODS[config.method](config, example_shape)


__all__ = ["METHODS", "Method", "Networks", "Phase", "init_variables", "make_method"]
