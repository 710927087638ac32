"""MLP shapes, input concatenation, parameter counts and the BatchNorm option."""

import jax
import jax.numpy as jnp
import numpy as np

from aegan import train
from aegan.models import MLP, MLPDiscriminator
from aegan.parallel import DATA_AXIS, data_mesh, data_parallel, replicate


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


def test_mlp_batch_norm_normalises_each_hidden_layer_by_the_batch():
  """Training mode: hidden pre-activations h = xW (no bias) normalised by the batch's mean and
  (biased) variance, then ReLU; running averages move 0.1 of the way from (0, 1)."""
  mlp = MLP(hidden=(3,), output_dim=2, batch_norm=True)
  x = jnp.asarray(np.random.default_rng(0).normal(size=(6, 4)), jnp.float32)
  variables = mlp.init(jax.random.PRNGKey(0), x)
  assert "bias" not in variables["params"]["Dense_0"]
  out, updates = mlp.apply(variables, x, train=True, mutable=["batch_stats"])
  h = x @ variables["params"]["Dense_0"]["kernel"]
  mean, var = h.mean(0), h.var(0)
  hidden = jax.nn.relu((h - mean) / jnp.sqrt(var + 1e-5))
  last = variables["params"]["Dense_1"]
  np.testing.assert_allclose(out, hidden @ last["kernel"] + last["bias"], rtol=1e-5, atol=1e-5)
  stats = updates["batch_stats"]["BatchNorm_0"]
  np.testing.assert_allclose(stats["mean"], 0.1 * mean, rtol=1e-5, atol=1e-7)
  np.testing.assert_allclose(stats["var"], 0.9 + 0.1 * var, rtol=1e-5)
  # Evaluation: the running averages, and nothing changes.
  evaluated = mlp.apply({**variables, "batch_stats": updates["batch_stats"]}, x, train=False)
  running = jax.nn.relu((h - stats["mean"]) / jnp.sqrt(stats["var"] + 1e-5))
  np.testing.assert_allclose(evaluated, running @ last["kernel"] + last["bias"], rtol=1e-5, atol=1e-5)


def test_mlp_batch_norm_statistics_are_the_global_batchs_over_devices():
  mesh = data_mesh()
  assert mesh.devices.size == 4, "run the tests with JAX_NUM_CPU_DEVICES=4"
  x = jnp.asarray(np.random.default_rng(1).normal(size=(8, 4)) + 3.0, jnp.float32)
  make = lambda axis: MLPDiscriminator(hidden=(5, 3), batch_norm=True, batch_norm_axis=axis)
  variables = make(None).init(jax.random.PRNGKey(0), x)
  expected_out, expected = make(None).apply(variables, x, train=True, mutable=["batch_stats"])

  def per_device(variables, x, expected_out):
    start = 2 * jax.lax.axis_index(DATA_AXIS)
    local = jax.lax.dynamic_slice_in_dim(x, start, 2)
    out, updates = make(DATA_AXIS).apply(variables, local, train=True, mutable=["batch_stats"])
    error = jnp.max(jnp.abs(out - jax.lax.dynamic_slice_in_dim(expected_out, start, 2)))
    return jax.lax.pmax(error, DATA_AXIS), updates

  error, updates = jax.jit(data_parallel(per_device, mesh))(variables, x, expected_out)
  assert error < 1e-5
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6), updates, expected)


def test_mlp_batch_norm_trains_alike_on_one_and_four_devices(tiny_gan):
  """A GAN whose generator and discriminator have BatchNorm, plain SGD (a gradient scaled by
  the device count, or per-device statistics, would move 1 and 4 devices apart): parameters
  and running averages agree after two iterations."""
  config = tiny_gan
  for name in ("generator", "discriminator"):
    config.model[name].batch_norm = True
    config.optimizer[name] = dict(name="sgd", learning_rate=0.05, momentum=None)
  method, dataset, optimizers = train.build(config)
  initial = jax.device_get(train.init_state(method, optimizers, config.seed))
  assert list(initial.batch_stats["generator"]) == ["BatchNorm_0"]
  assert list(initial.batch_stats["discriminator"]["MLP_0"]) == ["BatchNorm_0"]
  results = []
  for devices in (jax.devices()[:1], jax.devices()[:4]):
    mesh = data_mesh(devices)
    update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size, 2)
    state, _ = update(replicate(initial, mesh), {})
    results.append(jax.device_get((state.params, state.batch_stats)))
  moved = jax.tree.map(lambda a, b: np.abs(a - b).max(), results[0][0], initial.params)
  assert max(jax.tree.leaves(moved)) > 1e-3
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6), results[0], results[1])
