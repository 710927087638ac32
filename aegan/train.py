"""The data-parallel update built from a method's phases, and the training loop (the train
state and how a run is built from its config: aegan/experiment.py).

One call of the update runs `train.steps_per_call` iterations fused by `lax.scan`, on every
device at once: `jax.shard_map` over the 1-D `data` mesh, parameters replicated, each device
drawing and processing its own slice of the global batch, gradients taken of the global
batch's loss (`lax.pmean` of the devices' losses). Every random draw comes from
per-example keys

    fold_in(fold_in(fold_in(key, step), repeat), global example index)

(aegan/sampling.py), so the global batch, and therefore the trajectory, is the same on 1 or N
devices, and a resumed run draws exactly the batches the uninterrupted one would have. By
default (`train.data_placement = "device"`) the training split is placed on the devices once
and passed into the update as an argument; each example indexes it with its own key. With
"host" the host reads each call's records a few calls ahead and passes them in instead, sharded
over the batch (aegan/data/streaming.py); the noise is drawn from the same keys either way.
"""

import dataclasses
import functools
import itertools
import json
import math
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
from jax.sharding import PartitionSpec
from absl import logging

from aegan import configuration, distributed, nonfinite
from aegan.checkpoint import Checkpointer
from aegan.data import Dataset
from aegan.data.images import to_float
from aegan.data.streaming import SHARDING_SPEC, HostStream
from aegan.evaluation import Evaluator
from aegan.evaluation.seeds import evaluate_seeds
from aegan.experiment import SEED_AXES, TrainState, build, init_state
from aegan.methods import Method, Networks
from aegan.methods.base import SharedForwards
from aegan.optimizers import initial_rate
from aegan.parallel import (DATA_AXIS, data_mesh, data_parallel, replicate,
                            wait_if_cpu_collectives)
from aegan.preemption import Preempted, StopRequests
from aegan.sampling import sample_batch
from aegan.writers import MetricWriter, finite_or_none, replace_atomically, write_json


def draws_per_iteration(method: Method) -> int:
  """How many batches of real data one iteration draws: phases share the draws of a repeat."""
  return max(1 if phase.same_draws else phase.repeat for phase in method.phases)


def make_update(method: Method, optimizers: Mapping[str, optax.GradientTransformation],
                dataset: Dataset, mesh: jax.sharding.Mesh, global_batch: int,
                steps_per_call: int, streamed: bool = False, num_seeds: int = 1,
                on_nonfinite: str = "stop",
                compiler_options: Mapping[str, Any] | None = None,
                share_forwards: bool = True) -> "Update":
  """The jitted update: (state, data) -> (state after `steps_per_call` iterations, mean metrics).

  With num_seeds > 1 the state holds that many independent runs (`init_state`) and one
  iteration of each is `jax.vmap`ped over them, sharing the data arrays; each run draws from
  its own key, so run i follows exactly the trajectory a single run of seed + i would, and its
  metrics come back per seed, [num_seeds].

  `data` is the dataset's arrays, replicated on every device, or, when `streamed`, the images
  the host read for this call (`aegan.data.streaming`: uint8 [steps_per_call, draws,
  global_batch, H, W, C], sharded over the batch axis). The state is donated. Metrics are
  averaged over devices and over the fused iterations.

  A phase whose loss, metrics or gradient norm is not finite applies no update; with
  `on_nonfinite` "stop" no later one is applied either (aegan/nonfinite.py); the returned
  `Update`'s `describe_nonfinite(state.nonfinite)` names the recorded event in words.

  `compiler_options` are XLA options of this program alone (`jax.jit`'s: e.g.
  {"xla_backend_optimization_level": 1}), over those of $XLA_FLAGS.

  `share_forwards`: a phase replays the forward pass of a network that an earlier phase ran on
  the same draws and parameters (aegan/methods/base.py `SharedForwards`) instead of running it
  again; False runs every pass afresh (the same update, to float rounding: for comparisons).
  """
  local_batch = global_batch // mesh.size
  term_names = {}  # phase name -> the terms its check indexes, filled in when traced.

  def iteration(state: TrainState, data) -> tuple[TrainState, dict]:
    first_example = jax.lax.axis_index(DATA_AXIS) * local_batch
    example_indices = first_example + jnp.arange(local_batch)
    step_key = jax.random.fold_in(state.key, state.step)
    params, batch_stats, opt_state = dict(state.params), dict(state.batch_stats), dict(state.opt_state)
    at_start = (state.params, state.batch_stats, state.opt_state)  # For `from_iteration_start` phases.
    record, skipped = state.nonfinite, state.skipped
    metrics = {}
    batches = {}  # draw index -> batch: phases share the draws of the same repeat.
    # A forward pass of a network that a later phase updates, on the same draws and parameters,
    # runs once (aegan/methods/base.py `SharedForwards`: GAN's G(z) in both of its phases).
    shared = SharedForwards()
    for phase_index, phase in enumerate(method.phases):
      updated_later = {name for later in method.phases[phase_index + 1:] for name in later.updates}
      forwards = functools.partial(shared.for_phase, updating=frozenset(phase.updates),
                                   saving=frozenset(updated_later - set(phase.updates)))
      for repeat in range(phase.repeat):
        draw = 0 if phase.same_draws else repeat
        if draw not in batches:
          x = to_float(data["images"][draw]) if streamed else None
          batches[draw] = sample_batch(method, dataset, data, jax.random.fold_in(step_key, draw),
                                       example_indices, x)
        batch = batches[draw]

        def phase_loss(trainable, phase=phase, batch=batch):
          seen_params, seen_stats, seen_opt_state = (
              at_start if phase.from_iteration_start else (params, batch_stats, opt_state))
          nets = Networks(method.networks, {**seen_params, **trainable}, seen_stats, train=True,
                          opt_state=dict(seen_opt_state),
                          shared=forwards(seen_params) if share_forwards else None)
          loss, phase_metrics = phase.loss(nets, batch)
          # The global batch's loss. Its gradient with respect to the replicated parameters is
          # then the global-batch gradient: shard_map's autodiff already sums the devices'
          # contributions (a pmean of the gradients instead would leave them N times too large).
          return jax.lax.pmean(loss, DATA_AXIS), (phase_metrics, nets.batch_stats)

        trainable = {name: params[name] for name in phase.updates}
        (loss, (phase_metrics, new_batch_stats)), grads = jax.value_and_grad(
            phase_loss, has_aux=True)(trainable)
        phase_metrics = jax.lax.pmean(phase_metrics, DATA_AXIS)
        term_names[phase.name] = nonfinite.term_names(phase_metrics)
        finite = nonfinite.check_terms(loss, phase_metrics, grads)
        apply = jnp.all(finite)
        if on_nonfinite == "stop":  # After a first bad value, the state stays the last good one.
          apply &= record[0] == nonfinite.NONE
        record = nonfinite.record(record, finite, state.step, phase_index)
        skipped += (~apply).astype(jnp.int32)
        for name in phase.updates:
          updates, new_opt_state = optimizers[name].update(grads[name], opt_state[name], params[name])
          params[name], opt_state[name], batch_stats[name] = nonfinite.keep_if(
              apply, (optax.apply_updates(params[name], updates), new_opt_state, new_batch_stats[name]),
              (params[name], opt_state[name], batch_stats[name]))
      metrics.update(phase_metrics)
    state = state.replace(step=state.step + 1, params=params, batch_stats=batch_stats,
                          opt_state=opt_state, nonfinite=record, skipped=skipped)
    return state, metrics

  if num_seeds > 1:
    iteration = jax.vmap(iteration, in_axes=(SEED_AXES, None), out_axes=(SEED_AXES, 0))

  def call(state: TrainState, data) -> tuple[TrainState, dict]:
    if steps_per_call == 1:
      # No loop: XLA:CPU runs convolutions inside a while loop ~12x slower than outside one
      # (DCGAN width 16, batch 64: 1.24 s vs 0.11 s), so the image configs dispatch one
      # iteration per call.
      return iteration(state, jax.tree.map(lambda a: a[0], data) if streamed else data)
    if streamed:  # One slice of the streamed images per iteration.
      state, metrics = jax.lax.scan(iteration, state, data)
    else:
      state, metrics = jax.lax.scan(lambda s, _: iteration(s, data), state, length=steps_per_call)
    return state, jax.tree.map(lambda m: jnp.mean(m, axis=0), metrics)

  data_spec = SHARDING_SPEC if streamed else PartitionSpec()
  update = jax.jit(data_parallel(call, mesh, in_specs=(PartitionSpec(), data_spec)),
                   donate_argnums=0, compiler_options=compiler_options)
  return Update(update, tuple(phase.name for phase in method.phases), term_names)


@dataclasses.dataclass(frozen=True)
class Update:
  """`make_update`'s jitted update, called as `update(state, data)`, and the names its
  non-finite records index (aegan/nonfinite.py)."""

  jitted: Callable[[TrainState, Any], tuple[TrainState, dict]]
  phase_names: tuple[str, ...]
  term_names: dict[str, list[str]]  # Phase name -> its checked terms, filled in when traced.

  def __call__(self, state: TrainState, data) -> tuple[TrainState, dict]:
    return self.jitted(state, data)

  def describe_nonfinite(self, record: np.ndarray) -> str | None:
    """The event `record` (a state's `nonfinite`) in words, None if there was none; valid
    once the update has been traced."""
    return nonfinite.describe(record, self.phase_names, self.term_names)


def _format_duration(seconds: float) -> str:
  minutes, seconds = divmod(int(seconds), 60)
  return f"{minutes}m{seconds:02d}s"


def finished_results(config: ml_collections.ConfigDict, workdir: str) -> dict | None:
  """The results.json of the run in `workdir` if its final evaluation is done at
  config.train.steps or later, else None (no run, an unfinished one, or an unreadable file:
  training or the final evaluation still has to write it). A workdir without its config.json
  holds no run this config was checked against: None, so that restoring its checkpoints checks
  them against this run's state instead."""
  if not os.path.exists(os.path.join(workdir, "config.json")):
    return None
  try:
    with open(os.path.join(workdir, "results.json")) as f:
      results = json.load(f)
  except (OSError, ValueError):
    return None
  return results if isinstance(results, dict) and results.get("step", -1) >= config.train.steps else None


def _where_results_are(config: ml_collections.ConfigDict, workdir: str) -> str:
  """Where a run's results are; a classifier run, which makes no samples, has no samples/."""
  samples = ("" if config.method == "classifier" else
             f"samples and figures in {os.path.join(workdir, 'samples')}/, ")
  return (f"results in {os.path.join(workdir, 'results.json')}, {samples}curves: "
          f"tensorboard --logdir {workdir}")


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str) -> dict[str, float]:
  """Trains `config` in `workdir` (resuming its newest checkpoint) and returns the final
  evaluation metrics, also written to `workdir/results.json`. A run whose final evaluation is
  already done (`finished_results`) is left as it is: one line says so, nothing is written,
  and its results.json's metrics are returned (None, a non-finite value, as NaN).

  Raises:
    Preempted: SIGTERM or SIGINT arrived; the step reached after the current call was
      checkpointed and the logs flushed (aegan/preemption.py).
  """
  mesh = data_mesh()
  configuration.validate(config, mesh.size)
  # Process 0 alone writes the workdir's files (aegan/distributed.py), and so checks them.
  if distributed.is_writer():
    configuration.check_workdir(workdir)
    configuration.check_matches_workdir(config, workdir)
  finished = finished_results(config, workdir)
  if distributed.any_process(finished is not None):
    step = (finished or {}).get("step")
    logging.info("already at step %s (config.train.steps=%d): nothing to train or evaluate; %s",
                 step, config.train.steps, _where_results_are(config, workdir))
    return {name: math.nan if value is None else value
            for name, value in (finished or {}).items() if name.startswith("eval/")}
  method, dataset, optimizers = build(config)  # Loads the data: fails here if it is missing.
  # Loads what the measures need (a classifier run, a weights file): fails here if it is missing.
  evaluator = Evaluator(config, method, dataset, mesh, workdir)
  num_seeds = config.train.get("num_seeds", 1)
  state = replicate(init_state(method, optimizers, config.seed, num_seeds), mesh)

  checkpointer = Checkpointer(os.path.join(workdir, "checkpoints"), config.checkpoint.keep)
  # The newest usable checkpoint, if any; raises CheckpointMismatchError, before this run
  # writes anything, if the workdir's checkpoints hold another state.
  restored = checkpointer.restore(state)
  if distributed.is_writer():
    if method.generate:  # A classifier makes no samples.
      os.makedirs(os.path.join(workdir, "samples"), exist_ok=True)
    configuration.write(config, workdir)
  logging.info("%s on %s, %d device(s), workdir %s", config.method, config.data.name, mesh.size, workdir)
  for network, optimizer in config.optimizer.items():
    if optimizer.get("per_modes") is not None:
      logging.info("%s: learning rate %.3g for %d modes (optimizer.%s.per_modes)", network,
                   initial_rate(optimizer, dataset.num_modes), dataset.num_modes, network)
  if restored is not None:
    state = restored
    logging.info("resuming from step %d", int(state.step))
  start_step = int(state.step)
  writer = MetricWriter(workdir, resume_step=start_step)

  streamed = config.train.get("data_placement") == "host"
  on_nonfinite = config.train.get("nonfinite", "stop")
  update = make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                       config.train.steps_per_call, streamed, num_seeds, on_nonfinite)

  def check_finite() -> None:
    """Raises NonFiniteError if the run met a non-finite value and must stop (its newest
    checkpoint, the last good state, is kept: nothing is saved)."""
    event = update.describe_nonfinite(np.asarray(state.nonfinite))
    if event and on_nonfinite == "stop":
      checkpointer.close()
      writer.close()
      raise nonfinite.NonFiniteError(
          f"{event}: stopped; the newest checkpoint in {workdir} is the last good state "
          "(config.train.nonfinite=skip skips such updates instead)")

  step, total = start_step, config.train.steps
  if streamed:
    stream = HostStream(dataset.records("train"), dataset.example_shape, mesh, config.seed,
                        config.train.batch_size, draws_per_iteration(method),
                        config.train.steps_per_call)
    data = stream.iterate(start_step, total)
  else:
    data = itertools.repeat(replicate(dataset.arrays("train"), mesh))
  evaluate = functools.partial(evaluate_seeds, evaluator, writer, num_seeds)

  last_time, last_step = time.perf_counter(), step
  with StopRequests() as stop:  # SIGTERM/SIGINT: checkpoint after this call and stop.
    while step < total:
      state, metrics = update(state, next(data))
      wait_if_cpu_collectives(metrics, mesh)
      step += config.train.steps_per_call
      checkpoint_due = step % config.checkpoint.every == 0 or step == total
      if step % config.train.log_every == 0 or step == total:
        check_finite()
        metrics = {f"train/{k}": float(np.mean(v)) for k, v in metrics.items()}  # Mean over seeds.
        if on_nonfinite == "skip":
          metrics["train/skipped_updates"] = float(np.sum(state.skipped))
        now = time.perf_counter()
        rate = (step - last_step) / (now - last_time)
        last_time, last_step = now, step
        writer.write(step, metrics)
        logging.info("step %d/%d | %.1f it/s | ETA %s | %s", step, total, rate,
                     _format_duration((total - step) / rate),
                     " ".join(f"{k.removeprefix('train/')} {v:.4g}" for k, v in metrics.items()))
      # Every process stops at the same step when any one of them got the signal.
      stopping = distributed.any_process(stop.requested is not None)
      if checkpoint_due or stopping:
        check_finite()
        checkpointer.save(step, state)
      if stopping:
        checkpointer.close()  # Waits for the save.
        writer.close()
        raise Preempted(stop.requested or "a signal to another process", step, workdir)
      if step % config.eval.every == 0 and step != total:
        evaluate(step, state)

  results, samples = evaluate(step, state)
  if distributed.is_writer():
    if method.generate:
      replace_atomically(os.path.join(workdir, "samples", "final.npz"),
                         lambda f: np.savez(f, x=samples), mode="wb")
    write_json(os.path.join(workdir, "results.json"),
               {"step": step, **{k: finite_or_none(v) for k, v in results.items()},
                **evaluator.description})
  checkpointer.close()
  writer.close()
  logging.info("finished at step %d: %s", step, _where_results_are(config, workdir))
  return results
