"""MLP shapes, input concatenation and parameter counts."""

import jax
import jax.numpy as jnp
import numpy as np

from aegan.models import MLP, MLPDiscriminator


def count(params):
  return sum(p.size for p in jax.tree.leaves(params))


def test_mlp_shapes_and_parameter_count():
  mlp = MLP(hidden=(8, 6), output_dim=3, activation="tanh")
  params = mlp.init(jax.random.PRNGKey(0), jnp.zeros((1, 5)))
  assert count(params) == (5 * 8 + 8) + (8 * 6 + 6) + (6 * 3 + 3)
  assert mlp.apply(params, jnp.ones((4, 5))).shape == (4, 3)


def test_mlp_concatenates_its_inputs():
  mlp = MLP(hidden=(8,), output_dim=2)
  a, b = jnp.ones((3, 2)), jnp.full((3, 1), 2.0)
  params = mlp.init(jax.random.PRNGKey(0), a, b)
  np.testing.assert_allclose(mlp.apply(params, a, b), mlp.apply(params, jnp.concatenate([a, b], 1)))


def test_discriminator_gives_one_logit_per_pair_of_inputs():
  d = MLPDiscriminator(hidden=(8,))
  x, z = jnp.ones((5, 2)), jnp.ones((5, 3))
  params = d.init(jax.random.PRNGKey(0), x, z)
  assert d.apply(params, x, z).shape == (5,)
  assert count(params) == (5 * 8 + 8) + (8 + 1)
