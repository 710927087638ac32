"""Inference via optimisation on a linear generator G(z) = A z, where the answer is closed-form:
A has full column rank, so min_z ‖x - A z‖² is reached at the least-squares z, which is exact
for x in A's range."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan.evaluation.ivom import Inversion
from aegan.parallel import data_mesh
from tests.precision import FLOAT32_EPS, assert_equal_to_float32_resolution

DATA_DIM, LATENT_DIM, NUM_IMAGES = 12, 3, 8
A = np.asarray(jax.random.normal(jax.random.PRNGKey(0), (DATA_DIM, LATENT_DIM)))


def linear_generator(matrix: jax.Array, noise: dict[str, jax.Array]) -> jax.Array:
  return noise["z"] @ matrix.T


def standard_normal_latent(key: jax.Array) -> dict[str, jax.Array]:
  return {"z": jax.random.normal(key, (LATENT_DIM,))}


def inversion(devices: list[jax.Device]) -> Inversion:
  return Inversion(linear_generator, standard_normal_latent, data_mesh(devices), steps=300,
                   restarts=2, learning_rate=0.05, steps_per_call=100)


@pytest.fixture(scope="module")
def on_four_devices() -> Inversion:
  return inversion(jax.devices()[:4])


def latent_error_bound(errors: np.ndarray, z: np.ndarray) -> np.ndarray:
  """‖z - z*‖ per image, where z* minimises ‖x - A z‖² and `errors` are the measured mean
  squared errors above the minimum: ‖A(z - z*)‖² = DATA_DIM · error (Pythagoras: x - A z* is
  orthogonal to A's range), so ‖z - z*‖ ≤ √(DATA_DIM · error) / σ_min(A), plus the float32
  rounding of A z in the error (LATENT_DIM · eps · Σ|A||z| per pixel) over σ_min(A)."""
  sigma_min = np.linalg.svd(A, compute_uv=False).min()
  rounding = LATENT_DIM * FLOAT32_EPS * np.linalg.norm(np.abs(z) @ np.abs(A).T, axis=1)
  return (np.sqrt(DATA_DIM * np.maximum(errors, 0)) + rounding) / sigma_min


def test_recovers_the_latent_of_images_in_the_range(on_four_devices):
  z = np.asarray(jax.random.normal(jax.random.PRNGKey(1), (NUM_IMAGES, LATENT_DIM)))
  errors, noise = on_four_devices(A, z @ A.T, jax.random.PRNGKey(2))
  errors = np.asarray(errors, np.float64)
  assert errors.shape == (NUM_IMAGES,)
  np.testing.assert_array_less(errors, 1e-8)  # Converged: 300 Adam steps reach ~1e-12.
  distances = np.linalg.norm(np.asarray(noise["z"], np.float64) - z, axis=1)
  np.testing.assert_array_less(distances, latent_error_bound(errors, z))


def test_error_off_the_range_is_the_least_squares_residual(on_four_devices):
  x = np.asarray(jax.random.normal(jax.random.PRNGKey(3), (NUM_IMAGES, DATA_DIM)))
  z_least_squares = np.linalg.lstsq(A, x.T, rcond=None)[0].T
  residual = np.mean(np.square(x - z_least_squares @ A.T), axis=1)
  errors, noise = on_four_devices(A, x, jax.random.PRNGKey(4))
  excess = np.asarray(errors, np.float64) - residual
  # Converged to the minimum within 1e-4 of it; the float32 error's own rounding
  # ((DATA_DIM + 2) · eps of the residual) is 1e-6 of it.
  np.testing.assert_array_less(np.abs(excess), 1e-4 * residual)
  distances = np.linalg.norm(np.asarray(noise["z"], np.float64) - z_least_squares, axis=1)
  rounding = (DATA_DIM + 2) * FLOAT32_EPS * residual
  np.testing.assert_array_less(distances, latent_error_bound(excess + rounding, z_least_squares))


def test_same_result_on_one_and_four_devices(float64):
  """In float64 (tests/conftest.py `float64`), where 1 and 4 devices differ only in the order
  of their reductions: the same errors to float32's resolution (tests/precision.py)."""
  x = np.asarray(jax.random.normal(jax.random.PRNGKey(5), (NUM_IMAGES, DATA_DIM)), np.float64)
  one, four = (inversion(jax.devices()[:n])(A, x, jax.random.PRNGKey(6))[0] for n in (1, 4))
  assert_equal_to_float32_resolution(four, one)


def test_keeps_the_best_restart():
  """With one step of a tiny learning rate the errors are those of the starting points: the
  best of 4 restarts is no worse than the first alone."""
  x = jnp.zeros((NUM_IMAGES, DATA_DIM))
  mesh = data_mesh(jax.devices()[:4])
  errors = {restarts: np.asarray(Inversion(linear_generator, standard_normal_latent, mesh, 1,
                                           restarts, 1e-9)(A, x, jax.random.PRNGKey(7))[0])
            for restarts in (1, 4)}
  np.testing.assert_array_less(errors[4], errors[1] + 1e-9)
  assert np.any(errors[4] < errors[1])
