"""A run's pieces as its config describes them: the method, the dataset it trains on and one
optimizer per network (`build`); the initial train state of one seed or several (`init_state`);
and a run's checkpoint restored read-only (`restore_read_only`).

Training (aegan/train.py), evaluating a checkpoint (aegan/evaluate.py) and the evaluation's
own trained classifier (aegan/evaluation/classifier.py) all build a run the same way, so this
module sits below all three: it imports methods, models, data, optimizers and checkpoints,
never training or evaluation.
"""

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

import flax.struct
import jax
import jax.numpy as jnp
import ml_collections
import optax

from aegan import configuration, nonfinite
from aegan.checkpoint import Checkpointer
from aegan.data import Dataset, make_dataset
from aegan.methods import Method, init_variables, make_method
from aegan.optimizers import make_optimizers
from aegan.parallel import replicate
from aegan.sampling import stream_key


class TrainState(flax.struct.PyTreeNode):
  """Everything a run needs to continue: an explicit pytree, saved whole in checkpoints."""

  step: jax.Array  # int32 scalar: iterations done.
  params: dict[str, Any]  # network name -> parameters (float32).
  batch_stats: dict[str, Any]  # network name -> BatchNorm running averages ({} if none).
  opt_state: dict[str, Any]  # network name -> that network's optimizer state.
  key: jax.Array  # raw uint32[2] key from which every training draw derives.
  # int32 [3]: (iteration, phase, term) of the first non-finite value met, or -1s (aegan/nonfinite.py).
  nonfinite: jax.Array
  skipped: jax.Array  # int32 scalar: updates not applied because a value was non-finite.


# vmap axes of a TrainState of several seeds: one step counter, everything else per seed.
SEED_AXES = TrainState(step=None, params=0, batch_stats=0, opt_state=0, key=0, nonfinite=0, skipped=0)


def build(config: ml_collections.ConfigDict) -> tuple[
    Method, Dataset, dict[str, optax.GradientTransformation]]:
  """The method named by the config, the dataset it trains on, and one optimizer per network."""
  dataset = make_dataset(config.data)
  if config.train.get("data_placement") == "host" and not hasattr(dataset, "records"):
    raise configuration.ConfigError(
        f"train.data_placement=host streams one record per example, which {config.data.name} "
        "(drawn or composed on device) does not have: use train.data_placement=device")
  method = make_method(config, dataset.example_shape)
  if method.labelled and config.train.get("data_placement") == "host":
    raise configuration.ConfigError(
        f"{config.method} trains on labelled draws, which train.data_placement=host does not "
        "stream: use train.data_placement=device")
  optimizers = make_optimizers(config, method.networks, method.phases, dataset.num_modes)
  return method, dataset, optimizers


def init_state(method: Method, optimizers: Mapping[str, optax.GradientTransformation],
               seed: int, num_seeds: int = 1) -> TrainState:
  """The state of a run of `seed`, or, for num_seeds > 1, of the runs of seeds seed, seed + 1,
  ..., stacked on a leading axis of every leaf but `step` (`SEED_AXES`). Each seed's networks
  are initialised from its stream `init` and its state's key is its stream `train`
  (aegan/sampling.py, `stream_key`). Initialising is one jitted program: run op by op, a
  network's `init` compiled each of its ~30-90 small operations on its own (3 s of a tiny
  VEEGAN run's 8 on a 2-core CPU)."""

  def one_seed(seed):
    init_key, train_key = stream_key(seed, "init"), stream_key(seed, "train")
    params, batch_stats = init_variables(method, init_key)
    opt_state = {name: optimizers[name].init(p) for name, p in params.items()}
    return TrainState(step=jnp.zeros((), jnp.int32), params=params, batch_stats=batch_stats,
                      opt_state=opt_state, key=train_key,
                      nonfinite=jnp.full((3,), nonfinite.NONE, jnp.int32),
                      skipped=jnp.zeros((), jnp.int32))

  if num_seeds == 1:
    return jax.jit(one_seed)(jnp.int32(seed))
  return jax.jit(jax.vmap(one_seed, out_axes=SEED_AXES))(seed + jnp.arange(num_seeds))


def seed_slice(tree, index: int):
  """Seed `index` of a tree stacked on a leading seed axis (e.g. a state's params)."""
  return jax.tree.map(lambda leaf: leaf[index], tree)


@dataclasses.dataclass(frozen=True)
class RestoredRun:
  """A run restored read-only (`restore_read_only`)."""

  method: Method
  dataset: Dataset
  state: TrainState | None  # None: the workdir has no usable checkpoint.
  # (step, why) of each newer checkpoint the restore found unusable and passed over.
  passed_over: tuple[tuple[int, str], ...]


def restore_read_only(config: ml_collections.ConfigDict, workdir: str, step: int | None = None,
                      mesh: jax.sharding.Mesh | None = None) -> RestoredRun:
  """The run of `config` in `workdir` at its newest usable checkpoint, or at `step`'s,
  restored without changing anything on disk (the run may still be training;
  aegan/checkpoint.py), the state replicated over `mesh` if one is given.

  Raises:
    CheckpointMismatchError, CheckpointNotFoundError: see aegan/checkpoint.py.
  """
  method, dataset, optimizers = build(config)
  target = init_state(method, optimizers, config.seed, config.train.get("num_seeds", 1))
  if mesh is not None:
    target = replicate(target, mesh)
  checkpointer = Checkpointer(os.path.join(workdir, "checkpoints"), config.checkpoint.keep,
                              read_only=True)
  try:
    state = checkpointer.restore(target, step)
  finally:
    checkpointer.close()
  return RestoredRun(method, dataset, state, tuple(checkpointer.passed_over))
