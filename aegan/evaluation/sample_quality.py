"""FID, KID, the Inception score and precision/recall of a run's samples, with a feature
network of the config's choice and the real data's features cached on disk.

`config.eval.features` (configs/common.py, `feature_metrics`) names the network: "classifier"
(a classifier run of the codebase, `workdir`; offline) or "inception" (the FID Inception-v3,
its weights file `weights`); with neither given, no feature metric runs. At an evaluation, the
first `num_samples` of its samples (quantised to uint8) are compared with `num_real` real
images of the `split` (aegan/evaluation/feature_metrics.py has the definitions):

    eval/fid                                  Fréchet distance of the features' Gaussian fits
    eval/kid, eval/kid_subset_std             KID over `kid_subsets` subsets of `kid_subset_size`
    eval/inception_score, ..._split_std       over `is_splits` splits of the samples
    eval/inception_score_ceiling              the score of a perfect generator at that split
                                              size and class count (e.g. ≈ 564 for 1,000
                                              samples a split over 1,000 classes, not 1,000;
                                              feature_metrics.inception_score_ceiling)
    eval/inception_score_real                 the same for the real images, for reference
    eval/precision, eval/recall               k-NN manifolds, k = `k`

The real images are fixed by (dataset, split, count) alone, not by the run: for a set of
records (cifar10, mnist, digits, celeb_a) `num_real` distinct records chosen with seed 0 (all
of them if the split has fewer); for a set composed on device (stacked_*, color_mnist) the
first `num_real` of its examples (stacked: rows of its table of distinct triples) in the order
of a permutation drawn with seed 0, each once (all of them if the split has fewer), ColorMNIST's
colours drawn from the stream `reference/example` of seed 0, per example. Their features are
computed once and cached as
`<cache_dir or workdir/reference_features>/<dataset>-<config hash>_<split>_<network>_<count>.npz`,
where <network> names the weights by their digest; every run of the same data and network
can share one cache directory. The network and its resize are reported with the numbers
(`FeatureMetrics.description`, written into results.json).
"""

import hashlib
import json
import os
import time
from collections.abc import Callable

import jax
import ml_collections
import numpy as np
from absl import logging

from aegan import distributed
from aegan.configuration import ConfigError
from aegan.data import Dataset
from aegan.data.images import quantise
from aegan.data.records import read_random
from aegan.evaluation import feature_metrics
from aegan.evaluation.features import FeatureNetwork
from aegan.evaluation.progress import Progress
from aegan.sampling import stream_key
from aegan.writers import replace_atomically

NETWORKS = ("classifier", "inception")
REFERENCE_SEED = 0


def is_configured(section: ml_collections.ConfigDict | None) -> bool:
  """Whether `config.eval.features` asks for feature metrics: it names a network and that
  network's classifier run or weights file."""
  if not section or not section.get("network"):
    return False
  return bool(section.get("workdir" if section.network == "classifier" else "weights"))


def check_config(section: ml_collections.ConfigDict, num_samples: int) -> None:
  """Raises ConfigError unless `section` (config.eval.features) can run on an evaluation of
  `num_samples` samples."""
  if section.network not in NETWORKS:
    raise ConfigError(f"config.eval.features.network={section.network!r}: choose one of {NETWORKS}")
  for field in ("num_samples", "num_real", "kid_subsets", "kid_subset_size", "is_splits", "k",
                "batch_size"):
    value = section[field]
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
      raise ConfigError(f"config.eval.features.{field} must be a positive integer, got {value!r}")
  if section.num_samples > num_samples:
    raise ConfigError(f"config.eval.features.num_samples={section.num_samples} exceeds "
                      f"config.eval.num_samples={num_samples}")
  if section.split not in ("train", "test"):
    raise ConfigError(f"config.eval.features.split={section.split!r}: choose train or test")


def make_network(section: ml_collections.ConfigDict, mesh: jax.sharding.Mesh) -> FeatureNetwork:
  """The feature network `section` names (raises its one-line error if it is missing)."""
  if section.network == "classifier":
    from aegan.evaluation.classifier import TrainedClassifier  # pylint: disable=import-outside-toplevel
    return TrainedClassifier(section.workdir, mesh, section.batch_size)
  from aegan.evaluation.inception import InceptionFeatures  # pylint: disable=import-outside-toplevel
  return InceptionFeatures(section.weights, mesh, section.batch_size)


def reference_images(dataset: Dataset, split: str, count: int, chunk: int = 5_000) -> np.ndarray:
  """uint8 [min(count, examples), H, W, C]: the distinct real images the reference features
  are of (module docstring), the same on every process."""
  if hasattr(dataset, "records"):
    return read_random(dataset.records(split), count, REFERENCE_SEED)[0]
  arrays = jax.tree.map(jax.numpy.asarray, dataset.arrays(split))
  available = dataset.num_examples(arrays)
  chosen = np.random.default_rng(REFERENCE_SEED).permutation(available)[:count]
  example_key = stream_key(REFERENCE_SEED, "reference/example")
  draw = jax.jit(jax.vmap(lambda index: dataset.example_labelled(
      arrays, index, jax.random.fold_in(example_key, index))[0]))
  return np.concatenate([quantise(draw(chosen[start:start + chunk]))
                         for start in range(0, len(chosen), chunk)])


def _data_key(data_config: ml_collections.ConfigDict) -> str:
  """<name>-<8 hex digits of the data config>, without the fields that only say where it is
  or how training draws from it (`data_dir`, `fresh`): the key of the real examples' caches."""
  fields = {k: v for k, v in data_config.to_dict().items() if k not in ("data_dir", "fresh")}
  fingerprint = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:8]
  return f"{data_config.name}-{fingerprint}"


def cache_prefix(section: ml_collections.ConfigDict, data_config: ml_collections.ConfigDict,
                 workdir: str) -> str:
  """`<cache_dir>/<_data_key>`, the start of every reference cache file of a run's data:
  `cache_dir` is the section's, or the run's `workdir`/reference_features."""
  cache_dir = section.get("cache_dir") or os.path.join(workdir, "reference_features")
  return os.path.join(cache_dir, _data_key(data_config))


def cached_arrays(path: str, compute: Callable[[], dict[str, np.ndarray]], what: str
                  ) -> dict[str, np.ndarray]:
  """The arrays saved at `path` (.npz), or `compute()`'s, saved there atomically (a killed write
  leaves no half file) by the writing process. Computing may be collective over processes (a
  feature network on every device), so all compute unless every one can read the file."""
  if not distributed.any_process(not os.path.isfile(path)):
    with np.load(path) as cached:
      arrays = dict(cached)
    logging.info("%s: %s", what, path)
    return arrays
  arrays = compute()
  if distributed.is_writer():
    os.makedirs(os.path.dirname(path), exist_ok=True)
    replace_atomically(path, lambda f: np.savez(f, **arrays), mode="wb")
  return arrays


class FeatureMetrics:
  """The feature metrics of `config.eval.features` for one run (module docstring), with the
  network the section names, or `network` if given."""

  def __init__(self, config: ml_collections.ConfigDict, dataset: Dataset,
               mesh: jax.sharding.Mesh, workdir: str, network: FeatureNetwork | None = None):
    section = config.eval.features
    check_config(section, config.eval.num_samples)
    if len(dataset.example_shape) != 3:
      raise ConfigError(f"config.eval.features: feature metrics need images, and "
                        f"{config.data.name} has examples of shape {dataset.example_shape}")
    self._section, self._dataset, self._seed = section, dataset, config.seed
    self.network = network or make_network(section, mesh)
    self._cache_stem = (f"{cache_prefix(section, config.data, workdir)}_{section.split}_"
                        f"{self.network.name}_{section.num_real}")
    self.description = {"network": self.network.description, "resize": self.network.resize,
                        "samples": section.num_samples, "reference": self._cache_stem + ".npz"}
    self._reference = self._reference_gaussian = None

  def reference(self) -> tuple[np.ndarray, np.ndarray]:
    """The real images' (features, probabilities): from the cache, or computed and cached."""
    if self._reference is not None:
      return self._reference

    def compute() -> dict[str, np.ndarray]:
      images = reference_images(self._dataset, self._section.split, self._section.num_real)
      progress = Progress(f"reference features of {len(images)} {self._section.split} images",
                          len(images), "images")
      features, probabilities = self.network(images, progress)
      progress.finish()
      return {"features": features, "probabilities": probabilities}

    cached = cached_arrays(self._cache_stem + ".npz", compute, "reference features")
    self._reference = cached["features"], cached["probabilities"]
    return self._reference

  def __call__(self, samples: np.ndarray, outputs: tuple[np.ndarray, np.ndarray] | None = None
               ) -> dict[str, float]:
    """The metrics (module docstring) of uint8 samples [>= num_samples, H, W, C]. `outputs`:
    the network's (features, probabilities) of the first num_samples samples where the caller
    has them already (the stacked mode counts' classifier, SampleScorer); computed otherwise."""
    real_features, real_probabilities = self.reference()
    if self._reference_gaussian is None:
      self._reference_gaussian = feature_metrics.gaussian_reference(real_features)
    section = self._section
    images = samples[:section.num_samples]
    if outputs is None:
      progress = Progress(f"features of {len(images)} samples", len(images), "images")
      outputs = self.network(images, progress)
      progress.finish()
    features, probabilities = outputs
    if len(features) != len(images):
      raise ValueError(f"outputs of {len(features)} samples for {len(images)} samples")
    start = time.perf_counter()
    kid, kid_std = feature_metrics.kernel_inception_distance(
        real_features, features, section.kid_subsets, section.kid_subset_size,
        stream_key(self._seed, "eval/kid"))
    score, score_std = feature_metrics.inception_score(probabilities, section.is_splits)
    real_score, _ = feature_metrics.inception_score(real_probabilities, section.is_splits)
    precision, recall = feature_metrics.precision_recall(real_features, features, section.k)
    metrics = {"eval/fid": feature_metrics.frechet_distance(
                   *feature_metrics.gaussian_statistics(features), *self._reference_gaussian),
               "eval/kid": kid, "eval/kid_subset_std": kid_std,
               "eval/inception_score": score, "eval/inception_score_split_std": score_std,
               "eval/inception_score_ceiling": feature_metrics.inception_score_ceiling(
                   len(images), section.is_splits, probabilities.shape[-1]),
               "eval/inception_score_real": real_score,
               "eval/precision": precision, "eval/recall": recall}
    logging.info("FID, KID, IS, precision/recall from the features took %.1f s",
                 time.perf_counter() - start)
    return {name: float(value) for name, value in metrics.items()}
