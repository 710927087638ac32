"""GAN's losses computed by hand from the networks."""

import jax
import jax.numpy as jnp
import numpy as np

from aegan.methods import Networks, init_variables, make_method


def test_gan_losses(tiny_gan):
  method = make_method(tiny_gan, (2,))
  params, _ = init_variables(method, jax.random.PRNGKey(0))
  nets = Networks(method.networks, params, {}, train=True)
  keys = jax.random.split(jax.random.PRNGKey(1), 7)
  batch = {"x": jax.random.normal(keys[0], (7, 2)), **jax.vmap(method.sample_noise)(keys)}
  x_gen = method.networks["generator"].apply({"params": params["generator"]}, batch["z"])
  d = lambda x: method.networks["discriminator"].apply({"params": params["discriminator"]}, x)
  np.testing.assert_allclose(method.generate(nets, batch), x_gen)
  d_loss, _ = method.phases[0].loss(nets, batch)
  np.testing.assert_allclose(
      d_loss, jnp.mean(jax.nn.softplus(-d(batch["x"]))) + jnp.mean(jax.nn.softplus(d(x_gen))), rtol=1e-6)
  g_loss, _ = method.phases[1].loss(nets, batch)
  np.testing.assert_allclose(g_loss, jnp.mean(jax.nn.softplus(-d(x_gen))), rtol=1e-6)
  assert [p.updates for p in method.phases] == [("discriminator",), ("generator",)]
