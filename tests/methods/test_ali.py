"""ALI and BiGAN: losses against the papers' value function computed by hand from the networks,
ALI's reparameterised encoder and BiGAN's deterministic one (every config's run:
tests/test_mixture_configs.py)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan.methods import Networks, make_method
from aegan.methods.ali import reparameterised_sample
from tests.methods.loss_helpers import apply, phase_loss, setup, setup_in_float64
from tests.precision import assert_equal_to_float32_resolution

LATENT = 4  # tiny(): latent_dim 4.


def pair_logits_by_hand(method, params, batch, stochastic):
  """D on (x, ẑ), ẑ = μ + exp(log σ) ε (ALI) or E(x) (BiGAN), and on (G(z), z)."""
  out = apply(method, params, "encoder", batch["x"])
  z_hat = out[:, :LATENT] + jnp.exp(out[:, LATENT:]) * batch["eps"] if stochastic else out
  x_gen = apply(method, params, "generator", batch["z"])
  return (apply(method, params, "discriminator", batch["x"], z_hat),
          apply(method, params, "discriminator", x_gen, batch["z"]))


def test_phases_noise_and_encoder_outputs(tiny_ali, tiny_bigan):
  ali, ali_params, ali_batch = setup(tiny_ali)
  bigan, bigan_params, bigan_batch = setup(tiny_bigan)
  for method in (ali, bigan):
    assert [(p.name, p.updates, p.repeat) for p in method.phases] == [
        ("discriminator", ("discriminator",), 1),
        ("generator_encoder", ("generator", "encoder"), 1)]
  assert ali_batch["z"].shape == ali_batch["eps"].shape == (9, LATENT)
  assert set(bigan_batch) == {"x", "z"}  # BiGAN draws no encoder noise.
  # ALI's encoder outputs a mean and a log-std per latent dimension, BiGAN's the code.
  assert apply(ali, ali_params, "encoder", ali_batch["x"]).shape == (9, 2 * LATENT)
  assert apply(bigan, bigan_params, "encoder", bigan_batch["x"]).shape == (9, LATENT)


@pytest.mark.parametrize("config_name, stochastic", [("tiny_ali", True), ("tiny_bigan", False)])
def test_discriminator_labels_encoder_pairs_one(config_name, stochastic, request, float64):
  method, params, batch = setup_in_float64(request.getfixturevalue(config_name), float64)
  d_enc, d_gen = pair_logits_by_hand(method, params, batch, stochastic)
  # ALI's value function: -E_q[log D(x, ẑ)] - E_p[log(1 - D(G(z), z))].
  expected = jnp.mean(jax.nn.softplus(-d_enc)) + jnp.mean(jax.nn.softplus(d_gen))
  loss, metrics = phase_loss(method, 0, params, batch)
  assert_equal_to_float32_resolution(loss, expected)
  assert_equal_to_float32_resolution(metrics["discriminator_loss"], expected)


@pytest.mark.parametrize("config_name, stochastic", [("tiny_ali", True), ("tiny_bigan", False)])
def test_generator_and_encoder_take_the_flipped_labels(config_name, stochastic, request, float64):
  config = request.getfixturevalue(config_name)
  assert config.loss.adversarial_form == "non_saturating"
  method, params, batch = setup_in_float64(config, float64)
  d_enc, d_gen = pair_logits_by_hand(method, params, batch, stochastic)
  # -E[log(1 - D(x, ẑ))] - E[log D(G(z), z)], the authors' generator loss.
  expected = jnp.mean(jax.nn.softplus(d_enc)) + jnp.mean(jax.nn.softplus(-d_gen))
  loss, metrics = phase_loss(method, 1, params, batch)
  assert_equal_to_float32_resolution(loss, expected)
  assert_equal_to_float32_resolution(metrics["generator_encoder_loss"], expected)
  config.loss.adversarial_form = "log_ratio"
  method = make_method(config, (2,))
  # A difference of mean logits of either sign: its rounding is relative to their magnitudes.
  assert_equal_to_float32_resolution(phase_loss(method, 1, params, batch)[0],
                                     jnp.mean(d_enc) - jnp.mean(d_gen),
                                     jnp.mean(jnp.abs(d_enc)) + jnp.mean(jnp.abs(d_gen)))


def test_reparameterised_sample_by_hand():
  # μ = (1, -1), log σ = (log 2, 0), ε = (0.5, 3): ẑ = (1 + 2·0.5, -1 + 1·3) = (2, 2).
  output = jnp.array([[1.0, -1.0, jnp.log(2.0), 0.0]])
  eps = jnp.array([[0.5, 3.0]])
  np.testing.assert_allclose(reparameterised_sample(output, eps), [[2.0, 2.0]], rtol=1e-6)
  # ∂ẑ_j/∂μ_j = 1 and ∂ẑ_j/∂log σ_j = σ_j ε_j = (1, 3).
  grad = jax.grad(lambda o: jnp.sum(reparameterised_sample(o, eps)))(output)
  np.testing.assert_allclose(grad, [[1.0, 1.0, 1.0, 3.0]], rtol=1e-6)


def test_ali_gradients_reach_the_mean_and_the_log_std(tiny_ali):
  method, params, batch = setup(tiny_ali)
  grads = jax.grad(lambda p: phase_loss(method, 1, p, batch)[0])(params)
  last_layer = max((k for k in grads["encoder"] if k.startswith("Dense_")), key=lambda k: int(k[6:]))
  kernel = np.asarray(grads["encoder"][last_layer]["kernel"])  # [hidden, 2·latent]
  assert kernel.shape[1] == 2 * LATENT
  assert np.all(np.abs(kernel[:, :LATENT]).sum(axis=0) > 0)  # every mean output
  assert np.all(np.abs(kernel[:, LATENT:]).sum(axis=0) > 0)  # every log-std output
  # With ε = 0 the sample is the mean: the log-std gets no gradient.
  zero_eps = dict(batch, eps=jnp.zeros_like(batch["eps"]))
  grads = jax.grad(lambda p: phase_loss(method, 1, p, zero_eps)[0])(params)
  np.testing.assert_array_equal(grads["encoder"][last_layer]["kernel"][:, LATENT:], 0.0)


def test_ali_encoder_is_stochastic_and_reconstructs_through_the_mean(tiny_ali):
  """`reconstruct` applies the encoder and the generator op by op, as the test does, to the same
  rows: the same compiled operations on the same inputs, equal exactly."""
  method, params, batch = setup(tiny_ali)
  other = dict(batch, eps=batch["eps"] + 1.0)
  assert not np.allclose(phase_loss(method, 0, params, batch)[0], phase_loss(method, 0, params, other)[0])
  nets = Networks(method.networks, params, {}, train=False)
  mean = apply(method, params, "encoder", batch["x"])[:, :LATENT]
  expected = apply(method, params, "generator", mean)
  np.testing.assert_array_equal(method.reconstruct(nets, batch), expected)
  np.testing.assert_array_equal(method.reconstruct(nets, other), expected)


def test_bigan_encoder_is_deterministic(tiny_bigan, float64):
  """`reconstruct` is G(E(x)) op by op, as the test applies it: equal exactly. The loss against
  its sums by hand, which group them otherwise, in float64: equal to float32's resolution."""
  method, params, batch = setup_in_float64(tiny_bigan, float64)
  nets = Networks(method.networks, params, {}, train=False)
  code = apply(method, params, "encoder", batch["x"])
  np.testing.assert_array_equal(method.reconstruct(nets, batch),
                                apply(method, params, "generator", code))
  # Its pairs are (x, E(x)) and (G(z), z): the losses depend on x and z alone.
  d_enc = apply(method, params, "discriminator", batch["x"], code)
  d_gen = apply(method, params, "discriminator", apply(method, params, "generator", batch["z"]), batch["z"])
  assert_equal_to_float32_resolution(phase_loss(method, 0, params, batch)[0],
                                     jnp.mean(jax.nn.softplus(-d_enc)) + jnp.mean(jax.nn.softplus(d_gen)))
