"""AGE: unit-sphere codes, both losses against the paper's equations computed by hand, batch
statistics of the global batch under data parallelism (one SGD run on 1 and 4 devices:
tests/test_train.py; every config's run:
tests/test_mixture_configs.py)."""

import jax
import numpy as np
import optax
import pytest
from jax.sharding import NamedSharding, PartitionSpec

from aegan import configuration
from aegan.configuration import ConfigError
from aegan.methods import Networks, init_variables, make_method
from aegan.parallel import DATA_AXIS, data_mesh, replicate
from tests.precision import assert_equal_to_float32_resolution


def setup(config, batch_size=9):
  method = make_method(config, (2,))
  params, _ = init_variables(method, jax.random.PRNGKey(0))
  keys = jax.random.split(jax.random.PRNGKey(1), batch_size)
  batch = {"x": jax.random.normal(keys[0], (batch_size, 2)), **jax.vmap(method.sample_noise)(keys)}
  return method, params, batch


def setup_in_float64(config, float64, batch_size=9):
  """`setup` with the networks computing in float64 and its parameters and batch cast to
  float64 (tests/conftest.py `float64`): the method and the equations by hand then differ only
  in the order of their sums and agree to float32's resolution (tests/precision.py)."""
  config.model.compute_dtype = "float64"
  method, params, batch = setup(config, batch_size)
  return (method, *float64((params, batch)))


def apply(method, params, name, *inputs):
  return np.asarray(method.networks[name].apply({"params": params[name]}, *inputs), np.float64)


def phase_loss(method, phase, params, batch):
  return method.phases[phase].loss(Networks(method.networks, params, {}, train=True), batch)


def unit(v):
  return v / np.linalg.norm(v, axis=1, keepdims=True)


def kl_by_hand(codes):
  """Σ_j (s_j² + m_j² - 1)/2 - log s_j of the Gaussian fitted to the rows of `codes` (with
  batch_gaussian_kl's ε = 1e-8 added to s_j² inside the log)."""
  mean, var = codes.mean(axis=0), codes.var(axis=0)
  return np.sum((var + mean**2 - 1) / 2 - 0.5 * np.log(var + 1e-8))


def test_phases_and_unit_sphere_codes(tiny_age, float64):
  method, params, batch = setup_in_float64(tiny_age, float64)
  assert [(p.name, p.updates, p.repeat) for p in method.phases] == [
      ("encoder", ("encoder",), 1), ("generator", ("generator",), tiny_age.loss.generator_updates)]
  assert set(method.networks) == {"encoder", "generator"}  # No discriminator.
  np.testing.assert_allclose(np.linalg.norm(batch["z"], axis=1), 1.0, rtol=1e-6)
  # Reconstructions go through codes on the sphere: G(E(x) / ‖E(x)‖).
  nets = Networks(method.networks, params, {}, train=False)
  code = unit(apply(method, params, "encoder", batch["x"]))
  assert_equal_to_float32_resolution(method.reconstruct(nets, batch),
                                     apply(method, params, "generator", code))


def test_encoder_loss_by_hand(tiny_age, float64):
  tiny_age.loss.reconstruction_weight = 3.0
  method, params, batch = setup_in_float64(tiny_age, float64)
  z_real = unit(apply(method, params, "encoder", batch["x"]))
  z_fake = unit(apply(method, params, "encoder", apply(method, params, "generator", batch["z"])))
  x_rec = apply(method, params, "generator", z_real)
  l1 = np.mean(np.sum(np.abs(np.asarray(batch["x"]) - x_rec), axis=1))
  # L_E = Δ(E(x)) - Δ(E(G(z))) + λ E‖x - G(E(x))‖₁
  expected = kl_by_hand(z_real) - kl_by_hand(z_fake) + 3.0 * l1
  loss, metrics = phase_loss(method, 0, params, batch)
  assert_equal_to_float32_resolution(metrics["kl_real"], kl_by_hand(z_real))
  assert_equal_to_float32_resolution(metrics["kl_fake"], kl_by_hand(z_fake))
  assert_equal_to_float32_resolution(metrics["reconstruction_l1"], l1)
  # The two Δ terms may nearly cancel: the sum's rounding is relative to its terms' sizes.
  terms = abs(kl_by_hand(z_real)) + abs(kl_by_hand(z_fake)) + 3.0 * l1
  assert_equal_to_float32_resolution(loss, expected, terms)


def test_generator_loss_by_hand(tiny_age, float64):
  tiny_age.loss.latent_reconstruction_weight = 7.0
  method, params, batch = setup_in_float64(tiny_age, float64)
  z = np.asarray(batch["z"], np.float64)
  z_fake = unit(apply(method, params, "encoder", apply(method, params, "generator", batch["z"])))
  latent = np.mean(np.sum((z - z_fake) ** 2, axis=1))
  # L_G = Δ(E(G(z))) + μ E‖z - E(G(z))‖²; on the sphere ‖z - ẑ‖² = 2 - 2 cos(z, ẑ).
  assert_equal_to_float32_resolution(latent, np.mean(2 - 2 * np.sum(z * z_fake, axis=1)))
  loss, metrics = phase_loss(method, 1, params, batch)
  assert_equal_to_float32_resolution(metrics["latent_reconstruction"], latent)
  assert_equal_to_float32_resolution(loss, kl_by_hand(z_fake) + 7.0 * latent)


def test_adversarial_weight_zero_leaves_the_two_reconstructions_alone(tiny_age, float64):
  """β = `loss.adversarial_weight` multiplies every Δ term of both losses; β = 0 (the learning
  floors' AGE ablation) leaves exactly λ‖x - G(E(x))‖₁ for the encoder and μ‖z - E(G(z))‖² for
  the generator; β = 0.5 halves the game's terms."""
  tiny_age.loss.update(reconstruction_weight=3.0, latent_reconstruction_weight=7.0,
                       adversarial_weight=0.0)
  method, params, batch = setup_in_float64(tiny_age, float64)
  encoder_loss, encoder_metrics = phase_loss(method, 0, params, batch)
  generator_loss, generator_metrics = phase_loss(method, 1, params, batch)
  # The Δ terms removed are not zero themselves.
  assert abs(float(encoder_metrics["kl_real"] - encoder_metrics["kl_fake"])) > 1e-3
  assert float(generator_metrics["generator_kl_fake"]) > 1e-3
  np.testing.assert_array_equal(encoder_loss, 3.0 * encoder_metrics["reconstruction_l1"])
  np.testing.assert_array_equal(generator_loss, 7.0 * generator_metrics["latent_reconstruction"])
  tiny_age.loss.adversarial_weight = 0.5
  method, params, batch = setup_in_float64(tiny_age, float64)
  (encoder_loss, m), (generator_loss, g) = phase_loss(method, 0, params, batch), phase_loss(method, 1, params, batch)
  # The two Δ terms may nearly cancel: the sum's rounding is relative to its terms' sizes.
  assert_equal_to_float32_resolution(
      encoder_loss, 0.5 * (m["kl_real"] - m["kl_fake"]) + 3.0 * m["reconstruction_l1"],
      0.5 * (abs(m["kl_real"]) + abs(m["kl_fake"])) + 3.0 * m["reconstruction_l1"])
  assert_equal_to_float32_resolution(
      generator_loss, 0.5 * g["generator_kl_fake"] + 7.0 * g["latent_reconstruction"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_encoder_steps_push_fake_codes_away_from_the_prior(tiny_age, seed):
  """Twenty SGD steps of the encoder alone on L_E = Δ(E(x)) - Δ(E(G(z))) (no L1 term) widen
  the gap Δ(fake) - Δ(real) and more than double Δ(fake): seeds 0-4 multiplied it by 2.7 to 6.8
  (and moved Δ(real) by -0.6 to +0.7: the fake term dominates). A flipped sign shrinks the gap."""
  tiny_age.loss.reconstruction_weight = 0.0
  method = make_method(tiny_age, (2,))
  params, _ = init_variables(method, jax.random.PRNGKey(seed))
  keys = jax.random.split(jax.random.PRNGKey(seed + 10), 64)
  batch = {"x": jax.random.normal(keys[0], (64, 2)), **jax.vmap(method.sample_noise)(keys)}
  sgd = optax.sgd(1e-2)
  encoder, opt_state = params["encoder"], sgd.init(params["encoder"])
  metrics_at = lambda encoder: phase_loss(method, 0, dict(params, encoder=encoder), batch)[1]
  before = metrics_at(encoder)
  for _ in range(20):
    grads = jax.grad(lambda e: phase_loss(method, 0, dict(params, encoder=e), batch)[0])(encoder)
    updates, opt_state = sgd.update(grads, opt_state)
    encoder = optax.apply_updates(encoder, updates)
  after = metrics_at(encoder)
  assert after["kl_fake"] > 2 * before["kl_fake"]
  assert after["kl_fake"] - after["kl_real"] > before["kl_fake"] - before["kl_real"] + 1.0


@pytest.mark.parametrize("phase", [0, 1])
def test_the_loss_on_four_devices_is_the_global_batch_loss(tiny_age, phase, float64):
  """Inside shard_map each device holds 8 of 32 examples, and its loss is the whole batch's,
  not the loss of its own shard (which a per-device batch Gaussian would give). In float64
  (tests/conftest.py `float64`), where the two differ only in the order of their sums: equal
  to float32's resolution (tests/precision.py)."""
  assert jax.device_count() >= 4, "run the tests with JAX_NUM_CPU_DEVICES=4"
  method, params, batch = setup_in_float64(tiny_age, float64, batch_size=32)
  mesh = data_mesh(jax.devices()[:4])
  per_device = lambda p, b: phase_loss(method, phase, p, b)[0]
  mapped = jax.jit(jax.shard_map(per_device, mesh=mesh, in_specs=(PartitionSpec(), PartitionSpec(DATA_AXIS)),
                                 out_specs=PartitionSpec()))
  whole = phase_loss(method, phase, params, batch)[0]
  sharded = jax.device_put(batch, NamedSharding(mesh, PartitionSpec(DATA_AXIS)))
  assert_equal_to_float32_resolution(mapped(replicate(params, mesh), sharded), whole)
  shard_losses = [phase_loss(method, phase, params, jax.tree.map(lambda a, i=i: a[8 * i:8 * i + 8], batch))[0]
                  for i in range(4)]
  assert abs(float(np.mean(shard_losses)) - float(whole)) > 1e-3


@pytest.mark.parametrize("field, value, expected", [
    ("loss.generator_updates", 0, "config.loss.generator_updates must be a positive integer"),
    ("loss.reconstruction_weight", -1.0, "config.loss.reconstruction_weight must be >= 0"),
    ("loss.latent_reconstruction_weight", -1.0, "config.loss.latent_reconstruction_weight must be >= 0"),
    ("loss.adversarial_weight", -1.0, "config.loss.adversarial_weight must be >= 0"),
    ("model.latent_dim", 1, "config.model.latent_dim must be >= 2"),
])
def test_bad_fields_are_refused_in_one_line(tiny_age, field, value, expected):
  section, name = field.split(".")
  tiny_age[section][name] = value
  with pytest.raises(ConfigError) as error:
    configuration.validate(tiny_age, 1)
  assert expected in str(error.value) and "\n" not in str(error.value)
