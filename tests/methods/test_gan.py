"""GAN's losses computed by hand from the networks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan import configuration

from aegan.methods import Networks, init_variables, make_method
from tests.precision import assert_equal_to_float32_resolution


def test_gan_losses(tiny_gan, float64):
  """The losses against the equations by hand, which group the sums otherwise, in float64
  (tests/conftest.py `float64`): equal to float32's resolution (tests/precision.py).
  `generate` is the generator applied op by op, as here: equal exactly."""
  tiny_gan.model.compute_dtype = "float64"
  method = make_method(tiny_gan, (2,))
  params, _ = init_variables(method, jax.random.PRNGKey(0))
  keys = jax.random.split(jax.random.PRNGKey(1), 7)
  batch = {"x": jax.random.normal(keys[0], (7, 2)), **jax.vmap(method.sample_noise)(keys)}
  params, batch = float64((params, batch))
  nets = Networks(method.networks, params, {}, train=True)
  x_gen = method.networks["generator"].apply({"params": params["generator"]}, batch["z"])
  d = lambda x: method.networks["discriminator"].apply({"params": params["discriminator"]}, x)
  np.testing.assert_array_equal(method.generate(nets, batch), x_gen)
  d_loss, _ = method.phases[0].loss(nets, batch)
  assert_equal_to_float32_resolution(
      d_loss, jnp.mean(jax.nn.softplus(-d(batch["x"]))) + jnp.mean(jax.nn.softplus(d(x_gen))))
  g_loss, _ = method.phases[1].loss(nets, batch)
  assert_equal_to_float32_resolution(g_loss, jnp.mean(jax.nn.softplus(-d(x_gen))))
  assert [p.updates for p in method.phases] == [("discriminator",), ("generator",)]


def test_the_prior_is_normal_by_default_and_uniform_on_the_cube_when_asked(tiny_gan, tiny_pacgan):
  """z from `config.model.prior`: jax.random.normal's draws by default, U(-1, 1)^d's for
  "uniform" (bitwise, from the same key), for GAN and PacGAN; an unknown prior is one line."""
  key = jax.random.PRNGKey(3)
  d = tiny_gan.model.latent_dim
  np.testing.assert_array_equal(make_method(tiny_gan, (2,)).sample_noise(key)["z"],
                                jax.random.normal(key, (d,)))
  for config in (tiny_gan, tiny_pacgan):
    config.model.prior = "uniform"
    z = make_method(config, (2,)).sample_noise(key)["z"]
    np.testing.assert_array_equal(z, jax.random.uniform(key, (d,), minval=-1.0, maxval=1.0))
  draws = jax.vmap(make_method(tiny_gan, (2,)).sample_noise)(jax.random.split(key, 4000))["z"]
  assert float(jnp.min(draws)) >= -1 and float(jnp.max(draws)) <= 1
  # Var U(-1, 1) = 1/3; the mean of the 16,000 squares (d = 4) has std √(1/5 − 1/9)/√16000 = 0.0024.
  assert abs(float(jnp.var(draws)) - 1 / 3) < 0.01
  tiny_gan.model.prior = "cauchy"
  with pytest.raises(configuration.ConfigError, match="unknown config.model.prior 'cauchy'"):
    configuration.validate(tiny_gan, 1)
