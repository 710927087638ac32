"""Unrolled GAN: K = 0 is the plain GAN, the unroll is hand-applied gradient descent, the
generator's gradient goes through the unroll, and a short run of each 2-D config."""

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
import pytest

from aegan import configuration, losses, train
from aegan.configuration import ConfigError
from aegan.methods import Networks, init_variables, make_method
from aegan.methods.unrolled_gan import unrolled_discriminator_params, unrolling_optimizer
from configs import unrolled_gan_1200d, unrolled_gan_grid, unrolled_gan_ring
from tests.conftest import tiny


def config_with(config, **loss_fields):
  config = ml_collections.ConfigDict(config.to_dict())
  config.loss.update(loss_fields)
  return config


def setup(config, batch_size=16):
  """The method, its initial parameters and a batch of 2-D data with its noise."""
  method = make_method(config, (2,))
  params, _ = init_variables(method, jax.random.PRNGKey(0))
  keys = jax.random.split(jax.random.PRNGKey(1), batch_size)
  batch = {"x": jax.random.normal(jax.random.PRNGKey(2), (batch_size, 2)),
           **jax.vmap(method.sample_noise)(keys)}
  return method, params, batch


def generator_loss_and_grad(method, params, batch):
  """The generator phase's loss and its gradient in the generator's parameters."""
  def loss(generator_params):
    nets = Networks(method.networks, {**params, "generator": generator_params}, {}, train=True)
    return method.phases[1].loss(nets, batch)[0]
  return jax.value_and_grad(loss)(params["generator"])


def test_zero_unrolling_steps_is_the_gan(tiny_unrolled_gan, tiny_gan):
  unrolled, params, batch = setup(config_with(tiny_unrolled_gan, unrolling_steps=0))
  gan, gan_params, gan_batch = setup(tiny_gan)
  jax.tree.map(np.testing.assert_array_equal, (params, batch), (gan_params, gan_batch))
  for phase, gan_phase in zip(unrolled.phases, gan.phases):
    nets = Networks(unrolled.networks, params, {}, train=True)
    np.testing.assert_array_equal(phase.loss(nets, batch)[0], gan_phase.loss(nets, batch)[0])
  loss, grad = generator_loss_and_grad(unrolled, params, batch)
  gan_loss, gan_grad = generator_loss_and_grad(gan, params, batch)
  np.testing.assert_array_equal(loss, gan_loss)
  jax.tree.map(np.testing.assert_array_equal, grad, gan_grad)


def discriminator_loss_by_hand(method, d_params, x_real, x_fake):
  d = lambda x: method.networks["discriminator"].apply({"params": d_params}, x)
  return jnp.mean(jax.nn.softplus(-d(x_real))) + jnp.mean(jax.nn.softplus(d(x_fake)))


def test_unroll_is_hand_applied_gradient_descent(tiny_unrolled_gan):
  method, params, batch = setup(tiny_unrolled_gan)
  nets = Networks(method.networks, params, {}, train=True)
  x_fake = method.generate(nets, batch)
  learning_rate = 0.3
  expected = params["discriminator"]
  for steps in (1, 2):
    grads = jax.grad(discriminator_loss_by_hand, argnums=1)(method, expected, batch["x"], x_fake)
    expected = jax.tree.map(lambda p, g: p - learning_rate * g, expected, grads)
    unrolled = unrolled_discriminator_params(nets, batch["x"], x_fake, steps, optax.sgd(learning_rate))
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7), unrolled, expected)
  assert unrolled_discriminator_params(nets, batch["x"], x_fake, 0, optax.sgd(1.0)) is params["discriminator"]


def test_unroll_starts_the_optimizer_from_a_fresh_state(tiny_unrolled_gan):
  # Any optax optimizer unrolls; Adam's first step from a fresh state has m̂ = g, v̂ = g², so
  # θ_D^1 = θ_D - lr · g / (|g| + ε): a sign step, whose derivative in g (and so in θ_G) vanishes.
  method, params, batch = setup(tiny_unrolled_gan)
  nets = Networks(method.networks, params, {}, train=True)
  x_fake = method.generate(nets, batch)
  grads = jax.grad(discriminator_loss_by_hand, argnums=1)(method, params["discriminator"], batch["x"], x_fake)
  expected = jax.tree.map(lambda p, g: p - 0.01 * g / (jnp.abs(g) + 1e-8), params["discriminator"], grads)
  unrolled = unrolled_discriminator_params(nets, batch["x"], x_fake, 1, optax.adam(0.01, b1=0.5))
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7), unrolled, expected)


def test_unrolling_optimizer_is_gradient_descent_at_the_configured_rate(tiny_unrolled_gan):
  config = config_with(tiny_unrolled_gan, unrolling_learning_rate=0.3)
  params = {"w": jnp.array([1.0, -2.0])}
  optimizer = unrolling_optimizer(config)
  updates, _ = optimizer.update({"w": jnp.array([0.5, 1.0])}, optimizer.init(params), params)
  np.testing.assert_allclose(updates["w"], [-0.15, -0.3], rtol=1e-6)


def test_generator_loss_is_taken_against_the_unrolled_discriminator(tiny_unrolled_gan):
  config = config_with(tiny_unrolled_gan, unrolling_steps=3, unrolling_learning_rate=0.5)
  method, params, batch = setup(config)
  x_fake = method.networks["generator"].apply({"params": params["generator"]}, batch["z"])
  d_params = params["discriminator"]
  for _ in range(3):
    grads = jax.grad(discriminator_loss_by_hand, argnums=1)(method, d_params, batch["x"], x_fake)
    d_params = jax.tree.map(lambda p, g: p - 0.5 * g, d_params, grads)
  logits = method.networks["discriminator"].apply({"params": d_params}, x_fake)
  loss, _ = generator_loss_and_grad(method, params, batch)
  np.testing.assert_allclose(loss, jnp.mean(jax.nn.softplus(-logits)), rtol=1e-5)
  zero_loss, _ = generator_loss_and_grad(make_method(config_with(config, unrolling_steps=0), (2,)),
                                         params, batch)
  # The unrolled discriminator has learnt to reject this batch's samples.
  assert loss > zero_loss


def test_generator_gradient_goes_through_the_unroll(tiny_unrolled_gan):
  config = config_with(tiny_unrolled_gan, unrolling_steps=3, unrolling_learning_rate=0.5)
  method, params, batch = setup(config)
  _, grad = generator_loss_and_grad(method, params, batch)
  _, zero_grad = generator_loss_and_grad(make_method(config_with(config, unrolling_steps=0), (2,)),
                                         params, batch)

  def first_order_loss(generator_params):
    """θ_D^K held constant: the gradient reaches θ_G only through G(z) in D(G(z); θ_D^K)."""
    nets = Networks(method.networks, {**params, "generator": generator_params}, {}, train=True)
    x_fake = method.generate(nets, batch)
    d_params = jax.lax.stop_gradient(
        unrolled_discriminator_params(nets, batch["x"], x_fake, 3, optax.sgd(0.5)))
    logits = method.networks["discriminator"].apply({"params": d_params}, x_fake)
    return losses.non_saturating_generator_loss(logits)

  first_order_grad = jax.grad(first_order_loss)(params["generator"])
  distance = lambda a, b: float(optax.global_norm(jax.tree.map(jnp.subtract, a, b)))
  scale = float(optax.global_norm(grad))
  assert distance(grad, zero_grad) > 1e-2 * scale
  assert distance(grad, first_order_grad) > 1e-2 * scale


def test_generator_gradient_matches_forward_mode_and_finite_differences(tiny_unrolled_gan):
  """The reverse-mode gradient through the unroll (what training follows) along a random
  direction, against forward mode and against central differences (tanh networks, smooth
  where ReLU's kinks would spoil the differences; float32, so a loose tolerance)."""
  config = config_with(tiny_unrolled_gan, unrolling_steps=3, unrolling_learning_rate=0.5)
  config.model.generator.activation = config.model.discriminator.activation = "tanh"
  method, params, batch = setup(config)
  loss_fn = lambda g: generator_loss_and_grad(method, {**params, "generator": g}, batch)[0]
  _, grad = generator_loss_and_grad(method, params, batch)
  rng = np.random.default_rng(0)
  direction = jax.tree.map(lambda a: jnp.asarray(rng.normal(size=a.shape), a.dtype), params["generator"])
  reverse = sum(jnp.sum(g * d) for g, d in zip(jax.tree.leaves(grad), jax.tree.leaves(direction)))
  _, forward = jax.jvp(loss_fn, (params["generator"],), (direction,))
  np.testing.assert_allclose(reverse, forward, rtol=1e-4)
  step = 1e-3
  shifted = lambda s: jax.tree.map(lambda p, d: p + s * d, params["generator"], direction)
  numeric = (loss_fn(shifted(step)) - loss_fn(shifted(-step))) / (2 * step)
  np.testing.assert_allclose(reverse, numeric, rtol=1e-2)


def test_unrolling_learning_rate_defaults_to_the_discriminators(tiny_unrolled_gan):
  config = config_with(tiny_unrolled_gan, unrolling_steps=1)
  del config.loss["unrolling_learning_rate"]
  config.optimizer.discriminator.learning_rate = 0.25
  method, params, batch = setup(config)
  explicit = make_method(config_with(config, unrolling_learning_rate=0.25), (2,))
  nets = Networks(method.networks, params, {}, train=True)
  np.testing.assert_array_equal(method.phases[1].loss(nets, batch)[0],
                                explicit.phases[1].loss(nets, batch)[0])


@pytest.mark.parametrize("field, value, expected", [
    ("unrolling_steps", -1, "config.loss.unrolling_steps must be a non-negative integer, got -1"),
    ("unrolling_learning_rate", 0.0, "config.loss.unrolling_learning_rate must be positive, got 0.0"),
])
def test_bad_fields_are_refused(tiny_unrolled_gan, field, value, expected):
  config = ml_collections.ConfigDict(tiny_unrolled_gan.to_dict())
  config.loss[field] = value
  with pytest.raises(ConfigError, match=expected):
    configuration.validate(config, 1)


@pytest.mark.parametrize("get_config", [unrolled_gan_ring.get_config, unrolled_gan_grid.get_config])
def test_config_trains(get_config, tmp_path):
  config = tiny(get_config(), steps=20, steps_per_call=10)
  configuration.validate(config, jax.device_count())
  assert config.loss.unrolling_steps == 5
  results = train.train_and_evaluate(config, str(tmp_path))
  assert 0 <= results["eval/modes"] <= config.data.get("num_modes", 25)
  assert np.isfinite(np.load(tmp_path / "samples" / "final.npz")["x"]).all()


def test_configs_share_the_gan_rows_networks_optimizers_and_budget():
  from configs import gan_1200d, gan_grid, gan_ring  # pylint: disable=import-outside-toplevel
  for unrolled, gan in ((unrolled_gan_ring, gan_ring), (unrolled_gan_grid, gan_grid), (unrolled_gan_1200d, gan_1200d)):
    a, b = unrolled.get_config(), gan.get_config()
    assert a.model == b.model and a.optimizer == b.optimizer and a.train == b.train
    assert a.loss.adversarial_form == b.loss.adversarial_form
