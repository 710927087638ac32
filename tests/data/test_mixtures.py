"""The 2-D mixtures: geometry of the modes and statistics of the samples."""

import math

import jax
import numpy as np
import pytest

from aegan.data import make_dataset
from aegan.data.mixtures import grid, ring


def test_ring_geometry():
  mixture = ring(num_modes=8, radius=1.0, std=0.01)
  assert mixture.means.shape == (8, 2)
  np.testing.assert_allclose(np.linalg.norm(mixture.means, axis=1), 1.0, rtol=1e-6)
  angles = np.sort(np.mod(np.arctan2(mixture.means[:, 1], mixture.means[:, 0]), 2 * np.pi))
  np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-6)


def test_grid_geometry_is_the_papers():
  mixture = grid(size=5, spacing=2.0, std=0.05)
  expected = {(float(a), float(b)) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)}
  assert {tuple(map(float, m)) for m in mixture.means} == expected


@pytest.mark.parametrize("mixture", [ring(num_modes=8, radius=2.0, std=0.02), grid(3, 1.0, 0.05)])
def test_samples_cover_modes_evenly_with_the_stated_std(mixture):
  samples, labels = jax.vmap(mixture.sample_labelled, (None, 0))(
      mixture.arrays("train"), jax.random.split(jax.random.PRNGKey(0), 40_000))
  samples = np.asarray(samples)
  nearest = np.argmin(((samples[:, None] - mixture.means[None]) ** 2).sum(-1), axis=1)
  np.testing.assert_array_equal(nearest, labels)
  frequencies = np.bincount(nearest, minlength=mixture.num_modes) / len(samples)
  np.testing.assert_allclose(frequencies, 1 / mixture.num_modes, atol=0.01)
  residuals = samples - mixture.means[nearest]
  np.testing.assert_allclose(residuals.std(axis=0), mixture.std, rtol=0.03)
  np.testing.assert_allclose(residuals.mean(axis=0), 0.0, atol=3 * mixture.std / math.sqrt(4000))


def test_make_dataset_reads_config_fields():
  import ml_collections  # pylint: disable=import-outside-toplevel
  mixture = make_dataset(ml_collections.ConfigDict(dict(name="ring", num_modes=5, radius=3.0, std=0.1)))
  assert mixture.num_modes == 5 and mixture.std == 0.1
  np.testing.assert_allclose(np.linalg.norm(mixture.means, axis=1), 3.0, rtol=1e-6)
