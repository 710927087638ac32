"""A sample-quality gate beside the stacked mode counts [ours]: the digit classifier labels
anything, noise included (coloured noise can "cover" most of the 1,000 triples, confidently),
so a mode count says something about coverage only if the samples look like stacked digits
to the same classifier. The gate measures that against real test stacks.

With n = min(`eval.classifier.gate_samples`, the evaluation's samples, half the test split),
three sets of n uint8 stacks from the test split, fixed by the data alone (the first 2n of
`sample_quality.reference_images`: distinct examples in the order of a permutation drawn with
seed 0):

    A   the first n, the reference
    B   the next n, disjoint from A: real stacks that are not the reference
    S   B with the pixels of each channel of each stack shuffled (one permutation of the H·W
        positions per channel, seed 0): the same intensities, no digit

and, on the classifier's features (its last hidden layer, the channels' side by side, as
`eval/fid`'s; `frechet_inception_distance`, Heusel et al. 2017):

    eval/gate_fid              FID(first n samples, A)
    eval/gate_fid_real         FID(B, A): two disjoint real sets of the same size, the floor
    eval/gate_fid_shuffled     FID(S, A): stacks that hold no digit
    eval/gate_passed           1 if the samples' FID is closer to real-vs-real than to the
                               shuffled stacks', i.e. gate_fid < (gate_fid_real +
                               gate_fid_shuffled) / 2; else 0: the samples fail the gate, and
                               their mode counts are counts of noise
    eval/gate_confidence       mean over the samples and their channels of the classifier's
                               largest class probability; `_real` and `_shuffled` the same
                               for B and S (the classifier is confident on shuffled stacks
                               too, which is why the gate is not a confidence threshold)
    eval/gate_samples          n

All three FIDs are at the same n, so the estimator's bias at that size is in the floor too.
"""

import jax
import ml_collections
import numpy as np
from absl import logging

from aegan.configuration import ConfigError
from aegan.data import Dataset
from aegan.evaluation import feature_metrics
from aegan.evaluation.classifier import TrainedClassifier
from aegan.evaluation.sample_quality import REFERENCE_SEED, cached_arrays, reference_images


def shuffle_pixels(images: np.ndarray, seed: int = REFERENCE_SEED) -> np.ndarray:
  """uint8 [N, H, W, C] -> the same with each channel of each image's H·W pixels in an order
  of its own, drawn with `seed`: every channel keeps its intensities, their layout is gone."""
  count, height, width, channels = images.shape
  flat = images.reshape(count, height * width, channels)
  order = np.random.default_rng(seed).random(flat.shape).argsort(axis=1)
  return np.take_along_axis(flat, order, axis=1).reshape(images.shape)


def mean_confidence(channel_probabilities: np.ndarray) -> float:
  """[N, C, K] class probabilities per channel -> the mean over N and C of the largest one."""
  return float(np.mean(np.max(channel_probabilities, axis=-1)))


def threshold(fid_real: float, fid_shuffled: float) -> float:
  """The FID above which samples fail: the midpoint of real-vs-real and shuffled stacks'."""
  return (fid_real + fid_shuffled) / 2


def passes(fid: float, fid_real: float, fid_shuffled: float) -> bool:
  """The gate's rule: the samples' FID is closer to the real-vs-real FID than to the shuffled
  stacks', fid < `threshold`."""
  return fid < threshold(fid_real, fid_shuffled)


def gate_size(requested: int, num_samples: int, test_examples: int) -> int:
  """n: `requested`, at most the evaluation's samples and half the test split (A and B are
  disjoint)."""
  return min(requested, num_samples, test_examples // 2)


class QualityGate:
  """The gate (module docstring) of stacked set `dataset` with `classifier`, for evaluations of
  `num_samples` samples: the real sets' statistics and FIDs are computed at the first call and
  kept, and, with `cache_prefix`, saved as `<cache_prefix>_gate_<classifier>_<n>.npz` (the
  classifier named by its weights' digest), which later runs of the same data, classifier and
  n read instead (a table's cells: launch/table.py). Raises ConfigError unless `gate_samples`
  is a non-negative integer; 0 turns the gate off (`gate_size` below 2 leaves nothing to
  measure: ConfigError)."""

  def __init__(self, section: ml_collections.ConfigDict, classifier: TrainedClassifier,
               dataset: Dataset, num_samples: int, cache_prefix: str | None = None):
    requested = section.get("gate_samples", 0)
    if not isinstance(requested, int) or isinstance(requested, bool) or requested < 0:
      raise ConfigError(f"config.eval.classifier.gate_samples must be a non-negative integer, "
                        f"got {requested!r}")
    test_examples = dataset.num_examples(dataset.arrays("test"))
    self.size = gate_size(requested, num_samples, test_examples)
    if self.size < 2:
      raise ConfigError(f"config.eval.classifier.gate_samples={requested}: the gate compares "
                        f"at least 2 stacks a set, and {num_samples} samples with "
                        f"{test_examples} test stacks leave {self.size}")
    if self.size < requested:
      logging.info("quality gate: %d stacks a set (of %d asked for; %d samples, %d test "
                   "stacks)", self.size, requested, num_samples, test_examples)
    self._classifier, self._dataset = classifier, dataset
    self._cache_path = (None if cache_prefix is None else
                        f"{cache_prefix}_gate_{classifier.name}_{self.size}.npz")
    self._reference = None

  def reference(self) -> dict:
    """The real sets' statistics: A's Gaussian fit with its covariance's square root
    (`gaussian_reference`), and the `_real`/`_shuffled` metrics."""
    if self._reference is not None:
      return self._reference
    if self._cache_path is None:
      arrays = self._compute_reference()
    else:
      arrays = cached_arrays(self._cache_path, self._compute_reference, "quality gate reference")
    self._reference = {
        "statistics": (arrays["mu"], arrays["sigma"], arrays["root"]),
        "metrics": {f"eval/gate_{name}": float(arrays[name])
                    for name in ("fid_real", "fid_shuffled", "confidence_real",
                                 "confidence_shuffled")}}
    return self._reference

  def _compute_reference(self) -> dict[str, np.ndarray]:
    """A's (mu, sigma, root) and the FIDs and confidences of B and S, as arrays to cache."""
    real = reference_images(self._dataset, "test", 2 * self.size)
    reference, other = real[:self.size], real[self.size:]
    statistics = feature_metrics.gaussian_reference(self._features(reference)[0])
    arrays = dict(zip(("mu", "sigma", "root"), statistics))
    for name, images in (("real", other), ("shuffled", shuffle_pixels(other))):
      features, probabilities = self._features(images)
      arrays[f"fid_{name}"] = np.asarray(feature_metrics.frechet_distance(
          *feature_metrics.gaussian_statistics(features), *statistics))
      arrays[f"confidence_{name}"] = np.asarray(mean_confidence(probabilities))
    return arrays

  def _features(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint8 stacks -> (features [N, C'·D], channel probabilities [N, C', K])."""
    features, probabilities = self._classifier.channel_outputs(images)
    return features.reshape(len(images), -1), probabilities

  def __call__(self, features: np.ndarray | jax.Array, channel_probabilities: np.ndarray
               ) -> dict[str, float]:
    """The gate's metrics of the samples whose classifier outputs are `features` ([N, C', D]
    or [N, C'·D]) and `channel_probabilities` ([N, C', K]), N ≥ n (the first n are used)."""
    reference = self.reference()
    n = self.size
    features = np.asarray(features)[:n].reshape(n, -1)
    fid = feature_metrics.frechet_distance(*feature_metrics.gaussian_statistics(features),
                                           *reference["statistics"])
    real, shuffled = (reference["metrics"][f"eval/gate_fid_{name}"] for name in ("real", "shuffled"))
    return {"eval/gate_fid": fid, **reference["metrics"],
            "eval/gate_confidence": mean_confidence(channel_probabilities[:n]),
            "eval/gate_passed": float(passes(fid, real, shuffled)),
            "eval/gate_samples": float(n)}


# How launch/table.py shows the gate beside a stacked column's mode counts: a column of the
# samples' FID, a mark after each mode measure of a row whose samples failed in some seed, and
# the lines under the column that give the references and the failing rows.
MEASURE = ("gate FID", "eval/gate_fid", 1, 0)  # (header, metric, scale, decimals)
GATED = ("eval/modes", "eval/mode_kl", "eval/confident_modes", "eval/confident_mode_kl")
MARK = "†"
DOCS = "docs/evaluation.md#the-quality-gate-of-stacked-mode-counts"


def with_gate_measure(measures: tuple[tuple, ...]) -> tuple[tuple, ...]:
  """A table's measures with `MEASURE` right after its last mode measure (`GATED`); as they
  are if it has none."""
  last = max((i for i, measure in enumerate(measures) if measure[1] in GATED), default=None)
  if last is None:
    return tuple(measures)
  return (*measures[:last + 1], MEASURE, *measures[last + 1:])


def failing_seeds(results: dict[str, float], num_seeds: int) -> int:
  """How many of a cell's `num_seeds` seeds failed the gate, from its results: one seed's
  metrics, or the summary of several (`eval/gate_passed` their mean); 0 without the gate."""
  passed = results.get("eval/gate_passed")
  return 0 if passed is None else round(num_seeds * (1 - passed))


def table_notes(rows: dict[str, dict[str, float]], num_seeds: int) -> list[str]:
  """The lines under a table column of `rows` (row -> its cell's results): the gate's
  references and threshold, and the rows whose samples failed it (marked `MARK`); none if no
  row has the gate."""
  gated = {row: results for row, results in rows.items() if "eval/gate_passed" in results}
  if not gated:
    return []
  first = next(iter(gated.values()))  # The references are the data's: the same in every cell.
  real, shuffled = first["eval/gate_fid_real"], first["eval/gate_fid_shuffled"]
  lines = [f"gate FID: the samples' FID on the classifier's features to "
           f"{first['eval/gate_samples']:,.0f} real test stacks; real against other real stacks "
           f"{real:.0f}, against pixel-shuffled ones {shuffled:.0f}: samples above "
           f"{threshold(real, shuffled):.0f} fail the quality gate ({DOCS})."]
  failing = [f"{row} {count} of {num_seeds} seed{'s' * (num_seeds > 1)}"
             for row, results in gated.items() if (count := failing_seeds(results, num_seeds))]
  if failing:
    lines.append(f"{MARK} samples failing the quality gate: {', '.join(failing)}; their mode "
                 "counts are counts of noise, not coverage.")
  return lines
