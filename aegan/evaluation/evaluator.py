"""The evaluation a run does periodically and at the end, on every device at once.

Generated samples are drawn from the `eval/draws` stream of the seed (aegan/sampling.py,
`stream_key`), one key per global sample index, split over the `data` mesh, in chunks of
`config.eval.batch_size`, with every network in evaluation mode (BatchNorm running averages).
Each sample comes with a held-out example of the test split: on an image set, the split's
examples in a random order, each once (`map_draws`, `distinct`), so the held-out set is the
first min(eval.num_samples, examples in the split) rows, and the measures below use no more
(the log says how many; stacked sets count rows of their table of distinct triples); on a
Gaussian mixture, independent draws. Every measure draws from a stream of its own
(`aegan.sampling.STREAMS`). Then, by dataset:
- Gaussian mixtures: `eval/modes`, `eval/hq_fraction`, `eval/mode_kl` and a scatter plot (also
  in TensorBoard). A standardised mixture (`data.standardise`) is trained in its standardised
  coordinates, but what leaves the networks (samples, held-out examples, reconstructions, the
  independent critic's pool, IvOM's generator) is carried back to the data config's own
  (`in_data_units`) before anything is measured, drawn or returned: every number, figure and
  sample of an evaluation is in the config's units, as launch/score.py takes them;
- images: a PNG grid of samples (also in TensorBoard) and, with `eval.ms_ssim_pairs` > 0, the
  diversity `eval/ms_ssim` (mean MS-SSIM of that many random pairs of distinct samples,
  quantised to uint8; lower = more diverse; aegan/evaluation/ms_ssim.py) next to the same for
  held-out real images, `eval/ms_ssim_real` (pairs of distinct held-out examples), each with
  its standard error (`_stderr`).
Methods with an encoder or reconstructor also reconstruct as many held-out examples (the
dataset's test split): `eval/recon_l1` = mean |x - x_rec| and `eval/recon_mse` = mean
(x - x_rec)², both per element on the data's scale ([-1, 1] for images, the data config's
units for mixtures), and, for images, a PNG grid of real/reconstruction pairs.
A classifier (the `classifier` method, which generates nothing) is evaluated instead on
its held-out examples: `eval/accuracy`, `eval/cross_entropy`.
With `eval.classifier.workdir` naming a trained classifier's run, samples of a stacked set are
labelled channel by channel and their modes counted (aegan/evaluation/classifier.py).
With `eval.features` naming a feature network (a classifier run or the FID Inception's weights
file), the first `eval.features.num_samples` samples get FID, KID, the Inception score and
precision/recall against cached features of real images (aegan/evaluation/sample_quality.py);
the network and its resize go into results.json (`description`).
The measures of the samples alone (mode counts, MS-SSIM, stacked mode counting, feature
metrics) are one `SampleScorer` (aegan/evaluation/scoring.py), which launch/score.py runs on
samples from anywhere: a run's own samples score there as here, bitwise.
Two optional measures, off unless their config section is given (each logs its seconds, as do
the feature metrics and mode counting; with `final_only=True` in its section, only the final
evaluation, at `train.steps`, runs it, as with `eval.features`):
- `eval.critic` (steps > 0): `eval/critic_distance`, the W1 estimate of a fresh WGAN-GP critic
  trained on `num_train` training-split examples against as many samples, scored on the first
  `num_test` held-out examples and samples (α-GAN; aegan/evaluation/critic.py);
- `eval.ivom` (num_images > 0): `eval/ivom` ± `eval/ivom_stderr`, the mean over the first
  `num_images` held-out examples of min_z ‖x - G(z)‖² per element (VEEGAN's IvOM;
  aegan/evaluation/ivom.py).
"""

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from absl import logging
from jax.experimental import multihost_utils
from jax.sharding import PartitionSpec

from aegan import distributed, plots
from aegan.data import Dataset
from aegan.data.images import StackedImages, quantise
from aegan.data.mixtures import GaussianMixture
from aegan.data.records import read_random
from aegan.evaluation import critic, ivom
from aegan.evaluation.scoring import SampleScorer
from aegan.methods import Method, Networks
from aegan.parallel import DATA_AXIS, replicate
from aegan.sampling import sample_batch, stream_key
from aegan.writers import MetricWriter

GRID_SIZE = 64  # images in a sample grid; half as many pairs in a reconstruction grid.


def num_distinct_examples(dataset: Dataset, arrays: dict) -> int | None:
  """How many distinct examples `arrays` (a split of `dataset`) holds; None for a set drawn
  afresh at every draw (a Gaussian mixture), whose draws are distinct anyway."""
  return dataset.num_examples(arrays) if hasattr(dataset, "num_examples") else None


def map_draws(method: Method, dataset: Dataset, mesh: jax.sharding.Mesh, num: int,
              batch_size: int, outputs: Callable[[Networks, dict], tuple], stream: str,
              distinct: bool = False,
              compiler_options: Mapping[str, Any] | None = None) -> Callable:
  """Jitted (params, batch_stats, arrays, seed) -> `outputs(nets, batch)` of `num` single-example
  batches, stacked, the networks in evaluation mode.

  Example i is drawn from fold_in(stream_key(seed, stream), i) alone (aegan/sampling.py), so
  the draws do not depend on the number of devices; each device computes num / mesh.size of
  them, `batch_size` at a time. With `distinct` (a dataset with `num_examples`), example i's
  real data is not drawn with replacement but is example order[i mod n] of the n in `arrays`,
  `order` a permutation drawn from the stream `<stream>/order`, and what is random within it
  (ColorMNIST's colour) from fold_in(stream_key(seed, `<stream>/example`), order[i mod n]):
  the first min(num, n) examples are distinct. `compiler_options`: XLA options of the program
  (`jax.jit`'s), over those of $XLA_FLAGS.
  """
  local = num // mesh.size
  distinct = distinct and hasattr(dataset, "num_examples")

  def per_device(params, batch_stats, arrays, seed):
    indices = jax.lax.axis_index(DATA_AXIS) * local + jnp.arange(local)
    nets = Networks(method.networks, params, batch_stats, train=False)
    key = stream_key(seed, stream)
    if distinct:
      order = jax.random.permutation(stream_key(seed, f"{stream}/order"),
                                     dataset.num_examples(arrays))
      example_key = stream_key(seed, f"{stream}/example")

    def draw(index):
      batch = sample_batch(method, dataset, arrays, key, index[None])
      if distinct:
        example = order[index % order.shape[0]]
        x, label = dataset.example_labelled(arrays, example,
                                            jax.random.fold_in(example_key, example))
        batch = {**batch, "x": x[None], **({"label": label[None]} if "label" in batch else {})}
      return jax.tree.map(lambda out: out[0], outputs(nets, batch))

    return jax.lax.map(draw, indices, batch_size=batch_size)

  return jax.jit(jax.shard_map(per_device, mesh=mesh, in_specs=PartitionSpec(),
                               out_specs=PartitionSpec(DATA_AXIS)),
                 compiler_options=compiler_options)


def in_data_units(dataset: Dataset, x: np.ndarray | jax.Array | None
                  ) -> np.ndarray | jax.Array | None:
  """`x` [..., *example_shape] drawn in the coordinates `dataset` is trained in (samples, held-out
  examples, reconstructions; float32, numpy or traced) in the data config's own: a
  standardised mixture's map back (`GaussianMixture.to_data_units`); `x` itself for every
  other set, and None for None."""
  if x is None or not isinstance(dataset, GaussianMixture):
    return x
  return dataset.to_data_units(x)


def make_evaluation_draws(method: Method, dataset: Dataset, mesh: jax.sharding.Mesh,
                          num: int, batch_size: int, reconstruct: bool = True,
                          stream: str = "eval/draws",
                          compiler_options: Mapping[str, Any] | None = None) -> Callable:
  """`map_draws` (distinct real examples) of (samples, real x, reconstructions or None); no
  reconstructions unless `reconstruct` and the method has an encoder or reconstructor.
  `compiler_options`: XLA options of the program (`jax.jit`'s)."""

  def outputs(nets, batch):
    reconstruction = method.reconstruct(nets, batch) if reconstruct and method.reconstruct else None
    return method.generate(nets, batch), batch["x"], reconstruction

  return map_draws(method, dataset, mesh, num, batch_size, outputs, stream, distinct=True,
                   compiler_options=compiler_options)


def make_classification_draws(method: Method, dataset: Dataset, mesh: jax.sharding.Mesh,
                              num: int, batch_size: int) -> Callable:
  """`map_draws` of a classifier's (logits [num, classes], labels [num]) on distinct held-out
  examples."""
  return map_draws(method, dataset, mesh, num, batch_size,
                   lambda nets, batch: (nets("classifier", batch["x"]), batch["label"]),
                   "eval/draws", distinct=True)


def classification_metrics(logits: np.ndarray, labels: np.ndarray) -> dict[str, float]:
  """`eval/accuracy` and `eval/cross_entropy` (mean -log softmax(logits)[label], float64)."""
  logits = np.asarray(logits, np.float64)
  shifted = logits - logits.max(-1, keepdims=True)
  log_softmax = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
  return {"eval/accuracy": np.mean(logits.argmax(-1) == labels),
          "eval/cross_entropy": -np.mean(log_softmax[np.arange(len(labels)), labels])}


def critic_training_arrays(dataset: Dataset, config: ml_collections.ConfigDict
                           ) -> dict[str, np.ndarray]:
  """The arrays the independent critic's real training examples are drawn from: the training
  split's, or for a set streamed from the host (`train.data_placement=host`, which need not fit
  in memory) those of `eval.critic.num_train` of its records chosen at random with the seed."""
  if config.train.get("data_placement", "device") != "host":
    return dataset.arrays("train")
  # Streamed sets are labelled images: one record each.
  images, labels = read_random(dataset.records("train"), config.eval.critic.num_train, config.seed)
  return {"images": images, "labels": labels}


def held_out_count(dataset: Dataset, arrays: dict, num: int, what: str = "held-out examples"
                   ) -> int:
  """How many of `num` draws from `arrays` (`map_draws`, `distinct`) are distinct examples:
  min(num, the split's examples), logged; `num` for a set drawn afresh (a Gaussian mixture)."""
  available = num_distinct_examples(dataset, arrays)
  if available is None:
    return num
  logging.info("%s: %d distinct examples (of %d asked for; the split holds %d)", what,
               min(num, available), num, available)
  return min(num, available)


def summarise_seeds(per_seed: list[dict[str, float]]) -> dict[str, float]:
  """The summary of several seeds' metrics (each seed's a dict of the same names):

      eval/<metric>         the mean over the seeds where the metric is defined (finite)
      eval/<metric>_std     their sample standard deviation, ddof 1: √(Σ (v − mean)² / (n − 1))
      eval/<metric>_seeds   n, how many seeds that is, written only when fewer than all

  A metric can be undefined for a seed, NaN: `eval/confident_mode_kl` when no sample is
  confident, a mixture's `eval/mode_kl` when no sample is of high quality; averaging it in
  would make the mean NaN, and counting it as 0 would read as a perfect score. The mean is NaN
  where no seed defines the metric, the std where fewer than two do. A per-seed metric may
  end in _std (`eval/kid_subset_std`, the spread over KID's subsets) unless it is another
  metric's summary name (`eval/x_std` beside `eval/x`): ValueError."""
  summary = {}
  for name in per_seed[0]:
    for suffix in ("_std", "_seeds"):  # A summary name of another metric: the two would clash.
      if name.endswith(suffix) and name.removesuffix(suffix) in per_seed[0]:
        raise ValueError(f"{name} is the summary name of the metric {name.removesuffix(suffix)}")
    values = np.array([metrics[name] for metrics in per_seed], np.float64)
    defined = values[np.isfinite(values)]
    summary[name] = float(np.mean(defined)) if len(defined) else float("nan")
    summary[f"{name}_std"] = float(np.std(defined, ddof=1)) if len(defined) > 1 else float("nan")
    if len(defined) < len(values):
      summary[f"{name}_seeds"] = float(len(defined))
  return summary


def mean_std_text(summary: dict[str, float], name: str, scale: float = 1.0, digits: int = 1,
                  num_seeds: int | None = None) -> str:
  """`name`'s mean ± sample std from a summary of seeds (summarise_seeds), both times `scale`,
  with `digits` decimals: "7.3 ± 0.6"; the value alone where the summary has no spread (one
  seed), "nan" where it lacks the metric. A mean over fewer seeds than the summary is of
  (`<name>_seeds`: the others left it undefined) says so: "0.40 ± 0.14 (2 of 3 seeds)".
  `num_seeds`: how many seeds the summary is of (default: how many `eval/seed<i>/` values of
  `name` it holds, as evaluate_seeds writes them; ValueError if it holds none to count)."""
  mean = scale * summary.get(name, float("nan"))
  if name + "_std" not in summary:
    return f"{mean:.{digits}f}"
  text = f"{mean:.{digits}f} ± {scale * summary[name + '_std']:.{digits}f}"
  if name + "_seeds" not in summary:
    return text
  if num_seeds is None:
    num_seeds = 0
    while seed_metric_name(name, num_seeds) in summary:
      num_seeds += 1
    if not num_seeds:
      raise ValueError(f"{name} is defined for {summary[name + '_seeds']:.0f} seeds, of how "
                       "many the summary does not say: pass num_seeds")
  return f"{text} ({summary[name + '_seeds']:.0f} of {num_seeds} seeds)"


def stacked_classifier(data_name: str) -> str:
  """The digit classifier's config that counts the modes of stacked set `data_name`:
  stacked_mnist5k -> classifier_mnist5k (configs/classifier_mnist5k.py)."""
  return f"classifier_{data_name.removeprefix('stacked_')}"


def seed_metric_name(name: str, seed: int) -> str:
  """`eval/<metric>` of one seed of a several-seed run: `eval/seed<seed>/<metric>`."""
  return f"eval/seed{seed}/{name.removeprefix('eval/')}"


class Evaluator:
  """Evaluates a train state: metrics to the writer it is called with and the log, figures
  under the run's samples/ or `figures_dir` (by process 0 of a multi-process run; every process
  computes the same metrics). Building one loads what its measures need (a classifier run, a
  weights file) and writes nothing, so a missing one stops a run before it writes anything."""

  def __init__(self, config: ml_collections.ConfigDict, method: Method, dataset: Dataset,
               mesh: jax.sharding.Mesh, workdir: str, figures_dir: str | None = None):
    self._config, self._dataset = config, dataset
    self._samples_dir = figures_dir or os.path.join(workdir, "samples")
    make_draws = make_evaluation_draws if method.generate else make_classification_draws
    self._draw = make_draws(method, dataset, mesh, config.eval.num_samples,
                            config.eval.get("batch_size", 500))
    self._is_classifier = method.generate is None
    # The measures from samples alone, as launch/score.py computes them (the same object).
    self._scorer = SampleScorer(config, dataset, mesh, workdir)
    classifier_section = config.eval.get("classifier")
    if (isinstance(dataset, StackedImages) and not self._is_classifier
        and not (classifier_section and classifier_section.get("workdir"))):
      classifier = stacked_classifier(config.data.name)
      logging.warning("mode counting is off (no eval.classifier.workdir): train its classifier with "
                      "`python launch/main.py --config=configs/%s.py`, then add "
                      "--config.eval.classifier.workdir=runs/%s", classifier, classifier)
    test_arrays = dataset.arrays("test")
    self._num_held_out = held_out_count(dataset, test_arrays, config.eval.num_samples)
    self._test_arrays = replicate(test_arrays, mesh)
    self._seed = config.seed
    self._is_image = len(dataset.example_shape) == 3
    self._critic = self._inversion = None
    self._final_step = config.train.steps
    self._critic_section, self._ivom_section = config.eval.get("critic"), config.eval.get("ivom")
    if self._critic_section and self._critic_section.steps:
      critic.check_config(self._critic_section, mesh.size, self._num_held_out)
      self._critic = critic.WassersteinCritic.from_config(self._critic_section, mesh)
      self._critic_draws = make_evaluation_draws(
          method, dataset, mesh, self._critic_section.num_train,
          config.eval.get("batch_size", 500), reconstruct=False, stream="eval/critic_pool")
      train_arrays = critic_training_arrays(dataset, config)
      held_out_count(dataset, train_arrays, self._critic_section.num_train,
                     "the independent critic's training pool")
      self._train_arrays = replicate(train_arrays, mesh)
    if self._ivom_section and self._ivom_section.num_images:
      ivom.check_config(self._ivom_section, mesh.size, self._num_held_out)

      def generate(variables, noise):  # In the data config's units, as the held-out examples.
        return in_data_units(dataset, method.generate(
            Networks(method.networks, *variables, train=False), noise))

      self._inversion = ivom.Inversion.from_config(self._ivom_section, generate,
                                                   method.sample_noise, mesh)

  def __call__(self, step: int, params, batch_stats, writer: MetricWriter,
               seed: int | None = None) -> tuple[dict[str, float], np.ndarray]:
    """Metrics of the model at `step`, written to `writer`, and its samples (uint8 for
    images; a mixture's in the data config's units), which were scored.

    `seed`: which seed of a several-seed run this is (aegan/train.py): its metrics are written
    as `eval/seed<i>/...` and its figures as `..._seed<i>.png`, and it draws from the streams a
    single run of config.seed + i would. The returned metrics keep their plain names.
    """
    run_seed = jnp.int32(self._seed + (seed or 0))
    draws = self._draw(params, batch_stats, self._test_arrays, run_seed)
    held_out = self._num_held_out
    if self._is_classifier:
      logits, labels = multihost_utils.process_allgather(draws, tiled=True)
      metrics = classification_metrics(logits[:held_out], labels[:held_out])
      return self._log(writer, step, {k: float(v) for k, v in metrics.items()}, seed), np.zeros((0,))
    # Host numpy of the whole draw on every process (each device drew a slice; in a
    # multi-process run, other processes' devices hold some): metrics run on the host. Real
    # examples past the distinct held-out ones repeat them and are not used.
    samples, real, reconstructions = (in_data_units(self._dataset, x) for x in
                                      multihost_utils.process_allgather(draws, tiled=True))
    real = real[:held_out]
    reconstructions = None if reconstructions is None else reconstructions[:held_out]
    metrics = self._scorer(quantise(samples) if self._is_image else samples,
                           quantise(real) if self._scorer.ms_ssim_pairs else None, run_seed, step)
    if reconstructions is not None:
      metrics["eval/recon_l1"] = np.mean(np.abs(real - reconstructions))
      metrics["eval/recon_mse"] = np.mean((real - reconstructions) ** 2)
    if self._runs(self._critic, self._critic_section, step):
      start = time.perf_counter()
      metrics.update(self._critic_distance(params, batch_stats, real, samples, run_seed))
      logging.info("step %d | eval/critic_distance took %.1f s", step, time.perf_counter() - start)
    if self._runs(self._inversion, self._ivom_section, step):
      start = time.perf_counter()
      metrics.update(self._ivom(params, batch_stats, real, stream_key(run_seed, "eval/ivom")))
      logging.info("step %d | eval/ivom took %.1f s", step, time.perf_counter() - start)
    metrics = {name: float(value) for name, value in metrics.items()}
    if distributed.is_writer():
      self._write_figures(writer, step, metrics, samples, real, reconstructions,
                          "" if seed is None else f"_seed{seed}")
    return self._log(writer, step, metrics, seed), quantise(samples) if self._is_image else samples

  @property
  def description(self) -> dict[str, dict]:
    """What the numbers were computed with, for results.json: the feature network and its
    resize, if feature metrics run."""
    return self._scorer.description

  def _log(self, writer: MetricWriter, step: int, metrics: dict, seed: int | None
           ) -> dict[str, float]:
    """Writes and logs `metrics` (floats; as `eval/seed<i>/...` for seed i of a several-seed
    run) and returns them under their plain names."""
    written = metrics if seed is None else {seed_metric_name(k, seed): v for k, v in metrics.items()}
    writer.write(step, written)
    logging.info("step %d | %s", step, " ".join(f"{k} {v:.4g}" for k, v in written.items()))
    return metrics

  def _runs(self, measure, section: ml_collections.ConfigDict | None, step: int) -> bool:
    """Whether an optional measure runs at this evaluation: it is configured, and its section
    does not ask for the final evaluation only (`final_only`), or this is the final one."""
    return measure is not None and (not section.get("final_only", False)
                                    or step == self._final_step)

  def _critic_distance(self, params, batch_stats, real: np.ndarray, samples: np.ndarray,
                       run_seed: jax.Array) -> dict[str, float]:
    """A fresh critic (stream `eval/critic`) trained on distinct training examples against as
    many samples (both of stream `eval/critic_pool`), scored on the first held-out examples
    and samples of this evaluation."""
    fake_train, real_train, _ = (in_data_units(self._dataset, x) for x in self._critic_draws(
        params, batch_stats, self._train_arrays, run_seed))
    held_out = self._critic_section.num_test
    return {"eval/critic_distance": self._critic(real_train, fake_train, real[:held_out],
                                                 samples[:held_out],
                                                 stream_key(run_seed, "eval/critic"))}

  def _ivom(self, params, batch_stats, real: np.ndarray, key: jax.Array) -> dict[str, float]:
    """IvOM's mean error over the first held-out examples, and its standard error."""
    errors, _ = self._inversion((params, batch_stats), real[:self._ivom_section.num_images], key)
    errors = multihost_utils.process_allgather(errors, tiled=True)
    return {"eval/ivom": np.mean(errors),
            "eval/ivom_stderr": np.std(errors, ddof=1) / np.sqrt(len(errors))}

  def _write_figures(self, writer, step, metrics, samples, real, reconstructions, suffix) -> None:
    path = os.path.join(self._samples_dir, f"{{}}_{step:08d}{suffix}.png")
    if isinstance(self._dataset, GaussianMixture) and self._dataset.example_shape == (2,):
      picture = plots.scatter_2d(
          path.format("samples"), samples, self._dataset.in_data_units().means,
          f"{self._config.method} step {step}: {metrics['eval/modes']:.0f} modes, "
          f"{100 * metrics['eval/hq_fraction']:.1f}% HQ")
      writer.write_image(step, f"samples{suffix}", picture)
    if not self._is_image:
      return
    grid = plots.image_grid(path.format("samples"), quantise(samples[:GRID_SIZE]))
    writer.write_image(step, f"samples{suffix}", grid)
    if reconstructions is not None:
      pairs = np.stack([real[:GRID_SIZE // 2], reconstructions[:GRID_SIZE // 2]], axis=1)
      grid = plots.image_grid(path.format("reconstructions"),
                              quantise(pairs.reshape((-1,) + pairs.shape[2:])),
                              labels=("real", "recon."))
      writer.write_image(step, f"reconstructions{suffix}", grid)
