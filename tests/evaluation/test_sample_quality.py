"""FID/KID/IS/precision-recall of a run's samples against cached real features
(aegan/evaluation/sample_quality.py), with a hand-made feature network."""

import os

import numpy as np
import pytest

from aegan.configuration import ConfigError
from aegan.data import make_dataset
from aegan.evaluation import feature_metrics, sample_quality
from aegan.parallel import data_mesh
from configs import dcgan_stacked_digits


class MeanColour:
  """Features: each channel's mean and std; probabilities: a softmax of the means."""

  name = "mean-colour"
  description = "each channel's mean and standard deviation"
  resize = "none"

  def __init__(self):
    self.calls = 0

  def __call__(self, images, progress=None):
    self.calls += 1
    x = images.astype(np.float64) / 255
    features = np.concatenate([x.mean((1, 2)), x.std((1, 2))], -1)
    logits = 5 * features[:, :3]
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return features.astype(np.float32), probabilities.astype(np.float32)


def _config(num: int = 2_000, stack_seed: int = 0):
  config = dcgan_stacked_digits.get_config()
  config.eval.features.update(num_samples=num, num_real=num, kid_subset_size=500, kid_subsets=20)
  config.data.stack_seed = stack_seed
  return config


def _metrics(tmp_path, samples_of, network=None, config=None):
  config = config or _config()
  dataset = make_dataset(config.data)
  metrics = sample_quality.FeatureMetrics(config, dataset, data_mesh(), str(tmp_path),
                                          network or MeanColour())
  real = sample_quality.reference_images(dataset, "train", config.eval.features.num_real)
  return metrics, real, metrics(samples_of(real))


def test_real_images_score_as_real_and_a_shift_does_not(tmp_path):
  _, real, same = _metrics(tmp_path, lambda real: real)
  assert abs(same["eval/fid"]) < 1e-8
  assert same["eval/precision"] == 1.0 and same["eval/recall"] == 1.0
  assert same["eval/inception_score"] == pytest.approx(same["eval/inception_score_real"])
  # The ceiling beside it: 10 splits of 200 samples over MeanColour's 3 classes.
  assert same["eval/inception_score_ceiling"] == pytest.approx(
      feature_metrics.inception_score_ceiling(2_000, 10, 3))
  assert 2.98 < same["eval/inception_score_ceiling"] < 3
  assert abs(same["eval/kid"]) < 3 * same["eval/kid_subset_std"]  # Unbiased: around 0.

  network = MeanColour()
  metrics, _, shifted = _metrics(tmp_path, lambda real: np.clip(real.astype(int) + 60, 0, 255
                                                                ).astype(np.uint8), network)
  assert network.calls == 1  # The reference came from the first instance's cache.
  assert shifted["eval/fid"] > 0.01 and shifted["eval/kid"] > 10 * shifted["eval/kid_subset_std"]
  assert shifted["eval/precision"] < 0.5
  # FID is the Fréchet distance of the network's features, real vs samples.
  brighter = np.clip(real.astype(int) + 60, 0, 255).astype(np.uint8)
  expected = feature_metrics.frechet_inception_distance(MeanColour()(real)[0],
                                                        MeanColour()(brighter)[0])
  assert shifted["eval/fid"] == pytest.approx(expected, rel=1e-9)
  assert metrics.description["samples"] == 2_000 and metrics.description["resize"] == "none"
  assert metrics.description["network"] == MeanColour.description


def test_the_reference_is_cached_by_data_split_network_and_count(tmp_path):
  network = MeanColour()
  first, _, _ = _metrics(tmp_path, lambda real: real, network)
  cache = tmp_path / "reference_features"
  (name,) = os.listdir(cache)
  assert name.startswith("stacked_digits-") and name.endswith("_train_mean-colour_2000.npz")
  with np.load(cache / name) as cached:
    np.testing.assert_array_equal(cached["features"], first.reference()[0])
  # The cache is what a new instance reads: change it, and the metrics follow.
  features, probabilities = first.reference()
  np.savez(cache / name, features=features + 1.0, probabilities=probabilities)
  again = MeanColour()
  _, _, moved = _metrics(tmp_path, lambda real: real, again)
  assert again.calls == 1  # Only the samples' features were computed.
  assert moved["eval/fid"] == pytest.approx(6.0, rel=1e-4)  # ‖1‖² over 6 features.
  # Other stacks or another count: other reference files.
  _metrics(tmp_path, lambda real: real[:1_000], config=_config(stack_seed=1))
  _metrics(tmp_path, lambda real: real, config=_config(num=1_000))
  assert len(os.listdir(cache)) == 3


def test_reference_images_depend_on_the_data_and_count_alone():
  stacked = make_dataset(_config().data)
  ten, five = (sample_quality.reference_images(stacked, "train", n) for n in (10, 5))
  assert ten.dtype == np.uint8 and ten.shape == (10, 16, 16, 3)
  np.testing.assert_array_equal(ten[:5], five)  # The first n of one fixed order.
  np.testing.assert_array_equal(sample_quality.reference_images(stacked, "train", 10), ten)
  # A composed set's reference is distinct stacks, all of them at most: 5,000 test stacks.
  stacks = sample_quality.reference_images(stacked, "test", 6_000)
  assert len(stacks) == 5_000 and len(np.unique(stacks.reshape(5_000, -1), axis=0)) == 5_000
  digits = make_dataset(_config().data).source  # A set of records: distinct records, all at most.
  records = digits.records("test")
  every = sample_quality.reference_images(digits, "test", 10 * len(records))
  assert len(every) == len(records)
  assert len(np.unique(every.reshape(len(every), -1), axis=0)) == len(
      np.unique(records.read(np.arange(len(records)))[0].reshape(len(records), -1), axis=0))


def test_configuration_errors_are_one_line():
  config = _config()
  assert not sample_quality.is_configured(config.eval.features)  # No classifier run named.
  config.eval.features.workdir = "runs/classifier_digits"
  assert sample_quality.is_configured(config.eval.features)
  config.eval.features.num_samples = config.eval.num_samples + 1
  with pytest.raises(ConfigError, match=r"eval.features.num_samples=26001 exceeds "
                                        r"config.eval.num_samples=26000"):
    sample_quality.check_config(config.eval.features, config.eval.num_samples)
  config.eval.features.update(num_samples=100, network="vgg")
  with pytest.raises(ConfigError, match=r"network='vgg': choose one of"):
    sample_quality.check_config(config.eval.features, config.eval.num_samples)
