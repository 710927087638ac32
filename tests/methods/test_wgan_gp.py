"""WGAN-GP: its losses computed by hand from the networks, its phases, the critic without
BatchNorm, and the configs (their runs: tests/test_mixture_configs.py)."""

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from aegan import configuration
from aegan.configuration import ConfigError
from aegan.methods import Networks, init_variables, make_method
from aegan.methods.wgan_gp import interpolate
from configs import common, wgan_gp_1200d, wgan_gp_grid, wgan_gp_ring
from tests.precision import assert_equal_to_float32_resolution


def networks_and_batch(config, batch_size=7, cast=lambda tree: tree):
  """(method, parameters, their networks in training mode, a batch), the parameters and the
  batch passed through `cast`."""
  method = make_method(config, (2,))
  params, _ = init_variables(method, jax.random.PRNGKey(0))
  keys = jax.random.split(jax.random.PRNGKey(1), batch_size)
  batch = {"x": jax.random.normal(jax.random.PRNGKey(2), (batch_size, 2)),
           **jax.vmap(method.sample_noise)(keys)}
  params, batch = cast((params, batch))
  return method, params, Networks(method.networks, params, {}, train=True), batch


def test_wgan_gp_losses(tiny_wgan_gp, float64):
  """The losses against the equations by hand, which group the sums otherwise, in float64
  (tests/conftest.py `float64`): equal to float32's resolution (tests/precision.py). The critic's
  values have either sign, so a mean of them and a difference of means round relative to their
  magnitudes; (‖g‖ - 1)² with ‖g‖ rounded by δ‖g‖ moves by 2|‖g‖ - 1|·‖g‖δ ≤ (‖g‖ + 1)²δ.
  `generate` is the generator applied op by op, as here: equal exactly."""
  tiny_wgan_gp.model.compute_dtype = "float64"
  method, params, nets, batch = networks_and_batch(tiny_wgan_gp, cast=float64)
  x_gen = method.networks["generator"].apply({"params": params["generator"]}, batch["z"])
  f = lambda x: method.networks["discriminator"].apply({"params": params["discriminator"]}, x)
  np.testing.assert_array_equal(method.generate(nets, batch), x_gen)

  # The penalty by hand: each example's own input gradient, one example at a time.
  eps = batch["interpolation"]
  x_hat = eps[:, None] * batch["x"] + (1 - eps[:, None]) * x_gen
  per_example_grad = jax.vmap(jax.grad(lambda x: f(x[None])[0]))(x_hat)
  norms = jnp.linalg.norm(per_example_grad, axis=1)
  penalty = jnp.mean((norms - 1.0) ** 2)
  penalty_size = jnp.mean((norms + 1.0) ** 2)
  critic_loss, metrics = method.phases[0].loss(nets, batch)
  assert_equal_to_float32_resolution(
      critic_loss, jnp.mean(f(x_gen)) - jnp.mean(f(batch["x"])) + 10.0 * penalty,
      jnp.mean(jnp.abs(f(x_gen))) + jnp.mean(jnp.abs(f(batch["x"]))) + 10.0 * penalty_size)
  assert_equal_to_float32_resolution(metrics["gradient_penalty"], penalty, penalty_size)

  generator_loss, _ = method.phases[1].loss(nets, batch)
  assert_equal_to_float32_resolution(generator_loss, -jnp.mean(f(x_gen)),
                                     jnp.mean(jnp.abs(f(x_gen))))


def test_phases_and_noise(tiny_wgan_gp):
  method, _, _, batch = networks_and_batch(tiny_wgan_gp, batch_size=1000)
  assert [(p.name, p.updates, p.repeat) for p in method.phases] == [
      ("critic", ("discriminator",), 5), ("generator", ("generator",), 1)]
  eps = batch["interpolation"]
  assert eps.shape == (1000,) and jnp.all((eps >= 0) & (eps <= 1))
  np.testing.assert_allclose(jnp.mean(eps), 0.5, atol=0.03)  # U[0, 1]: mean ½, sd of mean ≈ 0.009.


def test_interpolates_lie_between_data_and_samples():
  real, fake = jnp.ones((3, 2, 2, 1)), jnp.zeros((3, 2, 2, 1))
  x_hat = interpolate(real, fake, jnp.array([0.0, 0.25, 1.0]))
  np.testing.assert_allclose(x_hat[:, 0, 0, 0], [0.0, 0.25, 1.0])
  assert x_hat.shape == real.shape


def test_critic_with_batch_norm_is_refused(tiny_wgan_gp):
  tiny_wgan_gp.model.discriminator = common.conv(4)  # BatchNorm by default.
  with pytest.raises(ConfigError, match="must not use BatchNorm"):
    configuration.validate(tiny_wgan_gp, 1)
  with pytest.raises(ValueError, match="must not use BatchNorm"):
    make_method(tiny_wgan_gp, (8, 8, 1))
  tiny_wgan_gp.model.discriminator.batch_norm = False
  configuration.validate(tiny_wgan_gp, 1)
  method = make_method(tiny_wgan_gp, (8, 8, 1))
  params, batch_stats = init_variables(method, jax.random.PRNGKey(0))
  assert batch_stats["discriminator"] == {}


@pytest.mark.parametrize("field, value, expected", [
    ("critic_updates", 0, "config.loss.critic_updates must be a positive integer, got 0"),
    ("gradient_penalty", -1.0, "config.loss.gradient_penalty must be >= 0, got -1.0"),
])
def test_bad_fields_are_refused(tiny_wgan_gp, field, value, expected):
  tiny_wgan_gp.loss[field] = value
  with pytest.raises(ConfigError, match=expected):
    configuration.validate(tiny_wgan_gp, 1)


def test_configs_share_the_gan_rows_networks_and_budget():
  from configs import gan_1200d, gan_grid, gan_ring  # pylint: disable=import-outside-toplevel
  for wgan_gp, gan in ((wgan_gp_ring, gan_ring), (wgan_gp_grid, gan_grid), (wgan_gp_1200d, gan_1200d)):
    a, b = wgan_gp.get_config(), gan.get_config()
    gan_model = b.model.to_dict()
    assert gan_model.pop("prior") == "normal"  # GAN's option; WGAN-GP draws N(0, I).
    assert a.model.to_dict() == gan_model and a.train == b.train and a.data == b.data
    assert isinstance(a.loss, ml_collections.ConfigDict) and a.loss.gradient_penalty == 10.0
    assert a.optimizer.generator.b1 == 0.0 and a.optimizer.discriminator.b2 == 0.9
    # Schedules over the run's iterations, 5 critic updates in each (tests/test_optimizers.py).
    assert a.optimizer.generator.schedule == a.optimizer.discriminator.schedule == "cosine"
    assert a.loss.critic_updates == 5
