"""The method abstraction: networks plus ordered update phases.

A method is the set of networks it trains and the ordered list of `Phase`s of one training
iteration. A phase names the networks it updates and the loss whose gradient they follow; the
train step (aegan/train.py) differentiates each phase's loss only with respect to those
networks, applies each network's own optimizer, and runs the phases in order, so later phases
see the parameters earlier ones just updated.

A loss is a pure, deterministic function `loss(nets, batch) -> (scalar, metrics)`. `nets` is a
`Networks`: every network of the method bound to its parameters (and BatchNorm statistics),
applied as `nets("generator", z)`; `nets.opt_state` holds every network's optimizer state at the
start of the phase, for losses that look ahead along a network's own optimizer (Unrolled GAN). `batch` holds the real data `x` together with all the noise
the loss needs, one row per example (drawn by the step from per-example keys with the method's
`sample_noise`). Keeping every random draw per example makes a global batch the same on 1 or N
devices.

BatchNorm: in training every network normalises by the statistics of the batch it is applied
to (synchronised over the data-parallel axis), and its running averages are updated call after
call; the step keeps the updated averages only for the networks the phase updates. Evaluation
uses the running averages.

Shared forward passes: where a phase applies a network it does not update to the same draws
that a later phase, which updates it, applies it to (GAN's G(z) in both of its phases), the
train step runs that forward pass once and the later phase differentiates the saved pass
(`SharedForwards`); losses need not know.
"""

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import flax.linen as nn
import jax

Params = Mapping[str, Any]
Batch = Mapping[str, jax.Array]


class Networks:
  """A method's networks bound to parameters and BatchNorm statistics for one evaluation.

  `nets(name, *inputs)` applies network `name`. In training mode (`train=True`) BatchNorm uses
  batch statistics and `nets.batch_stats[name]` holds the running averages updated by every
  call so far; in evaluation mode the running averages are used and never change.
  `opt_state[name]` is network `name`'s optimizer state (training only; empty otherwise).
  `shared`: the train step's record of the forward passes its phases share (`PhaseForwards`);
  None applies every network afresh.
  """

  def __init__(self, modules: Mapping[str, nn.Module], params: Params,
               batch_stats: Mapping[str, Any], train: bool,
               opt_state: Mapping[str, Any] | None = None,
               shared: "PhaseForwards | None" = None):
    self.modules = modules
    self.params = params
    self.batch_stats = dict(batch_stats)
    self.train = train
    self.opt_state = opt_state or {}
    self.shared = shared

  def __call__(self, name: str, *inputs: jax.Array) -> jax.Array:
    if self.shared is not None and self.train:
      output, updated = self.shared.apply(self, name, inputs)
    else:
      output, updated = self.run(name, self.params[name], inputs)
    if updated is not None:
      self.batch_stats[name] = updated
    return output

  def run(self, name: str, params: Params, inputs: tuple[jax.Array, ...]) -> tuple[jax.Array, Any]:
    """Network `name` with `params` on `inputs`: (output, its updated BatchNorm statistics, or
    None where nothing is updated: no BatchNorm, or evaluation mode). Records nothing."""
    variables = {"params": params}
    if not self.batch_stats.get(name):
      return self.modules[name].apply(variables, *inputs, train=self.train), None
    variables["batch_stats"] = self.batch_stats[name]
    if not self.train:
      return self.modules[name].apply(variables, *inputs, train=False), None
    output, updated = self.modules[name].apply(variables, *inputs, train=True, mutable=["batch_stats"])
    return output, updated["batch_stats"]


@jax.custom_vjp
def _replay(params: Params, output: jax.Array, pullback: Callable) -> jax.Array:
  """`output`, a network's output saved with `pullback` (its `jax.vjp` with respect to
  `params`), as a function of `params` whose derivative is that pullback."""
  del params, pullback
  return output


def _replay_forward(params, output, pullback):
  del params
  return output, pullback


def _replay_backward(pullback, cotangent):
  (params_cotangent,) = pullback(cotangent)
  return params_cotangent, None, None  # The saved output and pullback are constants.


_replay.defvjp(_replay_forward, _replay_backward)


@dataclasses.dataclass(frozen=True)
class SavedForward:
  """A network's forward pass, what it was applied to and its pullback."""

  name: str
  params: Params
  batch_stats: Any
  inputs: tuple[jax.Array, ...]
  output: jax.Array
  updated_stats: Any
  pullback: Callable


class SharedForwards:
  """The forward passes that one training iteration's phases share.

  A phase that applies a network it does not update, where a later phase of the iteration
  updates it, saves the output with its pullback (`jax.vjp` with respect to that network's
  parameters). When the later phase applies the network to the very same input arrays with the
  very same parameters and BatchNorm statistics (the same objects: the same draws, and no update
  of the network in between), it replays the saved output, differentiated by the saved pullback,
  instead of running the network again: the same values and the same gradient from one forward
  pass instead of two. GAN's generator: the discriminator phase's G(z) is the generator phase's,
  the same z and θ_G, and XLA does not merge the two passes itself. A saved pass that no phase
  replays costs nothing: its residuals are dead code.
  """

  def __init__(self):
    self.saved: list[SavedForward] = []

  def for_phase(self, params: Params, updating: frozenset[str],
                saving: frozenset[str]) -> "PhaseForwards":
    """The view of one phase: `params` are the networks' parameters as the phase sees them,
    before differentiation wraps the updated ones; `updating` the networks it updates;
    `saving` those it does not update but a later phase does."""
    return PhaseForwards(self, params, updating, saving)

  def find(self, name: str, params: Params, batch_stats: Any,
           inputs: tuple[jax.Array, ...]) -> SavedForward | None:
    for saved in self.saved:
      if (saved.name == name and saved.params is params and saved.batch_stats is batch_stats
          and len(saved.inputs) == len(inputs)
          and all(a is b for a, b in zip(saved.inputs, inputs))):
        return saved
    return None


@dataclasses.dataclass(frozen=True)
class PhaseForwards:
  """`SharedForwards` as one phase sees it (`SharedForwards.for_phase`)."""

  shared: SharedForwards
  params: Params
  updating: frozenset[str]
  saving: frozenset[str]

  def apply(self, nets: Networks, name: str, inputs: tuple[jax.Array, ...]) -> tuple[jax.Array, Any]:
    """`nets.run(name, nets.params[name], inputs)`, replaying a saved pass or saving this one
    where it can: (output, updated BatchNorm statistics or None)."""
    batch_stats = nets.batch_stats.get(name)
    saved = None
    if name in self.updating:
      saved = self.shared.find(name, self.params[name], batch_stats, inputs)
    if saved is not None:
      return _replay(nets.params[name], saved.output, saved.pullback), saved.updated_stats
    if name not in self.saving:
      return nets.run(name, nets.params[name], inputs)
    output, pullback, updated = jax.vjp(lambda p: nets.run(name, p, inputs), nets.params[name],
                                        has_aux=True)
    self.shared.saved.append(SavedForward(name, self.params[name], batch_stats, inputs, output,
                                          updated, pullback))
    return output, updated


Loss = Callable[[Networks, Batch], tuple[jax.Array, dict[str, jax.Array]]]


@dataclasses.dataclass(frozen=True)
class Phase:
  """One update of an iteration: `updates` follow the gradient of `loss`, `repeat` times.

  `from_iteration_start`: the loss sees every network as the iteration began (parameters,
  BatchNorm statistics, optimizer states), not as the earlier phases of this iteration left
  them; with the phases before it, a simultaneous update (Unrolled GAN: Metz et al. 2017,
  Section 2.2, updates θ_G and θ_D from the same θ_D).
  `same_draws`: every repeat sees the draws of repeat 0 (the iteration's first real batch and
  noise) instead of its own; the generator's second update on the same z in the DCGAN code of
  VEEGAN's Stacked-MNIST setting (aegan/methods/gan.py).
  """

  name: str
  updates: tuple[str, ...]
  loss: Loss
  repeat: int = 1
  from_iteration_start: bool = False
  same_draws: bool = False


@dataclasses.dataclass(frozen=True)
class Method:
  """A trainable method.

  Attributes:
    networks: name -> flax module; every module's `__call__` takes a keyword `train`.
    example_inputs: name -> positional inputs (batch of 1) used to initialise that network.
    phases: the ordered updates of one iteration.
    sample_noise: key -> dict of one example's noise arrays (merged into the batch).
    generate: (nets, batch of noise) -> generated samples; None for a method that generates
      nothing (the classifier).
    reconstruct: (nets, batch with real `x` and noise) -> reconstructions of `x`, for methods
      with an encoder or reconstructor; None otherwise.
    labelled: whether batches carry the real examples' class labels, `label` (int32 [B]).
  """

  networks: Mapping[str, nn.Module]
  example_inputs: Mapping[str, tuple[jax.Array, ...]]
  phases: Sequence[Phase]
  sample_noise: Callable[[jax.Array], dict[str, jax.Array]]
  generate: Callable[[Networks, Batch], jax.Array] | None
  reconstruct: Callable[[Networks, Batch], jax.Array] | None = None
  labelled: bool = False


@dataclasses.dataclass(frozen=True)
class Registered:
  """What the registry (aegan/methods/__init__.py) holds for a method name: how to build the
  method, how to check a config for it, and how a table describes its setting.

  Attributes:
    make: (config, example shape) -> Method.
    validate: (config, number of devices) -> None; raises aegan.config_checks.ConfigError with
      one line for a config the method cannot train on that many devices (the fields only this
      method reads).
    recipe: config -> the short description of its tuned setting a table's recipe column shows.
  """

  make: Callable[[Any, tuple[int, ...]], Method]
  validate: Callable[[Any, int], None]
  recipe: Callable[[Any], str]


def init_variables(method: Method, key: jax.Array) -> tuple[dict[str, Any], dict[str, Any]]:
  """Initialises every network from its own key: ({name: params}, {name: batch_stats}); a
  network without BatchNorm has empty batch_stats."""
  keys = jax.random.split(key, len(method.networks))
  params, batch_stats = {}, {}
  for k, (name, module) in zip(keys, sorted(method.networks.items())):
    variables = module.init(k, *method.example_inputs[name], train=False)
    params[name] = variables["params"]
    batch_stats[name] = variables.get("batch_stats", {})
  return params, batch_stats
