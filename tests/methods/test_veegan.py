"""VEEGAN's losses against Algorithm 1 computed by hand from the networks."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan import configuration, losses
from aegan.config_checks import ConfigError
from aegan.methods import Networks
from tests.methods.loss_helpers import apply, phase_loss, setup, setup_in_float64
from tests.precision import assert_equal_to_float32_resolution


def test_phases_and_noise_shapes(tiny_veegan):
  method, params, batch = setup(tiny_veegan)
  assert [(p.name, p.updates) for p in method.phases] == [
      ("discriminator", ("discriminator",)), ("generator", ("generator", "reconstructor"))]
  assert batch["z"].shape == (9, 4) and batch["eps"].shape == (9, 4)
  assert batch["generator_noise"].shape == (9, 1)
  # The reconstructor maps data back to z alone: the generator's own noise is not reconstructed.
  assert apply(method, params, "reconstructor", batch["x"]).shape == (9, 4)
  # ... and that noise makes q(x|z) stochastic.
  nets = Networks(method.networks, params, {}, train=False)
  other = dict(batch, generator_noise=batch["generator_noise"] + 1.0)
  assert not np.allclose(method.generate(nets, batch), method.generate(nets, other))


def test_discriminator_loss_labels_generator_pairs_one(tiny_veegan, float64):
  tiny_veegan.loss.reconstructor_noise_std = 0.5
  method, params, batch = setup_in_float64(tiny_veegan, float64)
  x_gen = apply(method, params, "generator", batch["z"], batch["generator_noise"])
  z_post = apply(method, params, "reconstructor", batch["x"]) + 0.5 * batch["eps"]
  d_gen = apply(method, params, "discriminator", x_gen, batch["z"])
  d_rec = apply(method, params, "discriminator", batch["x"], z_post)
  expected = jnp.mean(jax.nn.softplus(-d_gen)) + jnp.mean(jax.nn.softplus(d_rec))
  loss, metrics = phase_loss(method, 0, params, batch)
  assert_equal_to_float32_resolution(loss, expected)
  assert_equal_to_float32_resolution(metrics["discriminator_loss"], expected)


@pytest.mark.parametrize("reconstruction, term", [
    ("l2", losses.l2_reconstruction), ("gaussian_nll", losses.gaussian_reconstruction_nll)])
def test_generator_minimises_the_raw_logit_plus_latent_reconstruction(tiny_veegan, reconstruction, term,
                                                                      float64):
  """The raw logits have either sign: the adversarial mean's and the loss's rounding are
  relative to the logits' mean magnitude (plus the non-negative reconstruction term)."""
  tiny_veegan.loss.reconstruction = reconstruction
  method, params, batch = setup_in_float64(tiny_veegan, float64)
  x_gen = apply(method, params, "generator", batch["z"], batch["generator_noise"])
  d_gen = apply(method, params, "discriminator", x_gen, batch["z"])
  z_rec = apply(method, params, "reconstructor", x_gen)
  expected_reconstruction = term(batch["z"], z_rec)
  loss, metrics = phase_loss(method, 1, params, batch)
  size = jnp.mean(jnp.abs(d_gen))
  assert_equal_to_float32_resolution(metrics["generator_adversarial"], jnp.mean(d_gen), size)
  assert_equal_to_float32_resolution(metrics["latent_reconstruction"], expected_reconstruction)
  assert_equal_to_float32_resolution(loss, jnp.mean(d_gen) + expected_reconstruction,
                                     size + expected_reconstruction)


def test_reconstructor_follows_only_the_reconstruction_gradient(tiny_veegan, float64):
  """The loss's gradient is the sum of its terms' (differentiation is linear), which the
  computation groups otherwise: in float64 (tests/conftest.py `float64`) equal to float32's
  resolution (tests/precision.py)."""
  method, params, batch = setup_in_float64(tiny_veegan, float64)
  total = jax.grad(lambda p: phase_loss(method, 1, p, batch)[0])(params)
  reconstruction_only = jax.grad(lambda p: phase_loss(method, 1, p, batch)[1]["latent_reconstruction"])(params)
  adversarial_only = jax.grad(lambda p: phase_loss(method, 1, p, batch)[1]["generator_adversarial"])(params)
  assert_equal_to_float32_resolution(total["reconstructor"], reconstruction_only["reconstructor"])
  # The generator gets both terms, and the adversarial one is not zero.
  assert_equal_to_float32_resolution(
      total["generator"], jax.tree.map(np.add, reconstruction_only["generator"],
                                       adversarial_only["generator"]))
  assert any(float(jnp.abs(g).max()) > 0 for g in jax.tree.leaves(adversarial_only["generator"]))


def test_latent_reconstruction_weight_zero_leaves_the_adversarial_term_alone(tiny_veegan, float64):
  """`loss.latent_reconstruction_weight` multiplies d(z, F(G(z))); 0 (the learning floors'
  VEEGAN ablation) leaves exactly the adversarial term, and the reconstructor no gradient."""
  tiny_veegan.loss.latent_reconstruction_weight = 0.0
  method, params, batch = setup(tiny_veegan)
  loss, metrics = phase_loss(method, 1, params, batch)
  assert float(metrics["latent_reconstruction"]) > 1e-3  # The term removed is not zero itself.
  np.testing.assert_array_equal(loss, metrics["generator_adversarial"])
  grads = jax.grad(lambda p: phase_loss(method, 1, p, batch)[0])(params)
  assert all(float(jnp.abs(g).max()) == 0.0 for g in jax.tree.leaves(grads["reconstructor"]))
  tiny_veegan.loss.latent_reconstruction_weight = 2.5
  method, params, batch = setup_in_float64(tiny_veegan, float64)
  loss, metrics = phase_loss(method, 1, params, batch)
  # The adversarial term (a mean logit) has either sign: relative to the terms' sizes.
  assert_equal_to_float32_resolution(
      loss, metrics["generator_adversarial"] + 2.5 * metrics["latent_reconstruction"],
      abs(metrics["generator_adversarial"]) + 2.5 * metrics["latent_reconstruction"])


def test_a_negative_latent_reconstruction_weight_is_refused_in_one_line(tiny_veegan):
  tiny_veegan.loss.latent_reconstruction_weight = -1.0
  with pytest.raises(ConfigError) as error:
    configuration.validate(tiny_veegan, 1)
  assert str(error.value) == "config.loss.latent_reconstruction_weight must be >= 0, got -1.0"


def test_reconstruction_and_form_are_config_choices(tiny_veegan, float64):
  tiny_veegan.loss.reconstruction = "l1"
  tiny_veegan.loss.adversarial_form = "non_saturating"
  method, params, batch = setup_in_float64(tiny_veegan, float64)
  x_gen = apply(method, params, "generator", batch["z"], batch["generator_noise"])
  d_gen = apply(method, params, "discriminator", x_gen, batch["z"])
  z_rec = apply(method, params, "reconstructor", x_gen)
  _, metrics = phase_loss(method, 1, params, batch)
  assert_equal_to_float32_resolution(metrics["latent_reconstruction"],
                                     jnp.mean(jnp.sum(jnp.abs(batch["z"] - z_rec), axis=1)))
  # -D is the log ratio with data as the positive side: non-saturating is softplus(D).
  assert_equal_to_float32_resolution(metrics["generator_adversarial"], jnp.mean(jax.nn.softplus(d_gen)))
