"""The 2-D mixtures: geometry of the modes and statistics of the samples."""

import math

import jax
import numpy as np
import pytest

from aegan.data import make_dataset
from aegan.data.mixtures import GaussianMixture, grid, mixture_1200d, ring
from aegan.evaluation.mixtures import mode_metrics, nearest_modes


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


def test_1200d_modes_vary_in_their_own_700_coordinates_only():
  mixture = mixture_1200d(num_modes=10, dim=1200, subspace_dim=700, spread=1.0, std=0.05)
  assert mixture.means.shape == (10, 1200) and mixture.num_modes == 10
  np.testing.assert_array_equal(mixture.masks.sum(axis=1), 700)
  assert len({mask.tobytes() for mask in mixture.masks}) == 10  # A different subspace each.
  np.testing.assert_allclose(mixture.hq_unit, 0.05 * math.sqrt(700))
  samples, labels = jax.vmap(mixture.sample_labelled, (None, 0))(
      mixture.arrays("train"), jax.random.split(jax.random.PRNGKey(0), 4_000))
  samples, labels = np.asarray(samples), np.asarray(labels)
  residuals = samples - mixture.means[labels]
  outside = residuals * (1 - mixture.masks[labels])
  np.testing.assert_array_equal(outside, 0.0)  # Exactly on the mode's affine subspace...
  inside = residuals[mixture.masks[labels] == 1]
  np.testing.assert_allclose(inside.std(), 0.05, rtol=0.01)  # ...with the stated std in it.
  np.testing.assert_allclose(np.bincount(labels, minlength=10) / 4_000, 0.1, atol=0.02)


def test_1200d_shared_subspace_is_one_700d_mixture_embedded_in_1200d():
  per_mode = mixture_1200d()
  shared = mixture_1200d(subspace="shared")
  assert len({mask.tobytes() for mask in shared.masks}) == 1  # One subspace for every mode...
  np.testing.assert_array_equal(shared.masks.sum(axis=1), 700)
  np.testing.assert_array_equal(shared.means * (1 - shared.masks), 0.0)  # ...holding the means.
  samples = jax.vmap(shared.sample, (None, 0))({}, jax.random.split(jax.random.PRNGKey(2), 1_000))
  assert np.linalg.matrix_rank(np.asarray(samples)) == 700  # Every sample in one 700-D space.
  # Spread 1 in 700 coordinates: means ~√(2·700) = 37 apart, where per-mode ones are ~√2400 = 49.
  def mean_distance(mixture):
    differences = mixture.means[:, None] - mixture.means[None]
    return np.linalg.norm(differences, axis=-1)[np.triu_indices(10, 1)].mean()
  np.testing.assert_allclose(mean_distance(shared), math.sqrt(1400), rtol=0.05)
  np.testing.assert_allclose(mean_distance(per_mode), math.sqrt(2400), rtol=0.05)
  metrics = mode_metrics(samples, shared.means, shared.hq_unit, threshold=10.0)
  assert int(metrics["eval/modes"]) == 10 and float(metrics["eval/hq_fraction"]) == 1.0
  with pytest.raises(ValueError, match="choose 'per_mode', 'shared' or 'rotated'"):
    mixture_1200d(subspace="diagonal")


def test_1200d_rotated_subspace_is_a_700d_mixture_rotated_into_1200d():
  rotated = mixture_1200d(subspace="rotated")
  np.testing.assert_allclose(rotated.basis @ rotated.basis.T, np.eye(700), atol=1e-5)
  samples, labels = jax.vmap(rotated.sample_labelled, (None, 0))(
      {}, jax.random.split(jax.random.PRNGKey(3), 1_000))
  samples, labels = np.asarray(samples), np.asarray(labels)
  assert np.linalg.matrix_rank(samples) == 700  # Every sample in one 700-D space...
  residuals = samples - rotated.means[labels]
  inside = residuals @ rotated.basis.T  # ...its noise std 0.05 along each of the basis' axes...
  np.testing.assert_allclose(inside.std(), 0.05, rtol=0.01)
  np.testing.assert_allclose(residuals, inside @ rotated.basis, atol=1e-5)  # ...and none outside.
  assert np.mean(np.abs(residuals) > 1e-6) > 0.99  # Not axis-aligned: every coordinate varies.
  assert rotated.hq_unit == pytest.approx(0.05 * math.sqrt(700))
  metrics = mode_metrics(samples, rotated.means, rotated.hq_unit, threshold=10.0)
  assert int(metrics["eval/modes"]) == 10 and float(metrics["eval/hq_fraction"]) == 1.0


def test_1200d_true_samples_are_high_quality_and_cover_every_mode():
  mixture = mixture_1200d()
  samples = jax.vmap(mixture.sample, (None, 0))({}, jax.random.split(jax.random.PRNGKey(1), 2_500))
  metrics = mode_metrics(samples, mixture.means, mixture.hq_unit, threshold=10.0)
  assert int(metrics["eval/modes"]) == 10 and float(metrics["eval/hq_fraction"]) == 1.0
  # Halfway between two means is far outside the 10-unit radius of both.
  midpoints = (mixture.means[:5] + mixture.means[5:]) / 2
  assert float(mode_metrics(midpoints, mixture.means, mixture.hq_unit, 10.0)["eval/hq_fraction"]) == 0.0


@pytest.mark.parametrize("mixture, scale", [
    # Ring: E‖x‖² = r² + 2σ². Grid: each of 2 coordinates uniform over the n lattice values
    # c_i (mean c_i² = spacing²(n² − 1)/12) plus σ².
    (ring(num_modes=12, radius=2.0, std=0.02), math.sqrt(4.0 + 2 * 0.02**2)),
    (grid(size=5, spacing=2.0, std=0.05), math.sqrt(2 * (4.0 * 24 / 12 + 0.05**2))),
    (mixture_1200d(num_modes=10, dim=60, subspace_dim=20, spread=1.0, std=0.5), None),
])
def test_scale_is_the_samples_rms_distance_from_their_mean_and_standardising_makes_it_one(mixture, scale):
  samples = np.asarray(jax.vmap(mixture.sample, (None, 0))(
      {}, jax.random.split(jax.random.PRNGKey(1), 100_000)))
  rms_distance = math.sqrt(np.mean(np.sum((samples - samples.mean(axis=0)) ** 2, axis=1)))
  np.testing.assert_allclose(mixture.scale, rms_distance, rtol=0.02)
  if scale is not None:
    np.testing.assert_allclose(mixture.scale, scale, rtol=1e-6)
  standardised = mixture.standardised()
  np.testing.assert_allclose(standardised.scale, 1.0, rtol=1e-6)
  np.testing.assert_allclose(standardised.means.mean(axis=0), 0.0, atol=1e-6)
  np.testing.assert_allclose(standardised.std, mixture.std / mixture.scale, rtol=1e-6)


def test_standardising_changes_no_mode_metric(float64):
  """Means, std and the high-quality unit all scale by 1/s, so a sample set scores the same in
  either coordinates: exactly, as every metric is a function of the per-mode counts of
  high-quality samples alone, and no count changes. The distances are computed in float64
  (tests/conftest.py `float64`); the standardised means are stored in float32, which moves a
  distance by at most 2^-24 of the means' coordinates (< 1.5 here), ~1e-6 of the threshold
  3·hq_unit, while every sample is at least 1e-5 of it away from the threshold (asserted;
  measured 2.8e-5), and its nearest mean is 40% nearer than the next."""
  mixture = grid(size=4, spacing=3.0, std=0.2)
  standardised = mixture.standardised()
  samples = np.array(jax.vmap(mixture.sample, (None, 0))(
      {}, jax.random.split(jax.random.PRNGKey(2), 2_000)), np.float64)
  samples[:500] += 0.4  # Some off their mode, so that the high-quality fraction is not 1.
  samples[:200] = mixture.means[0]  # An uneven histogram, so that mode KL is not 0.
  _, distance = nearest_modes(samples, np.asarray(mixture.means, np.float64))
  threshold = 3.0 * mixture.hq_unit
  assert np.min(np.abs(np.asarray(distance) - threshold)) > 1e-5 * threshold
  assert np.abs(standardised.means).max() < 1.5
  plain = mode_metrics(samples, mixture.means, mixture.hq_unit)
  moved = mode_metrics((samples - mixture.means.mean(axis=0)) / mixture.scale, standardised.means,
                       standardised.hq_unit)
  assert 0.5 < float(plain["eval/hq_fraction"]) < 0.95 and float(plain["eval/mode_kl"]) > 0.01
  for name in plain:
    np.testing.assert_array_equal(moved[name], plain[name])


def test_make_dataset_standardises_when_asked():
  import ml_collections  # pylint: disable=import-outside-toplevel
  fields = dict(name="ring", num_modes=8, radius=10.0, std=0.1)
  plain = make_dataset(ml_collections.ConfigDict(fields))
  standardised = make_dataset(ml_collections.ConfigDict(dict(fields, standardise=True)))
  np.testing.assert_allclose(np.linalg.norm(standardised.means, axis=1),
                             10.0 / plain.scale, rtol=1e-6)
  np.testing.assert_allclose(standardised.std, 0.1 / plain.scale, rtol=1e-6)


def test_the_papers_grid_maps_onto_the_standardised_means_and_back():
  """grid(standardise=True) remembers x = s·x' + E[x], s = √(2(4·24/12 + 0.05²)) = 4.000625 and
  E[x] = 0: the paper's lattice {-4, -2, 0, 2, 4}² over s is its means, and its means carried
  back are the lattice again, with std (the high-quality unit) 0.05. A mixture never
  standardised maps nothing: its samples come back as they are."""
  scale = math.sqrt(2 * (4.0 * 24 / 12 + 0.05**2))
  standardised = grid(size=5, spacing=2.0, std=0.05, standardise=True)
  np.testing.assert_allclose(standardised.data_scale, scale, rtol=1e-6)
  np.testing.assert_array_equal(standardised.data_offset, [0.0, 0.0])
  lattice = np.array([[a, b] for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)], np.float32)
  np.testing.assert_allclose(standardised.means, lattice / scale, rtol=1e-6)
  back = standardised.in_data_units()
  assert back.means.dtype == np.float32 and back.data_offset is None and back.data_scale == 1.0
  np.testing.assert_allclose(back.means, lattice, rtol=1e-6)
  np.testing.assert_allclose([back.std, back.hq_unit], [0.05, 0.05], rtol=1e-6)
  plain = grid(size=5, spacing=2.0, std=0.05)
  assert plain.in_data_units() is plain and plain.to_data_units(lattice) is lattice


def test_standardised_samples_carried_back_are_the_mixtures_own():
  """An off-centre ring (centre (3, -1), radius 2, std 0.1): a standardised point
  (μ_k - c)/s + (σ/s)·ε carried back is the mixture's own μ_k + σ·ε to float32 rounding, and
  the mixture's own point standardised is it; standardising twice composes the maps."""
  centre = np.float32([3.0, -1.0])
  mixture = GaussianMixture(ring(num_modes=6, radius=2.0).means + centre, 0.1)
  standardised = mixture.standardised()
  np.testing.assert_allclose(standardised.data_offset, centre, rtol=1e-6)
  np.testing.assert_allclose(standardised.data_scale, math.sqrt(4.0 + 2 * 0.1**2), rtol=1e-6)
  rng = np.random.default_rng(3)
  modes, noise = rng.integers(0, 6, 1_000), rng.standard_normal((1_000, 2)).astype(np.float32)
  own = mixture.means[modes] + np.float32(mixture.std) * noise
  moved = standardised.means[modes] + np.float32(standardised.std) * noise
  rounding = 8 * np.finfo(np.float32).eps * np.abs(own).max()  # A few float32 ulps of |x| ≤ 5.
  back = standardised.to_data_units(moved)
  assert back.dtype == np.float32
  np.testing.assert_allclose(back, own, rtol=0, atol=rounding)
  np.testing.assert_allclose((own - centre) / standardised.data_scale, moved, rtol=0, atol=rounding)
  twice = standardised.standardised()
  np.testing.assert_allclose(twice.in_data_units().means, mixture.means, rtol=0, atol=rounding)
