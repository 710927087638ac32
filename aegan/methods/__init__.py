"""Methods, each in its own module: the networks it trains, its ordered update phases, the checks
of the config fields only it reads (`validate`) and the description of its setting (`recipe`).

See `aegan.methods.base` for the abstraction. Adding a method is its module, its configs and one
line here.
"""

import ml_collections

from aegan.methods import age, ali, alpha_gan, classifier, gan, pacgan, unrolled_gan, veegan
from aegan.methods import wgan_gp
from aegan.methods.base import Method, Networks, Phase, Registered, init_variables

METHODS: dict[str, Registered] = {
    "age": Registered(age.make, age.validate, age.recipe),
    "ali": Registered(ali.make_ali, ali.validate, ali.recipe),
    "alpha_gan": Registered(alpha_gan.make, alpha_gan.validate, alpha_gan.recipe),
    "bigan": Registered(ali.make_bigan, ali.validate, ali.recipe),
    "classifier": Registered(classifier.make, classifier.validate, classifier.recipe),
    "gan": Registered(gan.make, gan.validate, gan.recipe),
    "pacgan": Registered(pacgan.make, pacgan.validate, pacgan.recipe),
    "unrolled_gan": Registered(unrolled_gan.make, unrolled_gan.validate, unrolled_gan.recipe),
    "veegan": Registered(veegan.make, veegan.validate, veegan.recipe),
    "wgan_gp": Registered(wgan_gp.make, wgan_gp.validate, wgan_gp.recipe),
}


def make_method(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  """Builds the method named by `config.method` for data examples of `example_shape`."""
  return METHODS[config.method].make(config, example_shape)


def recipe(config: ml_collections.ConfigDict) -> str:
  """The setting of `config` as a table's recipe column shows it (the method's own `recipe`)."""
  return METHODS[config.method].recipe(config)


__all__ = ["METHODS", "Method", "Networks", "Phase", "Registered", "init_variables",
           "make_method", "recipe"]
