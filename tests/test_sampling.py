"""Per-example batch draws: each row a function of its global index alone."""

import jax
import jax.numpy as jnp
import numpy as np

from aegan import train
from aegan.sampling import sample_batch


def test_batch_rows_depend_only_on_their_global_index(tiny_veegan):
  method, dataset, _ = train.build(tiny_veegan)
  key = jax.random.PRNGKey(3)
  whole = sample_batch(method, dataset, {}, key, jnp.arange(8))
  second_half = sample_batch(method, dataset, {}, key, jnp.arange(4, 8))
  jax.tree.map(lambda a, b: np.testing.assert_array_equal(a[4:], b), whole, second_half)


def test_given_data_replaces_the_drawn_data_and_keeps_the_noise(tiny_veegan):
  method, dataset, _ = train.build(tiny_veegan)
  key = jax.random.PRNGKey(3)
  drawn = sample_batch(method, dataset, {}, key, jnp.arange(8))
  given = sample_batch(method, dataset, {}, key, jnp.arange(8), x=jnp.full((8, 2), 7.0))
  np.testing.assert_array_equal(given["x"], np.full((8, 2), 7.0))
  assert set(given) == set(drawn) and len(drawn) > 1
  for name in set(drawn) - {"x"}:
    np.testing.assert_array_equal(given[name], drawn[name])
