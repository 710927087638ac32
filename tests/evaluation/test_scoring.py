"""The sample-based measures of an evaluation (aegan/evaluation/scoring.py) on hand-made
samples, and what `check_samples` makes of an array it accepts."""

import math

import numpy as np
import pytest

from aegan.data import make_dataset
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
