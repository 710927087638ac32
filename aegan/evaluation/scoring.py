"""The measures of an evaluation that need only its samples: one `SampleScorer` computes them
for the Evaluator (aegan/evaluation/evaluator.py), on a run's own draws, and for
launch/score.py, on samples from anywhere, so the two give the same numbers.

By data set, as `config.eval` names them:
- Gaussian mixtures: `eval/modes`, `eval/hq_fraction`, `eval/mode_kl`, high quality within
  `hq_threshold` units of the nearest mode (VEEGAN Section 5.1; aegan/evaluation/mixtures.py),
  the samples in the data config's coordinates (a standardised mixture's mapped back:
  `GaussianMixture.in_data_units`);
- images, with `ms_ssim_pairs` > 0: `eval/ms_ssim` of that many random pairs of distinct
  samples next to `eval/ms_ssim_real` of the held-out real images drawn with them, each with
  `_stderr` (α-GAN's diversity measure; aegan/evaluation/ms_ssim.py);
- stacked sets, with `classifier.workdir`: the channel classifier's mode counts (VEEGAN
  Section 5.2; aegan/evaluation/classifier.py) and, with `classifier.gate_samples` > 0, the
  quality gate beside them (`eval/gate_*`: are the counted samples stacked digits or noise?
  aegan/evaluation/quality_gate.py);
- images, with `features` naming a network: FID, KID, the Inception score and
  precision/recall (aegan/evaluation/sample_quality.py).

`GENERATOR_MEASURES` are the evaluator's measures that samples cannot give.
`check_samples` is what a file of samples from elsewhere must be to be scored.
"""

import os
import time

import jax
import ml_collections
import numpy as np
from absl import logging

from aegan.configuration import ConfigError
from aegan.data import Dataset
from aegan.data.mixtures import GaussianMixture
from aegan.evaluation import sample_quality
from aegan.evaluation.quality_gate import QualityGate
from aegan.evaluation.classifier import TrainedClassifier
from aegan.evaluation.mixtures import mode_metrics
from aegan.evaluation.ms_ssim import pairwise_ms_ssim
from aegan.sampling import stream_key

GENERATOR_MEASURES = {
    "eval/critic_distance": "trains a fresh critic on new samples of the generator",
    "eval/ivom": "inverts the generator (min_z |x - G(z)|²)",
    "eval/recon_l1, eval/recon_mse": "reconstruct held-out data through the encoder",
}


class SamplesError(ConfigError):
  """An array of samples that cannot be scored for its data set (one line: what it should be)."""


class SampleScorer:
  """The sample-based measures `config.eval` names for `dataset` (module docstring). Building
  one loads what they need (a classifier run, a weights file; raising its one-line error if it
  is missing); the real data's feature cache and the quality gate's reference go under
  `workdir`/reference_features unless the features or classifier section names `cache_dir`."""

  def __init__(self, config: ml_collections.ConfigDict, dataset: Dataset,
               mesh: jax.sharding.Mesh, workdir: str):
    # Samples are in the data config's units (a standardised mixture's means mapped back).
    self._mixture = dataset.in_data_units() if isinstance(dataset, GaussianMixture) else None
    self._hq_threshold = config.eval.get("hq_threshold", 3.0)
    is_image = len(dataset.example_shape) == 3
    self.ms_ssim_pairs = config.eval.get("ms_ssim_pairs", 0) if is_image else 0
    classifier_section = config.eval.get("classifier")
    self._channel_classifier = self._gate = None
    if classifier_section and classifier_section.get("workdir"):
      self._channel_classifier = TrainedClassifier(classifier_section.workdir, mesh)
      self._confidence = classifier_section.get("confidence", 0.9)
      if classifier_section.get("gate_samples", 0):
        self._gate = QualityGate(classifier_section, self._channel_classifier, dataset,
                                 config.eval.num_samples,
                                 sample_quality.cache_prefix(classifier_section, config.data,
                                                             workdir))
    self._features_section = config.eval.get("features")
    self._feature_metrics = None
    if sample_quality.is_configured(self._features_section):
      # The mode counts' classifier, as the feature network too, classifies each sample once.
      shared = self._channel_classifier if self._names_channel_classifier(config.eval) else None
      self._feature_metrics = sample_quality.FeatureMetrics(config, dataset, mesh, workdir,
                                                            network=shared)
    self._final_step = config.train.steps

  def _names_channel_classifier(self, eval_section: ml_collections.ConfigDict) -> bool:
    """Whether the feature network is the classifier run that counts stacked modes."""
    features = eval_section.features
    return (self._channel_classifier is not None and features.network == "classifier"
            and os.path.realpath(features.workdir) == os.path.realpath(
                eval_section.classifier.workdir))

  @property
  def description(self) -> dict[str, dict]:
    """What the numbers were computed with, for results.json: the feature network and its
    resize, if feature metrics run."""
    if self._feature_metrics is None:
      return {}
    return {"feature_network": self._feature_metrics.description}

  def __call__(self, samples: np.ndarray, real: np.ndarray | None, run_seed: int | jax.Array,
               step: int | None = None) -> dict[str, float]:
    """The metrics of `samples`: float vectors [N, D] of a mixture, or uint8 images
    [N, H, W, C]. `real`: uint8 held-out images [n, H, W, C] for `eval/ms_ssim_real` (unused
    without MS-SSIM pairs). `run_seed`: the seed of the run the samples are of, whose stream
    `eval/ms_ssim_pairs` draws both sets' pairs (aegan/sampling.py). `step`: the evaluation's
    step, whose feature metrics are skipped if their section asks for the final one only
    (`final_only`) and this is not it; None runs everything."""
    metrics = {}
    prefix = "" if step is None else f"step {step} | "
    feature_outputs = None  # The feature network's outputs, where the mode counts computed them.
    if self._mixture is not None:
      metrics.update(mode_metrics(samples, self._mixture.means, self._mixture.hq_unit,
                                  threshold=self._hq_threshold))
    if self.ms_ssim_pairs:
      for name, images in (("eval/ms_ssim", samples), ("eval/ms_ssim_real", real)):
        mean, stderr = pairwise_ms_ssim(images, stream_key(run_seed, "eval/ms_ssim_pairs"),
                                        self.ms_ssim_pairs, 255.0)
        metrics[name], metrics[f"{name}_stderr"] = mean, stderr
    if self._channel_classifier is not None:
      start = time.perf_counter()
      features, probabilities = self._channel_classifier.channel_outputs(samples)
      metrics.update(self._channel_classifier.counted_modes(probabilities, self._confidence))
      logging.info("%sstacked mode counting took %.1f s", prefix, time.perf_counter() - start)
      if (self._feature_metrics is not None
          and self._feature_metrics.network is self._channel_classifier):
        count = self._features_section.num_samples
        feature_outputs = self._channel_classifier.joined(features[:count], probabilities[:count])
      if self._gate is not None:
        start = time.perf_counter()
        metrics.update(self._gate(features, probabilities))
        logging.info("%squality gate took %.1f s", prefix, time.perf_counter() - start)
    if self._feature_metrics is not None and (
        step is None or not self._features_section.get("final_only", False)
        or step == self._final_step):
      start = time.perf_counter()
      metrics.update(self._feature_metrics(samples, feature_outputs))
      logging.info("%sfeature metrics took %.1f s", prefix, time.perf_counter() - start)
    return {name: float(value) for name, value in metrics.items()}


def check_samples(x: np.ndarray, example_shape: tuple[int, ...], num_samples: int,
                  data_name: str) -> np.ndarray:
  """`x` as the scorer takes it, [seeds, num_samples, *example_shape]: float32 vectors for a
  mixture, uint8 pixels for images; `x` holds one set of samples [N, *example_shape] or one
  per seed of a run [seeds, N, *example_shape], N >= num_samples (the first num_samples are
  scored).

  Raises:
    SamplesError: x is of another shape or dtype, holds NaN or infinite values or values out
      of range (pixels outside 0..255, vectors beyond float32), or too few samples.
  """
  is_image = len(example_shape) == 3
  what = (f"uint8 images [N, {', '.join(map(str, example_shape))}]" if is_image
          else f"float vectors [N, {example_shape[0]}]")
  if x.ndim not in (len(example_shape) + 1, len(example_shape) + 2) or (
      tuple(x.shape[-len(example_shape):]) != tuple(example_shape)):
    raise SamplesError(f"x has shape {tuple(x.shape)}: {data_name} samples are {what} "
                       "(or one such set per seed, [seeds, N, ...])")
  if is_image:
    if x.dtype.kind == "f":
      raise SamplesError(f"x is {x.dtype}: {data_name} samples are uint8 pixels 0..255 (from "
                         "[-1, 1]: np.clip(np.round((x + 1) * 127.5), 0, 255).astype(np.uint8))")
    if x.dtype.kind not in "ui":
      raise SamplesError(f"x is {x.dtype}: {data_name} samples are uint8 pixels 0..255")
  elif x.dtype.kind != "f":
    raise SamplesError(f"x is {x.dtype}: {data_name} samples are {what}")
  if x.size and x.dtype.kind == "f":
    if np.isnan(x).any():
      raise SamplesError(f"x holds {np.isnan(x).sum()} NaN values: {data_name} samples are {what}")
    if not np.isfinite(x).all():
      raise SamplesError(f"x holds {np.isinf(x).sum()} infinite values: {data_name} samples "
                         f"are {what}")
  if x.size and is_image and (x.min() < 0 or x.max() > 255):
    raise SamplesError(f"x holds values from {x.min()} to {x.max()}: {data_name} samples are "
                       "pixels 0..255")
  if x.size and not is_image and np.abs(x).max() > np.finfo(np.float32).max:
    raise SamplesError(f"x holds values up to {np.abs(x).max():g} in magnitude, beyond float32: "
                       f"{data_name} samples are {what}")
  stacked = x if x.ndim == len(example_shape) + 2 else x[None]
  if stacked.shape[1] < num_samples:
    raise SamplesError(f"x holds {stacked.shape[1]} samples{' per seed' if stacked is x else ''}"
                       f": the {data_name} protocol scores {num_samples} (--num_samples lowers "
                       "it, and the numbers are then not comparable with the tables)")
  return stacked[:, :num_samples].astype(np.uint8 if is_image else np.float32)
