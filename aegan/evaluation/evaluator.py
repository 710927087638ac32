"""The evaluation a run does periodically and at the end, on every device at once.

Generated samples are drawn from the eval key, one key per global sample index, split over the
`data` mesh, in chunks of `config.eval.batch_size`, with every network in evaluation mode
(BatchNorm running averages). Then, by dataset:
- Gaussian mixtures: `eval/modes`, `eval/hq_fraction`, `eval/mode_kl` and a scatter plot;
- images: a PNG grid of samples (also in TensorBoard) and, with `eval.ms_ssim_pairs` > 0, the
  diversity `eval/ms_ssim` (mean MS-SSIM of that many random pairs of distinct samples,
  quantised to uint8; lower = more diverse; aegan/evaluation/ms_ssim.py) next to the same for
  held-out real images, `eval/ms_ssim_real`, each with its standard error (`_stderr`).
Methods with an encoder or reconstructor also reconstruct as many held-out examples (the
dataset's test split): `eval/recon_l1` = mean |x - x_rec| and `eval/recon_mse` = mean
(x - x_rec)², both per element on the [-1, 1] data scale, and, for images, a PNG grid of
real/reconstruction pairs.
"""

import os
from collections.abc import Callable

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from absl import logging
from jax.sharding import PartitionSpec

from aegan import plots
from aegan.data import Dataset
from aegan.data.mixtures import GaussianMixture
from aegan.evaluation.mixtures import mode_metrics
from aegan.evaluation.ms_ssim import pairwise_ms_ssim
from aegan.methods import Method, Networks
from aegan.parallel import DATA_AXIS, replicate
from aegan.sampling import sample_batch
from aegan.writers import MetricWriter

GRID_SIZE = 64  # images in a sample grid; half as many pairs in a reconstruction grid.


def quantise(images: np.ndarray) -> np.ndarray:
  """[-1, 1] floats -> uint8 pixels, as an image file would hold them."""
  return np.clip(np.round((np.asarray(images, np.float32) + 1) * 127.5), 0, 255).astype(np.uint8)


def make_evaluation_draws(method: Method, dataset: Dataset, mesh: jax.sharding.Mesh,
                          num: int, batch_size: int) -> Callable:
  """Jitted (params, batch_stats, arrays, key) -> (samples, held-out x, reconstructions or None).

  Example i of every output is drawn from fold_in(key, i) alone, so the draws do not depend on
  the number of devices; each device computes num / mesh.size of them.
  """
  local = num // mesh.size

  def per_device(params, batch_stats, arrays, key):
    indices = jax.lax.axis_index(DATA_AXIS) * local + jnp.arange(local)
    nets = Networks(method.networks, params, batch_stats, train=False)

    def draw(index):
      batch = sample_batch(method, dataset, arrays, key, index[None])
      reconstruction = method.reconstruct(nets, batch)[0] if method.reconstruct else None
      return method.generate(nets, batch)[0], batch["x"][0], reconstruction

    return jax.lax.map(draw, indices, batch_size=batch_size)

  return jax.jit(jax.shard_map(per_device, mesh=mesh, in_specs=PartitionSpec(),
                               out_specs=PartitionSpec(DATA_AXIS)))


def seed_metric_name(name: str, seed: int) -> str:
  """`eval/<metric>` of one seed of a several-seed run: `eval/seed<seed>/<metric>`."""
  return f"eval/seed{seed}/{name.removeprefix('eval/')}"


class Evaluator:
  """Evaluates a train state: metrics to the writer and the log, figures under samples/."""

  def __init__(self, config: ml_collections.ConfigDict, method: Method, dataset: Dataset,
               mesh: jax.sharding.Mesh, workdir: str, writer: MetricWriter):
    self._config, self._dataset, self._writer = config, dataset, writer
    self._samples_dir = os.path.join(workdir, "samples")
    self._draw = make_evaluation_draws(method, dataset, mesh, config.eval.num_samples,
                                       config.eval.get("batch_size", 500))
    self._test_arrays = replicate(dataset.arrays("test"), mesh)
    self._seed = config.seed
    self._ms_ssim_pairs = config.eval.get("ms_ssim_pairs", 0)
    self._is_image = len(dataset.example_shape) == 3

  def __call__(self, step: int, params, batch_stats, seed: int | None = None
               ) -> tuple[dict[str, float], np.ndarray]:
    """Metrics of the model at `step` and its samples (uint8 for images), which were scored.

    `seed`: which seed of a several-seed run this is (aegan/train.py): its metrics are written
    as `eval/seed<i>/...` and its figures as `..._seed<i>.png`, and it draws from the key a
    single run of config.seed + i would. The returned metrics keep their plain names.
    """
    key = jax.random.PRNGKey(self._seed + 1 + (seed or 0))
    draws = self._draw(params, batch_stats, self._test_arrays, key)
    samples, real, reconstructions = jax.device_get(draws)  # Host numpy: metrics run on one device.
    metrics = {}
    if isinstance(self._dataset, GaussianMixture):
      metrics.update(mode_metrics(samples, self._dataset.means, self._dataset.hq_unit,
                                  threshold=self._config.eval.hq_threshold))
    if self._is_image and self._ms_ssim_pairs:
      for name, images in (("eval/ms_ssim", samples), ("eval/ms_ssim_real", real)):
        mean, stderr = pairwise_ms_ssim(quantise(images), key, self._ms_ssim_pairs, 255.0)
        metrics[name], metrics[f"{name}_stderr"] = mean, stderr
    if reconstructions is not None:
      metrics["eval/recon_l1"] = np.mean(np.abs(real - reconstructions))
      metrics["eval/recon_mse"] = np.mean((real - reconstructions) ** 2)
    metrics = {name: float(value) for name, value in metrics.items()}
    self._write_figures(step, metrics, samples, real, reconstructions,
                        "" if seed is None else f"_seed{seed}")
    written = metrics if seed is None else {seed_metric_name(k, seed): v for k, v in metrics.items()}
    self._writer.write(step, written)
    logging.info("step %d | %s", step, " ".join(f"{k} {v:.4g}" for k, v in written.items()))
    return metrics, quantise(samples) if self._is_image else samples

  def _write_figures(self, step, metrics, samples, real, reconstructions, suffix) -> None:
    path = os.path.join(self._samples_dir, f"{{}}_{step:08d}{suffix}.png")
    if isinstance(self._dataset, GaussianMixture) and self._dataset.example_shape == (2,):
      plots.scatter_2d(path.format("samples"), samples, self._dataset.means,
                       f"{self._config.method} step {step}: {metrics['eval/modes']:.0f} modes, "
                       f"{100 * metrics['eval/hq_fraction']:.1f}% HQ")
    if not self._is_image:
      return
    grid = plots.image_grid(path.format("samples"), quantise(samples[:GRID_SIZE]))
    self._writer.write_image(step, f"samples{suffix}", grid)
    if reconstructions is not None:
      pairs = np.stack([real[:GRID_SIZE // 2], reconstructions[:GRID_SIZE // 2]], axis=1)
      grid = plots.image_grid(path.format("reconstructions"),
                              quantise(pairs.reshape((-1,) + pairs.shape[2:])))
      self._writer.write_image(step, f"reconstructions{suffix}", grid)
