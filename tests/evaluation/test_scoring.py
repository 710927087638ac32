"""The sample-based measures of an evaluation (aegan/evaluation/scoring.py) on hand-made
samples, and what `check_samples` makes of an array it accepts."""

import math
import shutil

import ml_collections
import numpy as np
import pytest

from aegan.data import make_dataset
from aegan.evaluation.classifier import TrainedClassifier
from aegan.evaluation.scoring import SampleScorer, check_samples
from aegan.parallel import data_mesh
from configs import veegan_ring, veegan_stacked_digits


def _scorer(config, tmp_path):
  return SampleScorer(config, make_dataset(config.data), data_mesh(), str(tmp_path))


def test_mixture_modes_quality_and_kl_by_hand(tmp_path):
  scorer = _scorer(veegan_ring.get_config(), tmp_path)
  # 10 samples on mode 0 (1, 0), 30 on mode 2 (0, 1), 10 at the centre: 1 away from every
  # mode, 100 standard deviations, so not high quality.
  samples = np.array([[1.0, 0.0]] * 10 + [[0.0, 1.0]] * 30 + [[0.0, 0.0]] * 10, np.float32)
  metrics = scorer(samples, None, run_seed=0)
  assert metrics["eval/modes"] == 2
  assert metrics["eval/hq_fraction"] == pytest.approx(0.8)
  # KL((1/4, 3/4, 0, ...) ‖ uniform over 8) = 1/4 log(8/4) + 3/4 log(8·3/4).
  assert metrics["eval/mode_kl"] == pytest.approx(0.25 * math.log(2) + 0.75 * math.log(6), rel=1e-6)
  assert math.isnan(scorer(samples[-10:], None, run_seed=0)["eval/mode_kl"])


def test_ms_ssim_of_identical_samples_is_one_next_to_the_real_images(tmp_path):
  config = veegan_stacked_digits.get_config()  # No classifier run named: MS-SSIM alone.
  config.eval.ms_ssim_pairs = 50
  scorer = _scorer(config, tmp_path)
  rng = np.random.default_rng(0)
  samples = np.repeat(rng.integers(0, 256, (1, 16, 16, 3), np.uint8), 20, axis=0)
  real = rng.integers(0, 256, (20, 16, 16, 3), np.uint8)
  metrics = scorer(samples, real, run_seed=0)
  assert set(metrics) == {"eval/ms_ssim", "eval/ms_ssim_stderr", "eval/ms_ssim_real",
                          "eval/ms_ssim_real_stderr"}
  assert metrics["eval/ms_ssim"] == pytest.approx(1.0, abs=1e-6)
  assert metrics["eval/ms_ssim_stderr"] == pytest.approx(0.0, abs=1e-6)
  assert metrics["eval/ms_ssim_real"] < 0.5  # Independent noise images are far apart.


def test_check_samples_gives_seed_sets_of_the_first_samples_in_the_scorers_dtype():
  vectors = np.arange(12, dtype=np.float64).reshape(6, 2)
  checked = check_samples(vectors, (2,), 4, "ring")
  assert checked.dtype == np.float32 and checked.shape == (1, 4, 2)
  np.testing.assert_array_equal(checked[0], vectors[:4])
  seeds = np.arange(2 * 5 * 4 * 4 * 3).reshape(2, 5, 4, 4, 3) % 256  # int64 pixels in 0..255.
  checked = check_samples(seeds, (4, 4, 3), 5, "stacked_digits")
  assert checked.dtype == np.uint8 and checked.shape == (2, 5, 4, 4, 3)
  np.testing.assert_array_equal(checked, seeds)


def test_the_mode_counts_classifier_is_the_feature_network_once(classifier_run, tmp_path,
                                                                 monkeypatch):
  """With one classifier run for the stacked mode counts and the feature metrics, each sample
  is classified once and the numbers are those of a feature network of its own (a copy of the
  run, loaded apart)."""
  workdir = classifier_run[0]
  copy = str(tmp_path / "copy")
  shutil.copytree(workdir, copy)
  samples = np.random.default_rng(0).integers(0, 256, (300, 16, 16, 3), np.uint8)
  classified = []
  channel_outputs = TrainedClassifier.channel_outputs

  def counting(self, images, progress=None):
    classified.append(len(images))
    return channel_outputs(self, images, progress)

  monkeypatch.setattr(TrainedClassifier, "channel_outputs", counting)
  metrics = {}
  for name, features_workdir in (("shared", workdir), ("apart", copy)):
    config = veegan_stacked_digits.get_config()
    config.eval.update(num_samples=300, ms_ssim_pairs=0)
    # The config's two sections share one workdir field: apart, a features section of its own.
    config.eval.features = ml_collections.ConfigDict(config.eval.features.to_dict())
    config.eval.classifier.update(workdir=workdir, gate_samples=0)
    config.eval.features.update(workdir=features_workdir, num_samples=200, num_real=200,
                                kid_subset_size=100)
    scorer = _scorer(config, tmp_path / name)
    classified.clear()
    metrics[name] = scorer(samples, None, run_seed=0)
    # 300 samples counted; apart, the first 200 again for the features (the 200 real images'
    # features are computed for the reference cache in both).
    assert sorted(classified) == ([200, 300] if name == "shared" else [200, 200, 300]), name
  assert metrics["shared"].keys() == metrics["apart"].keys()
  assert {"eval/modes", "eval/fid", "eval/kid", "eval/precision"} <= metrics["shared"].keys()
  for key, value in metrics["shared"].items():
    assert value == pytest.approx(metrics["apart"][key], rel=1e-5, abs=1e-6), key
