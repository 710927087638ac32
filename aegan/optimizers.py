"""Per-network Optax optimizers built from config (one independent state per network).

A network's optimizer config holds `name` ("adam", "rmsprop", "sgd"), `learning_rate`, the
optimizer's own fields (b1, b2, eps_root / decay / momentum) and an optional learning-rate schedule:
`schedule` "constant" (default), "cosine" or "linear" decay from `learning_rate` to
`final_fraction * learning_rate` over `decay_steps` updates of that network.
"""

import ml_collections
import optax


def _learning_rate(config: ml_collections.ConfigDict) -> optax.ScalarOrSchedule:
  schedule = config.get("schedule", "constant")
  if schedule == "constant":
    return config.learning_rate
  final = config.learning_rate * config.get("final_fraction", 0.0)
  if schedule == "cosine":
    return optax.cosine_decay_schedule(config.learning_rate, config.decay_steps,
                                       alpha=config.get("final_fraction", 0.0))
  return optax.linear_schedule(config.learning_rate, final, config.decay_steps)


def _adam(config: ml_collections.ConfigDict) -> optax.GradientTransformation:
  return optax.adam(_learning_rate(config), b1=config.get("b1", 0.9), b2=config.get("b2", 0.999),
                    eps_root=config.get("eps_root", 0.0))


def _rmsprop(config: ml_collections.ConfigDict) -> optax.GradientTransformation:
  return optax.rmsprop(_learning_rate(config), decay=config.get("decay", 0.9))


def _sgd(config: ml_collections.ConfigDict) -> optax.GradientTransformation:
  return optax.sgd(_learning_rate(config), momentum=config.get("momentum"))


OPTIMIZERS = {"adam": _adam, "rmsprop": _rmsprop, "sgd": _sgd}
SCHEDULES = ("constant", "cosine", "linear")


def make_optimizer(config: ml_collections.ConfigDict) -> optax.GradientTransformation:
  """The optimizer `config.name` with its learning rate (schedule) and its own fields."""
  return OPTIMIZERS[config.name](config)
