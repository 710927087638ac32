"""The probe of benchmarks/veegan_gradients.py: how far apart the reconstructor puts the
modes' codes."""

import os
import sys

import jax.numpy as jnp
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from benchmarks.veegan_gradients import code_separation  # pylint: disable=wrong-import-position


def test_code_separation_is_between_mode_over_within_mode_variance():
  # Two modes' codes at ±2 in 3 coordinates, each ±0.5 around its mean: between = 4·3 = 12
  # per mode about the centre 0, within = 0.25·3 = 0.75 per code: 16.
  offsets = np.array([[0.5, 0.5, 0.5], [-0.5, -0.5, -0.5]])
  codes = np.concatenate([2 + offsets, -2 + offsets])
  labels = jnp.array([0, 0, 1, 1])
  np.testing.assert_allclose(code_separation(jnp.asarray(codes), labels, 10), 16.0, rtol=1e-6)


def test_code_separation_is_zero_when_every_mode_maps_to_the_same_codes():
  codes = jnp.array([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [-1.0, 0.0]])
  np.testing.assert_allclose(code_separation(codes, jnp.array([0, 0, 1, 1]), 3), 0.0, atol=1e-7)
