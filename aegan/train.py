"""The train state, the data-parallel update built from a method's phases, and the loop.

One call of the update runs `train.steps_per_call` iterations fused by `lax.scan`, on every
device at once: `jax.shard_map` over the 1-D `data` mesh, parameters replicated, each device
drawing and processing its own slice of the global batch, gradients averaged with
`lax.pmean`. Every random draw comes from per-example keys

    fold_in(fold_in(fold_in(key, step), repeat), global example index)

so the global batch, and therefore the trajectory, is the same on 1 or N devices, and a
resumed run draws exactly the batches the uninterrupted one would have. In-memory datasets
(every image set here) are placed on the devices once and passed into the update as an
argument; each example indexes them with its own key.
"""

import functools
import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import flax.struct
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
from absl import logging

from aegan import configuration
from aegan.checkpoint import Checkpointer
from aegan.data import Dataset, make_dataset
from aegan.evaluation import Evaluator
from aegan.methods import Method, Networks, init_variables, make_method
from aegan.optimizers import make_optimizer
from aegan.parallel import DATA_AXIS, data_mesh, data_parallel, replicate
from aegan.writers import MetricWriter, finite_or_none


class TrainState(flax.struct.PyTreeNode):
  """Everything a run needs to continue: an explicit pytree, saved whole in checkpoints."""

  step: jax.Array  # int32 scalar: iterations done.
  params: dict[str, Any]  # network name -> parameters (float32).
  batch_stats: dict[str, Any]  # network name -> BatchNorm running averages ({} if none).
  opt_state: dict[str, Any]  # network name -> that network's optimizer state.
  key: jax.Array  # raw uint32[2] key from which every training draw derives.


def init_state(method: Method, optimizers: Mapping[str, optax.GradientTransformation],
               seed: int) -> TrainState:
  init_key, train_key = jax.random.split(jax.random.PRNGKey(seed))
  params, batch_stats = init_variables(method, init_key)
  opt_state = {name: optimizers[name].init(p) for name, p in params.items()}
  return TrainState(step=jnp.zeros((), jnp.int32), params=params, batch_stats=batch_stats,
                    opt_state=opt_state, key=train_key)


def build(config: ml_collections.ConfigDict) -> tuple[
    Method, Dataset, dict[str, optax.GradientTransformation]]:
  """The method named by the config, the dataset it trains on, and one optimizer per network."""
  dataset = make_dataset(config.data)
  method = make_method(config, dataset.example_shape)
  optimizers = {name: make_optimizer(config.optimizer[name]) for name in method.networks}
  return method, dataset, optimizers


def sample_batch(method: Method, dataset: Dataset, arrays: Mapping[str, jax.Array],
                 key: jax.Array, example_indices: jax.Array) -> dict[str, jax.Array]:
  """Real data `x` (drawn from the dataset's `arrays`) and the method's noise for the examples
  with these global indices."""
  example_keys = jax.vmap(jax.random.fold_in, (None, 0))(key, example_indices)
  data_keys, noise_keys = jax.vmap(lambda k: jax.random.split(k))(example_keys).swapaxes(0, 1)
  x = jax.vmap(dataset.sample, (None, 0))(arrays, data_keys)
  return {"x": x, **jax.vmap(method.sample_noise)(noise_keys)}


def make_update(method: Method, optimizers: Mapping[str, optax.GradientTransformation],
                dataset: Dataset, mesh: jax.sharding.Mesh, global_batch: int,
                steps_per_call: int) -> Callable[[TrainState, Mapping[str, jax.Array]],
                                                 tuple[TrainState, dict]]:
  """The jitted update: (state, dataset arrays) -> (state after `steps_per_call` iterations,
  mean metrics).

  The state is donated; the dataset's arrays (replicated on every device) are read only.
  Metrics are averaged over devices and over the fused iterations.
  """
  local_batch = global_batch // mesh.size

  def iteration(arrays, state: TrainState, _) -> tuple[TrainState, dict]:
    first_example = jax.lax.axis_index(DATA_AXIS) * local_batch
    example_indices = first_example + jnp.arange(local_batch)
    step_key = jax.random.fold_in(state.key, state.step)
    params, batch_stats, opt_state = dict(state.params), dict(state.batch_stats), dict(state.opt_state)
    metrics = {}
    batches = {}  # repeat index -> batch: phases share the draws of the same repeat.
    for phase in method.phases:
      for repeat in range(phase.repeat):
        if repeat not in batches:
          batches[repeat] = sample_batch(method, dataset, arrays,
                                         jax.random.fold_in(step_key, repeat), example_indices)
        batch = batches[repeat]

        def phase_loss(trainable, phase=phase, batch=batch):
          nets = Networks(method.networks, {**params, **trainable}, batch_stats, train=True)
          loss, phase_metrics = phase.loss(nets, batch)
          return loss, (phase_metrics, nets.batch_stats)

        trainable = {name: params[name] for name in phase.updates}
        grads, (phase_metrics, new_batch_stats) = jax.grad(phase_loss, has_aux=True)(trainable)
        grads = jax.lax.pmean(grads, DATA_AXIS)
        for name in phase.updates:
          updates, opt_state[name] = optimizers[name].update(grads[name], opt_state[name], params[name])
          params[name] = optax.apply_updates(params[name], updates)
          batch_stats[name] = new_batch_stats[name]
      metrics.update(phase_metrics)
    metrics = jax.lax.pmean(metrics, DATA_AXIS)
    state = state.replace(step=state.step + 1, params=params, batch_stats=batch_stats,
                          opt_state=opt_state)
    return state, metrics

  def call(state: TrainState, arrays: Mapping[str, jax.Array]) -> tuple[TrainState, dict]:
    if steps_per_call == 1:
      # No loop: XLA:CPU runs convolutions inside a while loop ~12x slower than outside one
      # (DCGAN width 16, batch 64: 1.24 s vs 0.11 s), so the image configs dispatch one
      # iteration per call.
      return iteration(arrays, state, None)
    state, metrics = jax.lax.scan(functools.partial(iteration, arrays), state, length=steps_per_call)
    return state, jax.tree.map(jnp.mean, metrics)

  return jax.jit(data_parallel(call, mesh), donate_argnums=0)


def _format_duration(seconds: float) -> str:
  minutes, seconds = divmod(int(seconds), 60)
  return f"{minutes}m{seconds:02d}s"


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str) -> dict[str, float]:
  """Trains `config` in `workdir` (resuming its newest checkpoint) and returns the final
  evaluation metrics, also written to `workdir/results.json`."""
  mesh = data_mesh()
  configuration.validate(config, mesh.size)
  configuration.check_matches_workdir(config, workdir)
  method, dataset, optimizers = build(config)  # Loads the data: fails here if it is missing.
  os.makedirs(os.path.join(workdir, "samples"), exist_ok=True)
  configuration.write(config, workdir)
  logging.info("%s on %s, %d device(s), workdir %s", config.method, config.data.name, mesh.size, workdir)
  state = replicate(init_state(method, optimizers, config.seed), mesh)

  checkpointer = Checkpointer(os.path.join(workdir, "checkpoints"), config.checkpoint.keep)
  if checkpointer.latest_step() is not None:
    state = checkpointer.restore(state)
    logging.info("resuming from step %d", int(state.step))
  start_step = int(state.step)
  writer = MetricWriter(workdir, resume_step=start_step)

  update = make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                       config.train.steps_per_call)
  arrays = replicate(dataset.arrays("train"), mesh)
  evaluate = Evaluator(config, method, dataset, mesh, workdir, writer)

  step, total = start_step, config.train.steps
  last_time, last_step = time.perf_counter(), step
  while step < total:
    state, metrics = update(state, arrays)
    step += config.train.steps_per_call
    if step % config.train.log_every == 0 or step == total:
      metrics = {f"train/{k}": float(v) for k, v in metrics.items()}
      now = time.perf_counter()
      rate = (step - last_step) / (now - last_time)
      last_time, last_step = now, step
      writer.write(step, metrics)
      logging.info("step %d/%d | %.1f it/s | ETA %s | %s", step, total, rate,
                   _format_duration((total - step) / rate),
                   " ".join(f"{k.removeprefix('train/')} {v:.4g}" for k, v in metrics.items()))
    if step % config.checkpoint.every == 0 or step == total:
      checkpointer.save(step, state)
    if step % config.eval.every == 0 and step != total:
      evaluate(step, state.params, state.batch_stats)

  results, samples = evaluate(step, state.params, state.batch_stats)
  np.savez(os.path.join(workdir, "samples", "final.npz"), x=samples)
  with open(os.path.join(workdir, "results.json"), "w") as f:
    json.dump({"step": step, **{k: finite_or_none(v) for k, v in results.items()}}, f, indent=2)
  checkpointer.close()
  writer.close()
  return results
