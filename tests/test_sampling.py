"""Per-example batch draws: each row a function of its global index alone."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan import train
from aegan.methods import init_variables
from aegan.sampling import STREAMS, sample_batch, stream_id, stream_key


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


def test_stream_ids_are_a_fixed_hash_of_the_name():
  # The first 4 bytes of SHA-256("train"), big-endian: the same in every process.
  assert stream_id("train") == 0x116F54C4
  assert len({stream_id(name) for name in STREAMS}) == len(STREAMS)
  np.testing.assert_array_equal(stream_key(7, "train"),
                                jax.random.fold_in(jax.random.PRNGKey(7), 0x116F54C4))


def test_every_stream_of_every_seed_has_its_own_key():
  # Seeds 0..4 of a five-seed run: all 5 x len(STREAMS) root keys differ, and none of them is
  # a per-example key fold_in(k, i) of another (i < 30,000 covers an evaluation's draws).
  as_uint64 = lambda keys: np.ascontiguousarray(np.asarray(keys, np.uint32)).view(np.uint64)[..., 0]
  roots = jnp.stack([stream_key(seed, name) for seed in range(5) for name in STREAMS])
  assert len(np.unique(as_uint64(roots))) == 5 * len(STREAMS)
  folded = jax.jit(jax.vmap(jax.vmap(jax.random.fold_in, (None, 0)), (0, None)))(
      roots, jnp.arange(30_000))
  assert not np.isin(as_uint64(folded), as_uint64(roots)).any()


def test_an_unknown_stream_is_refused():
  with pytest.raises(ValueError, match="unknown random stream 'eval/typo'"):
    stream_key(0, "eval/typo")


def test_a_run_initialises_and_trains_from_its_own_streams(tiny_veegan):
  # Seed 3 of a run: parameters from stream `init`, every training draw from stream `train`
  # (was split(PRNGKey(3)), whose halves are fold_in(PRNGKey(3), 0 or 1)).
  method, _, optimizers = train.build(tiny_veegan)
  state = train.init_state(method, optimizers, 3)
  np.testing.assert_array_equal(state.key, stream_key(3, "train"))
  params, _ = init_variables(method, stream_key(3, "init"))
  jax.tree.map(np.testing.assert_array_equal, state.params, params)
  together = train.init_state(method, optimizers, 2, num_seeds=2)
  np.testing.assert_array_equal(together.key[1], stream_key(3, "train"))
