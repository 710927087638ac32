"""Mode counting on constructed samples with known answers."""

import math

import jax.numpy as jnp
import numpy as np

from aegan.data.mixtures import grid, ring
from aegan.evaluation.mixtures import mode_metrics

RING = ring(num_modes=8, radius=1.0, std=0.01)


def metrics(samples, mixture=RING, threshold=3.0):
  result = mode_metrics(jnp.asarray(samples, jnp.float32), mixture.means, mixture.std, threshold)
  return {k: float(v) for k, v in result.items()}


def test_all_modes_evenly():
  samples = np.repeat(RING.means, 10, axis=0) + 0.02 * np.array([1.0, 0.0])  # 2 std away.
  result = metrics(samples)
  assert result["eval/modes"] == 8
  assert result["eval/hq_fraction"] == 1.0
  np.testing.assert_allclose(result["eval/mode_kl"], 0.0, atol=1e-6)


def test_one_mode():
  samples = np.repeat(RING.means[:1], 50, axis=0)
  result = metrics(samples)
  assert result["eval/modes"] == 1
  assert result["eval/hq_fraction"] == 1.0
  np.testing.assert_allclose(result["eval/mode_kl"], math.log(8), rtol=1e-6)


def test_no_high_quality_samples():
  samples = np.zeros((100, 2))  # the centre of the ring: 100 std from every mode.
  result = metrics(samples)
  assert result["eval/modes"] == 0
  assert result["eval/hq_fraction"] == 0.0
  assert math.isnan(result["eval/mode_kl"])


def test_only_high_quality_samples_count_towards_modes():
  # 3 HQ samples on mode 0, 1 HQ on mode 1, and 4 samples 4 std off mode 2 (not HQ).
  offset = np.array([0.0, 0.04])
  samples = np.concatenate([np.repeat(RING.means[:1], 3, axis=0), RING.means[1:2],
                            np.repeat(RING.means[2:3] + offset, 4, axis=0)])
  result = metrics(samples)
  assert result["eval/modes"] == 2
  assert result["eval/hq_fraction"] == 0.5
  p = np.array([0.75, 0.25])
  np.testing.assert_allclose(result["eval/mode_kl"], np.sum(p * np.log(p * 8)), rtol=1e-5)
  assert metrics(samples, threshold=5.0)["eval/modes"] == 3  # 4 std is within 5.


def test_grid_nearest_mode():
  mixture = grid(5, 2.0, 0.05)
  samples = mixture.means + 0.1  # 2 std along each axis: 2.83 std away, still HQ.
  result = metrics(samples, mixture)
  assert result["eval/modes"] == 25 and result["eval/hq_fraction"] == 1.0
