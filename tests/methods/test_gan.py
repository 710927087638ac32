"""GAN's losses computed by hand from the networks."""

import jax
import jax.numpy as jnp
import numpy as np

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
