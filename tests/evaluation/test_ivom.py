"""Inference via optimisation on a linear generator G(z) = A z, where the answer is closed-form:
A has full column rank, so min_z ‖x - A z‖² is reached at the least-squares z, which is exact
for x in A's range."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan.evaluation.ivom import Inversion
from aegan.parallel import data_mesh

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


def test_recovers_the_latent_of_images_in_the_range(on_four_devices):
  z = np.asarray(jax.random.normal(jax.random.PRNGKey(1), (NUM_IMAGES, LATENT_DIM)))
  errors, noise = on_four_devices(A, z @ A.T, jax.random.PRNGKey(2))
  assert errors.shape == (NUM_IMAGES,)
  np.testing.assert_array_less(np.asarray(errors), 1e-8)
  np.testing.assert_allclose(noise["z"], z, atol=1e-4)


def test_error_off_the_range_is_the_least_squares_residual(on_four_devices):
  x = np.asarray(jax.random.normal(jax.random.PRNGKey(3), (NUM_IMAGES, DATA_DIM)))
  z_least_squares = np.linalg.lstsq(A, x.T, rcond=None)[0].T
  residual = np.mean(np.square(x - z_least_squares @ A.T), axis=1)
  errors, noise = on_four_devices(A, x, jax.random.PRNGKey(4))
  np.testing.assert_allclose(errors, residual, rtol=1e-4)
  np.testing.assert_allclose(noise["z"], z_least_squares, atol=1e-3)


def test_same_result_on_one_and_four_devices(on_four_devices):
  x = np.asarray(jax.random.normal(jax.random.PRNGKey(5), (NUM_IMAGES, DATA_DIM)))
  one, _ = inversion(jax.devices()[:1])(A, x, jax.random.PRNGKey(6))
  four, _ = on_four_devices(A, x, jax.random.PRNGKey(6))
  np.testing.assert_allclose(one, four, rtol=1e-5)


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
