"""The method registry: each method builds, checks and describes itself from its own module, and
`aegan.configuration.validate` defers to it for the fields only that method reads."""

import dataclasses
import importlib

import pytest

from aegan import configuration, methods
from aegan.config_checks import ConfigError
from configs.tables import TABLES


def refusal(config) -> str:
  with pytest.raises(ConfigError) as error:
    configuration.validate(config, 1)
  assert "\n" not in str(error.value)
  return str(error.value)


@pytest.mark.parametrize("method", sorted(set(TABLES["veegan1"]["methods"] + TABLES["veegan1"]["extra_methods"])))
def test_every_table_row_describes_its_recipe(method):
  """The recipe column of `launch/table.py --table=veegan1 --methods=all` (AGE has no
  discriminator: its column once crashed the table)."""
  config = importlib.import_module(f"configs.{method}_ring").get_config()
  expected = {"age": "E 0.001, G 0.001, cosine", "ali": "D 0.01, constant",
              "alpha_gan": "D 0.001, cosine", "bigan": "D 0.01, constant", "gan": "D 0.001, constant",
              "unrolled_gan": "K 5, D 0.0001, constant",
              "veegan": "D 0.01·(8/K)^2 in [0.001, 0.01], cosine",
              "wgan_gp": "D 0.0001, cosine", "pacgan": "m 2, D 0.001, constant"}
  assert methods.recipe(config) == expected[method]


def test_validation_is_the_methods_own(tiny_gan, monkeypatch):
  """configuration.validate calls the registered method's `validate` with the config."""
  seen = []

  def refuse_all(config, num_devices):
    seen.append((config, num_devices))
    raise ConfigError("this method refuses every config")

  registered = dataclasses.replace(methods.METHODS["gan"], validate=refuse_all)
  monkeypatch.setitem(methods.METHODS, "gan", registered)
  assert refusal(tiny_gan) == "this method refuses every config"
  assert seen == [(tiny_gan, 1)]


@pytest.mark.parametrize("updates", [0, 2])
def test_unrolled_gan_takes_exactly_one_discriminator_update(tiny_unrolled_gan, updates):
  tiny_unrolled_gan.loss.discriminator_updates = updates
  message = refusal(tiny_unrolled_gan)
  expected = ("config.loss.discriminator_updates must be a positive integer, got 0" if updates == 0
              else "config.loss.discriminator_updates must be 1 for Unrolled GAN")
  assert message.startswith(expected), message


@pytest.mark.parametrize("fixture, field, value, expected", [
    ("tiny_wgan_gp", "loss.gradient_penalty", -1.0, "config.loss.gradient_penalty must be >= 0, got -1.0"),
    ("tiny_wgan_gp", "loss.critic_updates", 0, "config.loss.critic_updates must be a positive integer, got 0"),
    ("tiny_age", "loss.latent_reconstruction_weight", -0.5, "config.loss.latent_reconstruction_weight must be >= 0, got -0.5"),
    ("tiny_alpha_gan", "loss.generator_updates", 0, "config.loss.generator_updates must be a positive integer, got 0"),
    ("tiny_veegan", "loss.reconstructor_noise_std", -1.0, "config.loss.reconstructor_noise_std must be >= 0, got -1.0"),
    ("tiny_ali", "loss.discriminator_updates", 0, "config.loss.discriminator_updates must be a positive integer, got 0"),
    ("tiny_unrolled_gan", "loss.unrolling_steps", -1, "config.loss.unrolling_steps must be a non-negative integer, got -1"),
])
def test_each_method_refuses_its_own_bad_fields(request, fixture, field, value, expected):
  config = request.getfixturevalue(fixture)
  section, leaf = field.split(".")
  config[section][leaf] = value
  assert refusal(config) == expected
