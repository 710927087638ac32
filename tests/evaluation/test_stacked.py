"""Stacked-digit mode counting on constructed channel labels."""

import math

import jax.numpy as jnp
import numpy as np

from aegan.evaluation.stacked import confident_labels, stacked_mode_metrics, triple_modes


def test_triple_index_is_the_three_digits():
  np.testing.assert_array_equal(triple_modes(jnp.array([[1, 2, 3], [9, 0, 9], [0, 0, 0]])),
                                [123, 909, 0])


def test_every_triple_once_is_1000_modes_and_zero_kl():
  digits = np.array([[a, b, c] for a in range(10) for b in range(10) for c in range(10)])
  metrics = stacked_mode_metrics(jnp.asarray(digits))
  assert int(metrics["eval/modes"]) == 1000
  np.testing.assert_allclose(metrics["eval/mode_kl"], 0.0, atol=1e-5)


def test_collapse_to_one_mode_is_log_1000():
  metrics = stacked_mode_metrics(jnp.full((50, 3), 7))
  assert int(metrics["eval/modes"]) == 1
  np.testing.assert_allclose(metrics["eval/mode_kl"], math.log(1000), rtol=1e-6)


def test_uneven_histogram():
  # 3 samples on mode 111, 1 on mode 222: KL = 3/4 log(750) + 1/4 log(250).
  labels = jnp.array([[1, 1, 1]] * 3 + [[2, 2, 2]])
  metrics = stacked_mode_metrics(labels)
  assert int(metrics["eval/modes"]) == 2
  np.testing.assert_allclose(metrics["eval/mode_kl"], 0.75 * math.log(750) + 0.25 * math.log(250),
                             rtol=1e-6)


def test_only_confidently_labelled_samples_are_counted():
  # Sample 0: all channels sure (0.95) -> counted; sample 1: channel G at 0.5 -> not counted.
  sure, unsure = np.full(10, 0.05 / 9), np.full(10, 0.5 / 9)
  probabilities = np.stack([np.stack([sure, sure, sure]), np.stack([sure, unsure, sure])])
  probabilities[0, :, 4] = 0.95
  probabilities[1, :, 2] = 0.95
  probabilities[1, 1, 2] = 0.5
  labels, confident = confident_labels(jnp.asarray(probabilities), threshold=0.9)
  np.testing.assert_array_equal(labels, [[4, 4, 4], [2, 2, 2]])
  np.testing.assert_array_equal(confident, [True, False])
  metrics = stacked_mode_metrics(labels, confident)
  assert int(metrics["eval/modes"]) == 1
  np.testing.assert_allclose(metrics["eval/confident_fraction"], 0.5)
  np.testing.assert_allclose(metrics["eval/mode_kl"], math.log(1000), rtol=1e-6)
  assert int(stacked_mode_metrics(labels)["eval/modes"]) == 2


def test_no_confident_sample_has_no_modes_and_an_undefined_kl():
  # With nothing counted, the KL of an empty histogram is undefined (NaN), not 0 (a perfect
  # match); the modes are 0.
  labels = jnp.array([[1, 2, 3], [4, 5, 6]])
  metrics = stacked_mode_metrics(labels, jnp.array([False, False]))
  assert int(metrics["eval/modes"]) == 0
  assert float(metrics["eval/confident_fraction"]) == 0.0
  assert math.isnan(float(metrics["eval/mode_kl"]))
