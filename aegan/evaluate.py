"""Evaluating and sampling a trained run from its checkpoint: what `launch/main.py --mode=eval`
and `--mode=sample` do.

Both restore the newest usable checkpoint of the workdir (or `step`'s) read-only: nothing of
the run is changed, so they can run while it still trains. The config must be the run's own
(the same file and overrides) save for its `eval` section, which may differ: the evaluation to
run (e.g. `--config.eval.features.weights=...` to add FID with the Inception network, or
`--config.eval.num_samples=50000`).

- `evaluate`: the same Evaluator as training's periodic evaluation (aegan/evaluation/) with
  every optional measure on (`final_only` sections included). Its outputs go to
  `<workdir>/evaluations/<step>/`: results.json (metrics, the feature network and resize, the
  checkpoint, the seconds taken), config.json (the config evaluated with, its `eval` section
  as given, overrides included, with `final_only` cleared), summary.md (the same as a table to
  read), metrics.jsonl and TensorBoard scalars, and the figures.
- `sample`: `num_samples` samples from the random stream `sample` of `seed`
  (aegan/sampling.py, `stream_key`), written to
  `<workdir>/samples/sample_<step>_seed<seed>.npz` (`x`: uint8 images, or the vectors as
  float32, a mixture's in the data config's units as every evaluation's:
  aegan/evaluation/evaluator.py, `in_data_units`) and `.png` (an image grid, or a scatter plot
  over a 2-D mixture's modes).
"""

import os
import time

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from absl import logging
from jax.experimental import multihost_utils

from aegan import configuration, distributed, plots
from aegan.configuration import ConfigError
from aegan.data.images import quantise
from aegan.data.mixtures import GaussianMixture
from aegan.evaluation import Evaluator
from aegan.evaluation.evaluator import in_data_units, map_draws
from aegan.evaluation.seeds import evaluate_seeds
from aegan.experiment import RestoredRun, restore_read_only, seed_slice
from aegan.parallel import data_mesh, replicate
from aegan.writers import MetricWriter, finite_or_none, metrics_markdown, replace_atomically, write_json


def restore(config: ml_collections.ConfigDict, workdir: str, step: int | None = None
            ) -> tuple[RestoredRun, jax.sharding.Mesh]:
  """The run in `workdir` at its newest usable checkpoint or at `step`, the state replicated
  over every device, and the mesh of those devices.

  Raises:
    ConfigError: `workdir` holds no run, or one of another config (outside `eval`), or no
      usable checkpoint.
    CheckpointMismatchError, CheckpointNotFoundError: see aegan/checkpoint.py.
  """
  mesh = data_mesh()
  configuration.validate(config, mesh.size)
  if not os.path.isfile(os.path.join(workdir, "config.json")):
    raise ConfigError(f"{workdir} holds no run (no config.json): train it first, or name its "
                      "workdir with --workdir")
  configuration.check_matches_workdir(config, workdir, ignored=("eval",))
  run = restore_read_only(config, workdir, step, mesh)
  if run.state is None:
    raise ConfigError(f"{workdir} has no usable checkpoint to evaluate")
  return run, mesh


def why_this_step(run: RestoredRun, asked: int | None) -> str:
  """Why `run` was restored at its step, in words: asked for with --step, the newest
  checkpoint, or the newest usable one, newer ones being damaged."""
  if asked is not None:
    return "as --step asked"
  if not run.passed_over:
    return "the newest checkpoint"
  steps = [str(step) for step, _ in run.passed_over]
  damaged = (f"step {steps[0]}'s being" if len(steps) == 1
             else f"those of steps {', '.join(steps)} being")
  return f"the newest usable checkpoint, {damaged} damaged (the warning above says how)"


def _log_step(run: RestoredRun, asked: int | None, doing: str, workdir: str, into: str) -> None:
  """One line: "<doing> step N of <workdir> (into <into>): <why that step>"; a warning when
  newer checkpoints were damaged."""
  log = logging.warning if run.passed_over and asked is None else logging.info
  log("%s step %d of %s (into %s): %s", doing, int(run.state.step), workdir, into,
      why_this_step(run, asked))


def _every_measure(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """`config` with the optional measures' `final_only` cleared: an evaluation of a checkpoint
  runs everything its config names."""
  config = ml_collections.ConfigDict(config.to_dict())
  for name in ("critic", "ivom", "features"):
    if config.eval.get(name) and "final_only" in config.eval[name]:
      config.eval[name].final_only = False
  return config


def summary(config: ml_collections.ConfigDict, workdir: str, results: dict) -> str:
  """results.json of an evaluation as markdown: a line on the run, a table of the metrics."""
  lines = [f"# {config.method} on {config.data.name}, step {results['step']}", "",
           f"{workdir}, evaluated in {results['seconds']:.1f} s on {results['devices']} device(s).",
           ""]
  return "\n".join(lines + metrics_markdown(results)) + "\n"


def evaluate(config: ml_collections.ConfigDict, workdir: str, step: int | None = None
             ) -> dict:
  """Evaluates the run in `workdir` (module docstring) and returns results.json's contents."""
  start = time.perf_counter()
  config = _every_measure(config)
  asked = step
  run, mesh = restore(config, workdir, step)
  method, dataset, state = run.method, run.dataset, run.state
  step = int(state.step)
  output_dir = os.path.join(workdir, "evaluations", str(step))
  if distributed.is_writer():
    os.makedirs(output_dir, exist_ok=True)
  _log_step(run, asked, "evaluating", workdir, output_dir)
  writer = MetricWriter(output_dir, resume_step=step - 1)  # An earlier evaluation's rows go.
  evaluator = Evaluator(config, method, dataset, mesh, workdir, figures_dir=output_dir)
  metrics, _ = evaluate_seeds(evaluator, writer, config.train.get("num_seeds", 1), step, state)
  writer.close()
  results = {"step": step, **{k: finite_or_none(v) for k, v in metrics.items()},
             **evaluator.description,
             "checkpoint": os.path.join(os.path.abspath(workdir), "checkpoints", str(step)),
             "seconds": time.perf_counter() - start, "devices": mesh.size}
  if distributed.is_writer():
    write_json(os.path.join(output_dir, "results.json"), results)
    configuration.write(config, output_dir)  # The settings these numbers are of.
    text = summary(config, workdir, results)
    replace_atomically(os.path.join(output_dir, "summary.md"), lambda f: f.write(text))
    print(text, end="", flush=True)
  return results


def sample(config: ml_collections.ConfigDict, workdir: str, num_samples: int, seed: int = 0,
           step: int | None = None) -> list[str]:
  """Writes `num_samples` samples of the run in `workdir` (module docstring), one .npz and one
  .png per seed of the run; returns the .npz paths."""
  asked = step
  run, mesh = restore(config, workdir, step)
  method, dataset, state = run.method, run.dataset, run.state
  if method.generate is None:
    raise ConfigError(f"{config.method} generates nothing: --mode=sample needs a generative run")
  if num_samples <= 0:
    raise ConfigError(f"--num_samples must be positive, got {num_samples}")
  step, num_seeds = int(state.step), config.train.get("num_seeds", 1)
  _log_step(run, asked, f"drawing {num_samples} samples of", workdir,
            os.path.join(workdir, "samples"))
  drawn = -(-num_samples // mesh.size) * mesh.size
  draw = map_draws(method, dataset, mesh, drawn, config.eval.get("batch_size", 500),
                   lambda nets, batch: method.generate(nets, batch), "sample")
  is_image = len(dataset.example_shape) == 3
  arrays = replicate(dataset.arrays("test"), mesh)
  paths = []
  for index in range(num_seeds):
    params, batch_stats = state.params, state.batch_stats
    if num_seeds > 1:
      params, batch_stats = seed_slice(params, index), seed_slice(batch_stats, index)
    samples = in_data_units(dataset, np.asarray(multihost_utils.process_allgather(
        draw(params, batch_stats, arrays, jnp.int32(seed)), tiled=True))[:num_samples])
    stem = os.path.join(workdir, "samples", f"sample_{step:08d}_seed{seed}"
                        + (f"_run{index}" if num_seeds > 1 else ""))
    if distributed.is_writer():
      os.makedirs(os.path.dirname(stem), exist_ok=True)
      samples = quantise(samples) if is_image else samples.astype(np.float32)
      replace_atomically(stem + ".npz", lambda f: np.savez(f, x=samples), mode="wb")
      if is_image:
        plots.image_grid(stem + ".png", samples)
      elif isinstance(dataset, GaussianMixture) and dataset.example_shape == (2,):
        plots.scatter_2d(stem + ".png", samples, dataset.in_data_units().means,
                         f"{config.method} step {step}: {num_samples} samples")
      logging.info("%d samples at step %d: %s.npz", num_samples, step, stem)
    paths.append(stem + ".npz")
  return paths
