"""MLP shapes, input concatenation, parameter counts and the BatchNorm option."""

import jax
import jax.numpy as jnp
import numpy as np

from aegan import train
from aegan.models import MLP, MLPDiscriminator
from aegan.parallel import DATA_AXIS, data_mesh, data_parallel, replicate
from tests.precision import FLOAT32_EPS, assert_equal_to_float32_resolution


def count(params):
  return sum(p.size for p in jax.tree.leaves(params))


def test_mlp_shapes_and_parameter_count():
  mlp = MLP(hidden=(8, 6), output_dim=3, activation="tanh")
  params = mlp.init(jax.random.PRNGKey(0), jnp.zeros((1, 5)))
  assert count(params) == (5 * 8 + 8) + (8 * 6 + 6) + (6 * 3 + 3)
  assert mlp.apply(params, jnp.ones((4, 5))).shape == (4, 3)


def test_mlp_concatenates_its_inputs():
  """Its inputs concatenated first: from there on the same operations on the same array as
  the concatenated input's, so the same bits."""
  mlp = MLP(hidden=(8,), output_dim=2)
  a, b = jnp.ones((3, 2)), jnp.full((3, 1), 2.0)
  params = mlp.init(jax.random.PRNGKey(0), a, b)
  np.testing.assert_array_equal(mlp.apply(params, a, b), mlp.apply(params, jnp.concatenate([a, b], 1)))


def test_discriminator_gives_one_logit_per_pair_of_inputs():
  d = MLPDiscriminator(hidden=(8,))
  x, z = jnp.ones((5, 2)), jnp.ones((5, 3))
  params = d.init(jax.random.PRNGKey(0), x, z)
  assert d.apply(params, x, z).shape == (5,)
  assert count(params) == (5 * 8 + 8) + (8 + 1)


def test_mlp_batch_norm_normalises_each_hidden_layer_by_the_batch(float64):
  """Training mode: hidden pre-activations h = xW (no bias) normalised by the batch's mean and
  (biased) variance, then ReLU; running averages move 0.1 of the way from (0, 1). The network
  in float64 (tests/conftest.py `float64`) against the formula in numpy float64: they differ
  by float64 rounding alone, and agree to float32's resolution (tests/precision.py)."""
  mlp = MLP(hidden=(3,), output_dim=2, batch_norm=True, dtype=jnp.float64)
  x = np.random.default_rng(0).normal(size=(6, 4))
  variables = float64(mlp.init(jax.random.PRNGKey(0), x))
  assert "bias" not in variables["params"]["Dense_0"]
  out, updates = mlp.apply(variables, x, train=True, mutable=["batch_stats"])
  h = x @ variables["params"]["Dense_0"]["kernel"]
  mean, var = h.mean(0), h.var(0)
  hidden = np.maximum((h - mean) / np.sqrt(var + 1e-5), 0)
  last = variables["params"]["Dense_1"]
  assert_equal_to_float32_resolution(out, hidden @ last["kernel"] + last["bias"])
  stats = updates["batch_stats"]["BatchNorm_0"]
  assert_equal_to_float32_resolution(stats["mean"], 0.1 * mean)
  assert_equal_to_float32_resolution(stats["var"], 0.9 + 0.1 * var)
  # Evaluation: the running averages, and nothing changes.
  evaluated = mlp.apply({**variables, "batch_stats": updates["batch_stats"]}, x, train=False)
  running = np.maximum((h - stats["mean"]) / np.sqrt(stats["var"] + 1e-5), 0)
  assert_equal_to_float32_resolution(evaluated, running @ last["kernel"] + last["bias"])


def test_mlp_batch_norm_statistics_are_the_global_batchs_over_devices(float64):
  """In float64 (tests/conftest.py `float64`), where 1 and 4 devices differ only in the order
  of their reductions: outputs and statistics agree to float32's resolution
  (tests/precision.py)."""
  mesh = data_mesh()
  assert mesh.devices.size == 4, "run the tests with JAX_NUM_CPU_DEVICES=4"
  x = np.random.default_rng(1).normal(size=(8, 4)) + 3.0
  make = lambda axis: MLPDiscriminator(hidden=(5, 3), dtype=jnp.float64, batch_norm=True,
                                       batch_norm_axis=axis)
  variables = float64(make(None).init(jax.random.PRNGKey(0), x))
  expected_out, expected = make(None).apply(variables, x, train=True, mutable=["batch_stats"])

  def per_device(variables, x, expected_out):
    start = 2 * jax.lax.axis_index(DATA_AXIS)
    local = jax.lax.dynamic_slice_in_dim(x, start, 2)
    out, updates = make(DATA_AXIS).apply(variables, local, train=True, mutable=["batch_stats"])
    error = jnp.max(jnp.abs(out - jax.lax.dynamic_slice_in_dim(expected_out, start, 2)))
    return jax.lax.pmax(error, DATA_AXIS), updates

  error, updates = jax.jit(data_parallel(per_device, mesh))(variables, x, expected_out)
  assert error.dtype == np.float64 and error <= FLOAT32_EPS * np.abs(expected_out).max()
  assert_equal_to_float32_resolution(updates, expected)


def test_mlp_batch_norm_trains_alike_on_one_and_four_devices(tiny_gan, float64):
  """A GAN whose generator and discriminator have BatchNorm, plain SGD (a gradient scaled by
  the device count, or per-device statistics, would move 1 and 4 devices apart): parameter
  moves and running averages agree after two iterations, computed in float64
  (tests/conftest.py `float64`) to float32's resolution (tests/precision.py)."""
  config = tiny_gan
  config.model.compute_dtype = "float64"
  for name in ("generator", "discriminator"):
    config.model[name].batch_norm = True
    config.optimizer[name] = dict(name="sgd", learning_rate=0.05, momentum=None)
  method, dataset, optimizers = train.build(config)
  initial = float64(jax.device_get(train.init_state(method, optimizers, config.seed)))
  assert list(initial.batch_stats["generator"]) == ["BatchNorm_0"]
  assert list(initial.batch_stats["discriminator"]["MLP_0"]) == ["BatchNorm_0"]
  results = []
  for devices in (jax.devices()[:1], jax.devices()[:4]):
    mesh = data_mesh(devices)
    update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size, 2)
    state, _ = update(replicate(initial, mesh), {})
    results.append(jax.device_get((state.params, state.batch_stats)))
  moves = [jax.tree.map(np.subtract, params, initial.params) for params, _ in results]
  assert max(np.abs(move).max() for move in jax.tree.leaves(moves[0])) > 1e-3
  # The generator's output bias does not move in exact arithmetic (the discriminator's first
  # BatchNorm removes any shift of its input): its float64 rounding (~1e-17) is measured, as
  # every leaf's, against its whole network's move.
  network_move = {name: jax.tree.map(lambda _, leaves=jax.tree.leaves(move): np.concatenate(
      [leaf.ravel() for leaf in leaves]), move) for name, move in moves[0].items()}
  assert_equal_to_float32_resolution(moves[1], moves[0], network_move)
  assert_equal_to_float32_resolution(results[1][1], results[0][1])
