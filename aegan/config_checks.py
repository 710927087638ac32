"""The pieces every config check is made of: `ConfigError` and the small assertions that raise it.

`aegan.configuration.validate` checks what every run shares (data, steps, optimizers, networks);
each method module's `validate(config)` checks what only that method reads, with these pieces,
so a method's rules live beside the method (aegan/methods/__init__.py registers both).
"""

import ml_collections

from aegan import losses


class ConfigError(ValueError):
  """A config that cannot be run, with a one-line explanation."""


def require(condition: bool, message: str) -> None:
  """Raises ConfigError(message) unless `condition`."""
  if not condition:
    raise ConfigError(message)


def field(config: ml_collections.ConfigDict, path: str):
  """The value at the dotted `path` of `config` ("loss.critic_updates")."""
  value = config
  for part in path.split("."):
    value = value[part]
  return value


def positive_int(config: ml_collections.ConfigDict, path: str) -> int:
  """The positive integer at `path`; ConfigError for anything else (bools included)."""
  value = field(config, path)
  require(isinstance(value, int) and not isinstance(value, bool) and value > 0,
          f"config.{path} must be a positive integer, got {value!r}")
  return value


def non_negative(config: ml_collections.ConfigDict, path: str) -> float:
  """The number at `path`, which must be >= 0 (a loss weight, a noise std)."""
  value = field(config, path)
  require(value >= 0, f"config.{path} must be >= 0, got {value}")
  return value


def adversarial_form(config: ml_collections.ConfigDict) -> str:
  """`config.loss.adversarial_form`, which must be one of `losses.ADVERSARIAL_FORMS`."""
  form = config.loss.get("adversarial_form")
  require(form in losses.ADVERSARIAL_FORMS,
          f"unknown config.loss.adversarial_form {form!r}; choose one of {list(losses.ADVERSARIAL_FORMS)}")
  return form


def discriminator_updates(config: ml_collections.ConfigDict) -> int:
  """`config.loss.discriminator_updates` (k discriminator updates per generator update; 1 where
  the config leaves it out), which must be a positive integer."""
  if "discriminator_updates" not in config.loss:
    return 1
  return positive_int(config, "loss.discriminator_updates")


NETWORK_SYMBOLS = {"discriminator": "D", "generator": "G", "encoder": "E", "reconstructor": "F",
                   "code_discriminator": "C", "classifier": "classifier"}


def rates_recipe(config: ml_collections.ConfigDict, *networks: str) -> str:
  """The learning rates of `networks` and every network's schedule, as a table's recipe column
  shows them: "D 0.01, cosine"; "E 0.001, G 0.001, constant/cosine" where schedules differ;
  "D 0.01·(8/K)^2 in [0.001, 0.01]" for a rate that follows the data's K modes (`per_modes`,
  aegan/optimizers.py)."""

  def rate(optimizer: ml_collections.ConfigDict) -> str:
    rule = optimizer.get("per_modes")
    if rule is None or rule.power == 0:
      return f"{optimizer.learning_rate:g}"
    return (f"{optimizer.learning_rate:g}·({rule.modes}/K)^{rule.power:g} in "
            f"[{optimizer.learning_rate * rule.min_fraction:g}, {optimizer.learning_rate:g}]")

  rates = ", ".join(f"{NETWORK_SYMBOLS.get(name, name)} {rate(config.optimizer[name])}"
                    for name in networks)
  schedules = sorted({optimizer.get("schedule", "constant") for optimizer in config.optimizer.values()})
  return f"{rates}, {'/'.join(schedules)}"
