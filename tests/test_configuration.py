"""Bad configs are refused with one line, before anything is compiled."""

import json

import pytest

from aegan import configuration
from aegan.configuration import ConfigError


def refusal(config, num_devices=1):
  with pytest.raises(ConfigError) as error:
    configuration.validate(config, num_devices)
  message = str(error.value)
  assert "\n" not in message
  return message


def test_the_shipped_configs_are_valid(tiny_veegan, tiny_gan):
  configuration.validate(tiny_veegan, 4)
  configuration.validate(tiny_gan, 4)


@pytest.mark.parametrize("field, value, expected", [
    ("method", "vaegan", "unknown method 'vaegan'"),
    ("data.name", "spiral", "unknown dataset 'spiral'"),
    ("train.steps", 0, "config.train.steps must be a positive integer, got 0"),
    ("train.steps", -10, "config.train.steps must be a positive integer"),
    ("train.batch_size", 0, "config.train.batch_size must be a positive integer"),
    ("train.steps_per_call", 3, "config.train.steps=20 is not a multiple of config.train.steps_per_call=3"),
    ("eval.every", 15, "config.eval.every=15 is not a multiple"),
    ("optimizer.generator.learning_rate", 0.0, "config.optimizer.generator.learning_rate must be positive"),
    ("optimizer.discriminator.learning_rate", -1e-3, "learning_rate must be positive"),
    ("optimizer.discriminator.name", "adamw2", "unknown optimizer 'adamw2' for discriminator"),
    ("optimizer.generator.schedule", "step", "unknown schedule 'step' for generator"),
    ("loss.adversarial_form", "hinge", "unknown config.loss.adversarial_form 'hinge'"),
    ("loss.reconstruction", "l3", "unknown config.loss.reconstruction 'l3'"),
    ("model.generator.activation", "swishy", "unknown activation 'swishy' for generator"),
])
def test_bad_fields(tiny_veegan, field, value, expected):
  *parents, leaf = field.split(".")
  node = tiny_veegan
  for parent in parents:
    node = node[parent]
  node[leaf] = value
  assert expected in refusal(tiny_veegan)


def test_batch_must_split_over_the_devices(tiny_veegan):
  tiny_veegan.train.batch_size = 30
  assert refusal(tiny_veegan, num_devices=4) == (
      "config.train.batch_size=30 is not divisible by the 4 devices")


def test_a_schedules_length_is_the_runs_not_a_field(tiny_veegan):
  tiny_veegan.optimizer.generator.decay_steps = 20
  assert refusal(tiny_veegan) == (
      "config.optimizer.generator.decay_steps is not a field: a schedule decays over the run's "
      "config.train.steps iterations (aegan/optimizers.py)")


def test_workdir_with_another_config_is_refused(tiny_veegan, tmp_path):
  configuration.write(tiny_veegan, str(tmp_path))
  # Run-length fields may change on resume ...
  tiny_veegan.train.steps = 400
  tiny_veegan.eval.every = 200
  tiny_veegan.checkpoint.keep = 5
  configuration.check_matches_workdir(tiny_veegan, str(tmp_path))
  # ... what each step computes may not.
  tiny_veegan.optimizer.generator.learning_rate = 5e-4
  tiny_veegan.seed = 7
  with pytest.raises(ConfigError, match=r"differs from the run in .* at optimizer.generator.learning_rate, seed;"):
    configuration.check_matches_workdir(tiny_veegan, str(tmp_path))


def test_config_json_is_the_resolved_config(tiny_veegan, tmp_path):
  configuration.write(tiny_veegan, str(tmp_path))
  with open(tmp_path / "config.json") as f:
    saved = json.load(f)
  assert saved["method"] == "veegan" and saved["model"]["latent_dim"] == 4


@pytest.mark.parametrize("rule", [dict(modes=8, power=2.0, min_fraction=1.5),
                                  dict(modes=8, power=2.0, min_fraction=0.0),
                                  dict(modes=0, power=2.0, min_fraction=0.1),
                                  dict(modes=8, power=-1.0, min_fraction=0.1),
                                  dict(modes=8, power=2.0)])
def test_a_rate_per_modes_needs_its_three_fields_in_range(tiny_veegan, rule):
  tiny_veegan.optimizer.discriminator.per_modes = rule
  assert refusal(tiny_veegan).startswith("config.optimizer.discriminator.per_modes needs modes > 0")


def test_unrolled_gan_refuses_a_rate_per_modes(tiny_unrolled_gan):
  tiny_unrolled_gan.optimizer.discriminator.per_modes = dict(modes=8, power=2.0, min_fraction=0.1)
  assert refusal(tiny_unrolled_gan).startswith(
      "config.optimizer.discriminator.per_modes: Unrolled GAN's unroll rebuilds")
