"""Stacked-digit mode counting on constructed channel labels."""

import math

import jax.numpy as jnp
import numpy as np

from aegan.evaluation.stacked import stacked_mode_metrics, triple_modes


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
