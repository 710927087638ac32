"""Per-network Optax optimizers built from config (one independent state per network).

A network's optimizer config holds `name` ("adam", "rmsprop", "sgd"), `learning_rate`, the
optimizer's own fields (b1, b2, eps_root / decay / momentum) and an optional learning-rate
schedule, `schedule`: "constant" (default), or "cosine" or "linear" decay from `learning_rate` at
iteration 0 to `final_fraction * learning_rate` (default 0) at the run's last iteration,
`train.steps`.

A rate can follow the data's number of modes K (`per_modes`, VEEGAN's mixture recipe;
`initial_rate`): `learning_rate` is then the rate at `per_modes.modes` modes and the run's rate
is learning_rate · max(min_fraction, min(1, modes / K)^power), computed once from the dataset the run
trains on, so that a data override (`--config.data.size=7`) moves the rate with it.

A schedule is keyed on the iteration count, the same for every network however many times an
iteration updates it: a network updated u times per iteration (a phase's `repeat`: WGAN-GP's
critic 5 times, α-GAN's and AGE's generator twice) takes all u updates of iteration t at the
rate of iteration t, η(t) = schedule(⌊c / u⌋) for its update count c. Raising `train.steps`
when resuming a run stretches the schedule over the new length from the resume point on
(`launch/main.py`, extending a run).
"""

from collections.abc import Sequence
from typing import Any

import ml_collections
import optax

SCHEDULES = ("constant", "cosine", "linear")


def updates_per_iteration(phases: Sequence[Any]) -> dict[str, int]:
  """Network name -> how many updates one iteration makes of it: the `repeat`s of the phases
  (`aegan.methods.base.Phase`) that update it."""
  counts: dict[str, int] = {}
  for phase in phases:
    for name in phase.updates:
      counts[name] = counts.get(name, 0) + phase.repeat
  return counts


def initial_rate(config: ml_collections.ConfigDict, num_modes: int | None = None) -> float:
  """The rate at iteration 0: `learning_rate`, or, where the config has `per_modes` (fields
  `modes`, `power`, `min_fraction`), η0 = learning_rate · max(min_fraction, min(1, modes / K)^power)
  for data of K = `num_modes` modes. Above `modes` modes the rate falls as K^-power until it is
  `min_fraction` of `learning_rate`; at `modes` modes or fewer it is `learning_rate` exactly."""
  rule = config.get("per_modes")
  if rule is None:
    return config.learning_rate
  if not num_modes:
    raise ValueError("a learning rate that follows the number of modes (per_modes) needs data "
                     "with modes")
  return config.learning_rate * max(rule.min_fraction, min(1.0, rule.modes / num_modes) ** rule.power)


def learning_rate(config: ml_collections.ConfigDict, iterations: int | None = None,
                  updates: int = 1, num_modes: int | None = None) -> optax.ScalarOrSchedule:
  """`config`'s learning rate (`initial_rate`): a constant, or, for a decaying schedule over
  `iterations` iterations, the rate as a function of this network's update count,
  η(⌊count / updates⌋)."""
  rate = initial_rate(config, num_modes)
  schedule = config.get("schedule", "constant")
  if schedule == "constant":
    return rate
  if iterations is None:
    raise ValueError(f"a {schedule} schedule needs the run's iteration count")
  final_fraction = config.get("final_fraction", 0.0)
  if schedule == "cosine":
    decay = optax.cosine_decay_schedule(rate, iterations, alpha=final_fraction)
  else:
    decay = optax.linear_schedule(rate, rate * final_fraction, iterations)
  return lambda count: decay(count // updates)


def _adam(config: ml_collections.ConfigDict, rate: optax.ScalarOrSchedule) -> optax.GradientTransformation:
  return optax.adam(rate, b1=config.get("b1", 0.9), b2=config.get("b2", 0.999),
                    eps_root=config.get("eps_root", 0.0))


def _rmsprop(config: ml_collections.ConfigDict, rate: optax.ScalarOrSchedule) -> optax.GradientTransformation:
  return optax.rmsprop(rate, decay=config.get("decay", 0.9))


def _sgd(config: ml_collections.ConfigDict, rate: optax.ScalarOrSchedule) -> optax.GradientTransformation:
  return optax.sgd(rate, momentum=config.get("momentum"))


OPTIMIZERS = {"adam": _adam, "rmsprop": _rmsprop, "sgd": _sgd}


def make_optimizer(config: ml_collections.ConfigDict, iterations: int | None = None,
                   updates: int = 1, num_modes: int | None = None) -> optax.GradientTransformation:
  """The optimizer `config.name` with its own fields and its learning rate (`learning_rate`):
  a schedule decays over `iterations` iterations of `updates` updates each; a rate with
  `per_modes` follows the data's `num_modes`."""
  return OPTIMIZERS[config.name](config, learning_rate(config, iterations, updates, num_modes))


def make_optimizers(config: ml_collections.ConfigDict, networks: Sequence[str],
                    phases: Sequence[Any], num_modes: int | None = None
                    ) -> dict[str, optax.GradientTransformation]:
  """One optimizer per network of a method (`config.optimizer[name]`), every schedule over the
  run's `config.train.steps` iterations and the network's updates per iteration (`phases`),
  for data of `num_modes` modes (rates with `per_modes`)."""
  updates = updates_per_iteration(phases)
  return {name: make_optimizer(config.optimizer[name], config.train.steps, updates.get(name, 1),
                               num_modes)
          for name in networks}
