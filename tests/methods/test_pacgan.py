"""PacGAN: packs of m examples concatenated along the last axis, judged by one discriminator;
m = 1 is GAN, operation for operation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan import configuration, train
from aegan.config_checks import ConfigError
from aegan.methods import Networks, init_variables, make_method
from aegan.methods.pacgan import pack
from aegan.parallel import data_mesh, replicate
from configs import pacgan_ring
from tests.conftest import tiny
from tests.precision import assert_equal_to_float32_resolution


def pacgan_config(packing: int, batch_size: int = 32):
  return tiny(pacgan_ring.get_config(str(packing)), batch_size=batch_size)


def test_pack_concatenates_consecutive_examples_along_the_last_axis():
  vectors = jnp.arange(12.0).reshape(6, 2)  # Six 2-D examples, packs of 3.
  np.testing.assert_array_equal(pack(vectors, 3), [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]])
  images = jnp.arange(2 * 2 * 2 * 3.0).reshape(2, 2, 2, 3)  # Two 2x2 RGB images, one pack.
  packed = pack(images, 2)
  assert packed.shape == (1, 2, 2, 6)
  # Channels 0-2 are the first image's pixel, 3-5 the second's (PacGAN: along channels).
  np.testing.assert_array_equal(packed[0, 1, 0], [6, 7, 8, 18, 19, 20])
  np.testing.assert_array_equal(pack(images, 1), images)


def train_params(config, steps: int = 20):
  method, dataset, optimizers = train.build(config)
  mesh = data_mesh(jax.devices()[:1])
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size, 10)
  state = replicate(train.init_state(method, optimizers, config.seed), mesh)
  for _ in range(steps // 10):
    state, metrics = update(state, {})
  return jax.device_get(state.params), jax.device_get(metrics)


def test_packing_one_is_gan_exactly(tiny_gan):
  """The same parameters, draws and operations: 20 iterations end bitwise equal."""
  config = pacgan_config(1)
  assert config.train.batch_size == tiny_gan.train.batch_size
  pac_params, pac_metrics = train_params(config)
  gan_params, gan_metrics = train_params(tiny_gan)
  assert jax.tree.structure(pac_params) == jax.tree.structure(gan_params)
  jax.tree.map(np.testing.assert_array_equal, pac_params, gan_params)
  jax.tree.map(np.testing.assert_array_equal, pac_metrics, gan_metrics)


def test_the_discriminator_judges_packs_of_real_and_of_independent_generated_examples(float64):
  """The discriminator loss with m = 2 equals the logistic loss of D on hand-concatenated pairs:
  (x_1, x_2), (x_3, x_4), ... real, and (G(z_1), G(z_2)), ... generated from separate z. In
  float64 (tests/conftest.py `float64`), where the two differ only in how the sums are
  grouped: equal to float32's resolution (tests/precision.py)."""
  config = pacgan_config(2)
  config.model.compute_dtype = "float64"
  method = make_method(config, (2,))
  params, _ = init_variables(method, jax.random.PRNGKey(0))
  keys = jax.random.split(jax.random.PRNGKey(1), 8)
  batch = {"x": jax.random.normal(keys[0], (8, 2)), **jax.vmap(method.sample_noise)(keys)}
  params, batch = float64((params, batch))
  nets = Networks(method.networks, params, {}, train=True)
  loss, _ = method.phases[0].loss(nets, batch)
  apply = lambda name, x: method.networks[name].apply({"params": params[name]}, x)
  fake = apply("generator", batch["z"])
  real_pairs = jnp.concatenate([batch["x"][0::2], batch["x"][1::2]], axis=1)
  fake_pairs = jnp.concatenate([fake[0::2], fake[1::2]], axis=1)
  assert real_pairs.shape == (4, 4)
  expected = (jnp.mean(jax.nn.softplus(-apply("discriminator", real_pairs)))
              + jnp.mean(jax.nn.softplus(apply("discriminator", fake_pairs))))
  assert_equal_to_float32_resolution(loss, expected)
  generator_loss, _ = method.phases[1].loss(nets, batch)
  assert_equal_to_float32_resolution(
      generator_loss, jnp.mean(jax.nn.softplus(-apply("discriminator", fake_pairs))))


@pytest.mark.parametrize("packing, batch_size, devices, message", [
    (3, 32, 1, "config.train.batch_size=32 does not split into packs of config.loss.packing=3 "
               "examples on each of the 1 devices (it must be a multiple of 3)"),
    (4, 8, 4, "config.train.batch_size=8 does not split into packs of config.loss.packing=4 "
              "examples on each of the 4 devices (it must be a multiple of 16)"),
    (0, 32, 1, "config.loss.packing must be a positive integer, got 0"),
])
def test_a_batch_that_does_not_split_into_packs_is_refused(packing, batch_size, devices, message):
  config = pacgan_config(2, batch_size)
  config.loss.packing = packing
  with pytest.raises(ConfigError) as error:
    configuration.validate(config, devices)
  assert str(error.value) == message


def test_the_config_argument_is_the_packing_degree():
  for packing in (1, 2, 3, 4):
    config = pacgan_ring.get_config(str(packing))
    assert config.loss.packing == packing and config.train.batch_size == 500 * packing
  assert pacgan_ring.get_config().loss.packing == 2
  with pytest.raises(ValueError, match="packing degree m >= 1"):
    pacgan_ring.get_config("two")
