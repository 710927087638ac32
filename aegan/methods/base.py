"""The method abstraction: networks plus ordered update phases.

A method is the set of networks it trains and the ordered list of `Phase`s of one training
iteration. A phase names the networks it updates and the loss whose gradient they follow; the
train step (aegan/train.py) differentiates each phase's loss only with respect to those
networks, applies each network's own optimizer, and runs the phases in order, so later phases
see the parameters earlier ones just updated.

A loss is a pure, deterministic function `loss(params, batch) -> (scalar, metrics)`: `params`
maps every network's name to its parameters, and `batch` holds the real data `x` together with
all the noise the loss needs, one row per example (drawn by the step from per-example keys with
the method's `sample_noise`). Keeping every random draw per example makes a global batch the
same on 1 or N devices.
"""

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import flax.linen as nn
import jax
import ml_collections

Params = Mapping[str, Any]
Batch = Mapping[str, jax.Array]
Loss = Callable[[Params, Batch], tuple[jax.Array, dict[str, jax.Array]]]


@dataclasses.dataclass(frozen=True)
class Phase:
  """One update of an iteration: `updates` follow the gradient of `loss`, `repeat` times."""

  name: str
  updates: tuple[str, ...]
  loss: Loss
  repeat: int = 1


@dataclasses.dataclass(frozen=True)
class Method:
  """A trainable method.

  Attributes:
    networks: name -> flax module.
    example_inputs: name -> positional inputs (batch of 1) used to initialise that network.
    phases: the ordered updates of one iteration.
    sample_noise: key -> dict of one example's noise arrays (merged into the batch).
    generate: (params, batch of noise) -> generated samples.
  """

  networks: Mapping[str, nn.Module]
  example_inputs: Mapping[str, tuple[jax.Array, ...]]
  phases: Sequence[Phase]
  sample_noise: Callable[[jax.Array], dict[str, jax.Array]]
  generate: Callable[[Params, Batch], jax.Array]


def init_params(method: Method, key: jax.Array) -> dict[str, Any]:
  """Initialises every network from its own key: {name: params}."""
  keys = jax.random.split(key, len(method.networks))
  return {
      name: module.init(k, *method.example_inputs[name])["params"]
      for k, (name, module) in zip(keys, sorted(method.networks.items()))
  }
