"""Unrolled GAN: K = 0 is the plain GAN, the unroll is the discriminator's own optimizer
continued from its state (hand-applied gradient descent and Adam), the generator's gradient goes
through the unroll, and the configs are the GAN row's (their runs: tests/test_mixture_configs.py)."""

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
import pytest

from aegan import configuration, losses, train
from aegan.configuration import ConfigError
from aegan.methods import Networks, init_variables, make_method
from aegan.parallel import data_mesh, replicate
from aegan.sampling import sample_batch
from aegan.methods.unrolled_gan import unrolled_discriminator_params, unrolling_optimizer
from aegan.optimizers import make_optimizers
from configs import unrolled_gan_1200d, unrolled_gan_grid, unrolled_gan_ring
from tests.precision import assert_equal_to_float32_resolution


def config_with(config, **loss_fields):
  config = ml_collections.ConfigDict(config.to_dict())
  config.loss.update(loss_fields)
  return config


def with_sgd_discriminator(config, learning_rate):
  """`config` whose discriminator optimizer (and so the unroll) is gradient descent."""
  config = ml_collections.ConfigDict(config.to_dict())
  config.optimizer.discriminator = ml_collections.ConfigDict(dict(name="sgd", learning_rate=learning_rate))
  return config


def setup(config, batch_size=16):
  """The method, its initial parameters and a batch of 2-D data with its noise."""
  method = make_method(config, (2,))
  params, _ = init_variables(method, jax.random.PRNGKey(0))
  keys = jax.random.split(jax.random.PRNGKey(1), batch_size)
  batch = {"x": jax.random.normal(jax.random.PRNGKey(2), (batch_size, 2)),
           **jax.vmap(method.sample_noise)(keys)}
  return method, params, batch


def generator_loss_and_grad(method, params, batch, config):
  """The generator phase's loss and its gradient in the generator's parameters, with the
  discriminator's optimizer (`config`'s) in a fresh state, as at the first iteration."""
  discriminator_opt_state = unrolling_optimizer(config, method.phases).init(params["discriminator"])

  def loss(generator_params):
    nets = Networks(method.networks, {**params, "generator": generator_params}, {}, train=True,
                    opt_state={"discriminator": discriminator_opt_state})
    return method.phases[1].loss(nets, batch)[0]
  return jax.value_and_grad(loss)(params["generator"])


def test_zero_unrolling_steps_is_the_gan(tiny_unrolled_gan, tiny_gan):
  config = config_with(tiny_unrolled_gan, unrolling_steps=0)
  unrolled, params, batch = setup(config)
  gan, gan_params, gan_batch = setup(tiny_gan)
  jax.tree.map(np.testing.assert_array_equal, (params, batch), (gan_params, gan_batch))
  for phase, gan_phase in zip(unrolled.phases, gan.phases):
    nets = Networks(unrolled.networks, params, {}, train=True)
    np.testing.assert_array_equal(phase.loss(nets, batch)[0], gan_phase.loss(nets, batch)[0])
  loss, grad = generator_loss_and_grad(unrolled, params, batch, config)
  gan_loss, gan_grad = generator_loss_and_grad(gan, params, batch, config)
  np.testing.assert_array_equal(loss, gan_loss)
  jax.tree.map(np.testing.assert_array_equal, grad, gan_grad)


def discriminator_loss_by_hand(method, d_params, x_real, x_fake):
  d = lambda x: method.networks["discriminator"].apply({"params": d_params}, x)
  return jnp.mean(jax.nn.softplus(-d(x_real))) + jnp.mean(jax.nn.softplus(d(x_fake)))


def test_unroll_is_hand_applied_gradient_descent(tiny_unrolled_gan, float64):
  """In float64 (tests/conftest.py `float64`), where the unroll and the steps by hand differ
  only in how their sums are grouped: each parameter's move equal to float32's resolution
  (tests/precision.py)."""
  tiny_unrolled_gan.model.compute_dtype = "float64"
  method, params, batch = setup(tiny_unrolled_gan)
  params, batch = float64((params, batch))
  nets = Networks(method.networks, params, {}, train=True)
  x_fake = method.generate(nets, batch)
  learning_rate = 0.3
  expected = params["discriminator"]
  for steps in (1, 2):
    grads = jax.grad(discriminator_loss_by_hand, argnums=1)(method, expected, batch["x"], x_fake)
    expected = jax.tree.map(lambda p, g: p - learning_rate * g, expected, grads)
    sgd = optax.sgd(learning_rate)
    unrolled = unrolled_discriminator_params(nets, batch["x"], x_fake, steps, sgd,
                                             sgd.init(params["discriminator"]))
    move = lambda tree: jax.tree.map(jnp.subtract, tree, params["discriminator"])
    assert_equal_to_float32_resolution(move(unrolled), move(expected))
  assert unrolled_discriminator_params(nets, batch["x"], x_fake, 0, sgd, ()) is params["discriminator"]


def test_unroll_continues_adam_from_the_discriminators_state(tiny_unrolled_gan, float64):
  # The state after one real update with gradient g0 (count 1, m = (1-β1) g0, v = (1-β2) g0²);
  # the unrolled step with this batch's gradient g is Adam's second step, by hand:
  # m' = β1 m + (1-β1) g, v' = β2 v + (1-β2) g², θ - lr · (m'/(1-β1²)) / (√(v'/(1-β2²)) + ε).
  # In float64 (tests/conftest.py `float64`), where the two differ only in how their sums are
  # grouped: each parameter's move equal to float32's resolution (tests/precision.py).
  tiny_unrolled_gan.model.compute_dtype = "float64"
  method, params, batch = setup(tiny_unrolled_gan)
  params, batch = float64((params, batch))
  nets = Networks(method.networks, params, {}, train=True)
  x_fake = method.generate(nets, batch)
  d_params = params["discriminator"]
  adam = optax.adam(0.01, b1=0.5)
  g0 = jax.tree.map(lambda p: jnp.full_like(p, 0.3), d_params)
  _, state = adam.update(g0, adam.init(d_params), d_params)
  g = jax.grad(discriminator_loss_by_hand, argnums=1)(method, d_params, batch["x"], x_fake)

  def by_hand(p, g0, g):
    m = 0.5 * (0.5 * g0) + 0.5 * g
    v = 0.999 * (0.001 * g0 ** 2) + 0.001 * g ** 2
    return p - 0.01 * (m / (1 - 0.5 ** 2)) / (jnp.sqrt(v / (1 - 0.999 ** 2)) + 1e-8)

  unrolled = unrolled_discriminator_params(nets, batch["x"], x_fake, 1, adam, state)
  move = lambda tree: jax.tree.map(jnp.subtract, tree, d_params)
  assert_equal_to_float32_resolution(move(unrolled), move(jax.tree.map(by_hand, d_params, g0, g)))
  fresh = unrolled_discriminator_params(nets, batch["x"], x_fake, 1, adam, adam.init(d_params))
  assert not np.allclose(jax.tree.leaves(fresh)[0], jax.tree.leaves(unrolled)[0])


def test_unrolling_optimizer_is_the_discriminators_own(tiny_unrolled_gan):
  # The same update as the configured discriminator optimizer (schedule included), from the same
  # state, but for Adam's ε_root (1e-16 under the square root), invisible here.
  config = tiny_unrolled_gan
  params = {"w": jnp.array([1.0, -2.0, 0.5])}
  phases = make_method(config, (2,)).phases
  real = make_optimizers(config, ("discriminator",), phases)["discriminator"]
  unroll = unrolling_optimizer(config, phases)
  state = real.init(params)
  for gradient in ([0.5, 1.0, -3.0], [0.1, -0.2, 2.0]):
    expected, state_real = real.update({"w": jnp.array(gradient)}, state, params)
    updates, state = unroll.update({"w": jnp.array(gradient)}, state, params)
    np.testing.assert_allclose(updates["w"], expected["w"], rtol=1e-6)
    jax.tree.map(np.testing.assert_allclose, state, state_real)


def test_unroll_through_a_dead_unit_has_a_finite_gradient(tiny_unrolled_gan):
  # A discriminator unit whose gradient has always been zero has v = 0; √v's infinite derivative
  # times that zero gradient would be NaN without ε_root.
  method, params, batch = setup(tiny_unrolled_gan)
  dense = params["discriminator"]["MLP_0"]["Dense_0"]
  dead = {"MLP_0": {**params["discriminator"]["MLP_0"],
                    "Dense_0": {**dense, "bias": dense["bias"].at[0].set(-1e3)}}}
  params = {**params, "discriminator": dead}
  _, grad = generator_loss_and_grad(method, params, batch, tiny_unrolled_gan)
  assert all(np.isfinite(leaf).all() for leaf in jax.tree.leaves(grad))


def test_generator_loss_is_taken_against_the_unrolled_discriminator(tiny_unrolled_gan, float64):
  """In float64 (tests/conftest.py `float64`), where the phase's loss and the one by hand
  differ only in how their sums are grouped: equal to float32's resolution
  (tests/precision.py)."""
  config = with_sgd_discriminator(config_with(tiny_unrolled_gan, unrolling_steps=3), 0.5)
  config.model.compute_dtype = "float64"
  method, params, batch = setup(config)
  params, batch = float64((params, batch))
  x_fake = method.networks["generator"].apply({"params": params["generator"]}, batch["z"])
  d_params = params["discriminator"]
  for _ in range(3):
    grads = jax.grad(discriminator_loss_by_hand, argnums=1)(method, d_params, batch["x"], x_fake)
    d_params = jax.tree.map(lambda p, g: p - 0.5 * g, d_params, grads)
  logits = method.networks["discriminator"].apply({"params": d_params}, x_fake)
  loss, _ = generator_loss_and_grad(method, params, batch, config)
  assert_equal_to_float32_resolution(loss, jnp.mean(jax.nn.softplus(-logits)))
  zero_loss, _ = generator_loss_and_grad(make_method(config_with(config, unrolling_steps=0), (2,)),
                                         params, batch, config)
  # The unrolled discriminator has learnt to reject this batch's samples.
  assert loss > zero_loss


def test_generator_gradient_goes_through_the_unroll(tiny_unrolled_gan):
  config = with_sgd_discriminator(config_with(tiny_unrolled_gan, unrolling_steps=3), 0.5)
  method, params, batch = setup(config)
  _, grad = generator_loss_and_grad(method, params, batch, config)
  _, zero_grad = generator_loss_and_grad(make_method(config_with(config, unrolling_steps=0), (2,)),
                                         params, batch, config)

  def first_order_loss(generator_params):
    """θ_D^K held constant: the gradient reaches θ_G only through G(z) in D(G(z); θ_D^K)."""
    nets = Networks(method.networks, {**params, "generator": generator_params}, {}, train=True)
    x_fake = method.generate(nets, batch)
    d_params = jax.lax.stop_gradient(
        unrolled_discriminator_params(nets, batch["x"], x_fake, 3, optax.sgd(0.5),
                                      optax.sgd(0.5).init(params["discriminator"])))
    logits = method.networks["discriminator"].apply({"params": d_params}, x_fake)
    return losses.non_saturating_generator_loss(logits)

  first_order_grad = jax.grad(first_order_loss)(params["generator"])
  distance = lambda a, b: float(optax.global_norm(jax.tree.map(jnp.subtract, a, b)))
  scale = float(optax.global_norm(grad))
  assert distance(grad, zero_grad) > 1e-2 * scale
  assert distance(grad, first_order_grad) > 1e-2 * scale


def test_generator_gradient_matches_forward_mode_and_finite_differences(tiny_unrolled_gan, float64):
  """The reverse-mode gradient through the unroll (what training follows) along a random
  direction, against forward mode and against central differences (tanh networks, smooth
  where ReLU's kinks would spoil the differences). In float64 (tests/conftest.py `float64`):
  reverse and forward mode differ only in the order of their sums, and agree to float32's
  resolution (tests/precision.py), relative to the sum of the products' magnitudes (the
  directional derivative is a sum of terms of either sign). The central differences' error
  is their truncation, O(step²) times a third derivative not bounded here: a loose 1e-2."""
  config = config_with(tiny_unrolled_gan, unrolling_steps=3)
  config.model.generator.activation = config.model.discriminator.activation = "tanh"
  config.model.compute_dtype = "float64"
  method, params, batch = setup(config)
  params, batch = float64((params, batch))
  # Jitted, each a program (eagerly, op by op, the unroll took ~30 s more to dispatch).
  loss_fn = jax.jit(lambda g: generator_loss_and_grad(method, {**params, "generator": g}, batch, config)[0])
  _, grad = jax.jit(lambda p: generator_loss_and_grad(method, p, batch, config))(params)
  rng = np.random.default_rng(0)
  direction = jax.tree.map(lambda a: jnp.asarray(rng.normal(size=a.shape), a.dtype), params["generator"])
  reverse = sum(jnp.sum(g * d) for g, d in zip(jax.tree.leaves(grad), jax.tree.leaves(direction)))
  _, forward = jax.jit(lambda g, d: jax.jvp(loss_fn, (g,), (d,)))(params["generator"], direction)
  magnitude = sum(jnp.sum(jnp.abs(g * d)) for g, d in zip(jax.tree.leaves(grad), jax.tree.leaves(direction)))
  assert_equal_to_float32_resolution(forward, reverse, magnitude)
  step = 1e-3
  shifted = lambda s: jax.tree.map(lambda p, d: p + s * d, params["generator"], direction)
  numeric = (loss_fn(shifted(step)) - loss_fn(shifted(-step))) / (2 * step)
  np.testing.assert_allclose(reverse, numeric, rtol=1e-2)


def test_one_iteration_updates_both_networks_from_the_same_discriminator(tiny_unrolled_gan, float64):
  """Metz et al.'s simultaneous update, by hand, against one iteration of the train step (both
  optimizers plain gradient descent, so an update is -lr · gradient): the discriminator steps
  on the not yet updated generator, and the generator's gradient is taken through K = 2
  unrolled steps from the discriminator as the iteration began, the first of which is the
  discriminator's own update. Before the fix the unroll started from the updated θ_D. In
  float64 (tests/conftest.py `float64`), where the step and the iteration by hand differ only
  in how XLA groups their sums: each parameter's move equal to float32's resolution
  (tests/precision.py)."""
  config = with_sgd_discriminator(config_with(tiny_unrolled_gan, unrolling_steps=2), 0.5)
  config.optimizer.generator = ml_collections.ConfigDict(dict(name="sgd", learning_rate=0.1))
  config.model.compute_dtype = "float64"
  method, dataset, optimizers = train.build(config)
  mesh = data_mesh(jax.devices()[:1])
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size, 1)
  state = replicate(float64(jax.device_get(train.init_state(method, optimizers, config.seed))), mesh)
  key, params = jax.device_get((state.key, state.params))
  batch = sample_batch(method, dataset, {}, jax.random.fold_in(jax.random.fold_in(key, 0), 0),
                       jnp.arange(config.train.batch_size))
  generate = lambda g: method.networks["generator"].apply({"params": g}, batch["z"])
  d_grad = jax.grad(discriminator_loss_by_hand, argnums=1)

  def unrolled_generator_loss(g):
    x_fake, d = generate(g), params["discriminator"]
    for _ in range(2):
      d = jax.tree.map(lambda p, grad: p - 0.5 * grad, d, d_grad(method, d, batch["x"], x_fake))
    logits = method.networks["discriminator"].apply({"params": d}, x_fake)
    return jnp.mean(jax.nn.softplus(-logits))

  expected_generator = jax.tree.map(lambda p, grad: p - 0.1 * grad, params["generator"],
                                    jax.grad(unrolled_generator_loss)(params["generator"]))
  expected_discriminator = jax.tree.map(
      lambda p, grad: p - 0.5 * grad, params["discriminator"],
      d_grad(method, params["discriminator"], batch["x"], generate(params["generator"])))
  new_state, _ = update(state, {})
  move = lambda tree: jax.tree.map(np.subtract, tree, params)
  assert_equal_to_float32_resolution(
      move(jax.device_get(new_state.params)),
      move({"generator": expected_generator, "discriminator": expected_discriminator}))


def test_negative_unrolling_steps_are_refused(tiny_unrolled_gan):
  config = ml_collections.ConfigDict(tiny_unrolled_gan.to_dict())
  config.loss.unrolling_steps = -1
  with pytest.raises(ConfigError, match="config.loss.unrolling_steps must be a non-negative integer, got -1"):
    configuration.validate(config, 1)


def test_configs_share_the_gan_rows_networks_and_budget():
  from configs import gan_1200d, gan_grid, gan_ring  # pylint: disable=import-outside-toplevel
  for unrolled, gan in ((unrolled_gan_ring, gan_ring), (unrolled_gan_grid, gan_grid), (unrolled_gan_1200d, gan_1200d)):
    a, b = unrolled.get_config(), gan.get_config()
    assert a.model == b.model and a.train == b.train
    # Each row keeps its own tuned setting (benchmarks/baseline_sweep.py): here Metz et al.'s
    # discriminator rate, for GAN 1e-3, both with constant rates; the rest is shared.
    assert a.optimizer.discriminator.learning_rate == 1e-4
    assert {optimizer.schedule for optimizer in a.optimizer.values()} == {"constant"}
    b.optimizer.discriminator.learning_rate = 1e-4
    assert a.optimizer == b.optimizer
    assert a.loss.adversarial_form == b.loss.adversarial_form and a.loss.unrolling_steps == 5
