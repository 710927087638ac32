"""α-GAN's four updates against the losses of docs/papers.md (α-GAN) computed by hand from the networks,
and where each update's gradient goes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan import configuration
from aegan.config_checks import ConfigError
from aegan.methods import Networks
from tests.methods.loss_helpers import apply, setup, setup_in_float64
from tests.precision import assert_equal_to_float32_resolution

softplus = jax.nn.softplus


def phase_loss(method, name, params, batch):
  (phase,) = [p for p in method.phases if p.name == name]
  return phase.loss(Networks(method.networks, params, {}, train=True), batch)


def terms(method, params, batch):
  """Every network output the losses use, by hand."""
  z_hat = apply(method, params, "encoder", batch["x"])
  x_rec = apply(method, params, "generator", z_hat)
  x_gen = apply(method, params, "generator", batch["z"])
  d = lambda x: apply(method, params, "discriminator", x)
  c = lambda z: apply(method, params, "code_discriminator", z)
  return dict(z_hat=z_hat, x_rec=x_rec, d_x=d(batch["x"]), d_rec=d(x_rec), d_gen=d(x_gen),
              c_prior=c(batch["z"]), c_post=c(z_hat),
              l1=jnp.mean(jnp.sum(jnp.abs(batch["x"] - x_rec), axis=1)))


def test_phases_networks_and_repeats(tiny_alpha_gan):
  tiny_alpha_gan.loss.generator_updates = 3
  method, params, batch = setup(tiny_alpha_gan)
  assert [(p.name, p.updates, p.repeat) for p in method.phases] == [
      ("discriminator", ("discriminator",), 1),
      ("code_discriminator", ("code_discriminator",), 1),
      ("encoder_generator", ("encoder", "generator"), 3)]
  assert set(params) == {"encoder", "generator", "discriminator", "code_discriminator"}
  assert batch["z"].shape == (9, 4) and "encoder_noise" not in batch


def test_discriminator_sees_data_reconstructions_and_samples(tiny_alpha_gan, float64):
  method, params, batch = setup_in_float64(tiny_alpha_gan, float64)
  t = terms(method, params, batch)
  expected = (jnp.mean(softplus(-t["d_x"])) + jnp.mean(softplus(t["d_rec"]))
              + jnp.mean(softplus(t["d_gen"])))
  loss, metrics = phase_loss(method, "discriminator", params, batch)
  assert_equal_to_float32_resolution(loss, expected)
  assert_equal_to_float32_resolution(metrics["discriminator_loss"], expected)


def test_code_discriminator_says_one_for_the_prior(tiny_alpha_gan, float64):
  method, params, batch = setup_in_float64(tiny_alpha_gan, float64)
  t = terms(method, params, batch)
  loss, _ = phase_loss(method, "code_discriminator", params, batch)
  # -log C(z) - log(1 - C(E(x))): the corrected orientation (prior = "real").
  assert_equal_to_float32_resolution(
      loss, jnp.mean(softplus(-t["c_prior"])) + jnp.mean(softplus(t["c_post"])))
  # Raising C's output bias lowers the loss on prior codes and raises it on posterior codes.
  grads = jax.grad(lambda p: phase_loss(method, "code_discriminator", p, batch)[0])(params)
  layers = grads["code_discriminator"]["MLP_0"]
  bias_grad = layers[f"Dense_{len(layers) - 1}"]["bias"][0]  # The output layer's.
  expected_bias_grad = jnp.mean(-jax.nn.sigmoid(-t["c_prior"])) + jnp.mean(jax.nn.sigmoid(t["c_post"]))
  # The two means have opposite signs: the sum's rounding is relative to their sizes.
  assert_equal_to_float32_resolution(
      bias_grad, expected_bias_grad,
      jnp.mean(jax.nn.sigmoid(-t["c_prior"])) + jnp.mean(jax.nn.sigmoid(t["c_post"])))


@pytest.mark.parametrize("form, per_example", [
    ("log_ratio", lambda logits: -logits),
    ("non_saturating", lambda logits: softplus(-logits))])
def test_encoder_generator_loss_is_the_sum_of_the_papers_terms(tiny_alpha_gan, form, per_example,
                                                               float64):
  """A(logits) = mean(per_example(logits)). The log-ratio form's terms have either sign and
  its means may nearly cancel: each sum's rounding is relative to its terms' sizes, the
  means of their magnitudes."""
  tiny_alpha_gan.loss.adversarial_form = form
  tiny_alpha_gan.loss.reconstruction_weight = 0.7
  method, params, batch = setup_in_float64(tiny_alpha_gan, float64)
  t = terms(method, params, batch)
  adversarial = lambda logits: jnp.mean(per_example(logits))
  size = lambda logits: jnp.mean(jnp.abs(per_example(logits)))
  loss, metrics = phase_loss(method, "encoder_generator", params, batch)
  assert_equal_to_float32_resolution(metrics["reconstruction_l1"], t["l1"])
  assert_equal_to_float32_resolution(metrics["encoder_adversarial"], adversarial(t["c_post"]),
                                     size(t["c_post"]))
  assert_equal_to_float32_resolution(metrics["generator_adversarial"],
                                     adversarial(t["d_rec"]) + adversarial(t["d_gen"]),
                                     size(t["d_rec"]) + size(t["d_gen"]))
  assert_equal_to_float32_resolution(
      loss, 0.7 * t["l1"] + adversarial(t["c_post"]) + adversarial(t["d_rec"]) + adversarial(t["d_gen"]),
      0.7 * t["l1"] + size(t["c_post"]) + size(t["d_rec"]) + size(t["d_gen"]))


def test_each_network_follows_only_its_own_loss(tiny_alpha_gan, float64):
  """Encoder: λ‖x - G(E(x))‖₁ + A(C(E(x))), no gradient from D (neither the reconstruction's nor
  the samples' term). Generator: λ‖x - G(E(x))‖₁ + A(D(G(E(x)))) + A(D(G(z))). In float64
  (tests/conftest.py `float64`), where the phase's gradient and the one by hand differ only in
  how their sums are grouped: equal to float32's resolution (tests/precision.py)."""
  method, params, batch = setup_in_float64(tiny_alpha_gan, float64)

  def by_hand(p, network):
    t = terms(method, p, batch)
    if network == "encoder":
      return t["l1"] - jnp.mean(t["c_post"])
    return t["l1"] - jnp.mean(t["d_rec"]) - jnp.mean(t["d_gen"])

  grads = jax.grad(lambda p: phase_loss(method, "encoder_generator", p, batch)[0])(params)
  for network in ("encoder", "generator"):
    expected = jax.grad(by_hand)(params, network)[network]
    assert_equal_to_float32_resolution(grads[network], expected)
  # The D term alone would move the encoder: the routing above is not vacuous.
  through_d = jax.grad(lambda p: -jnp.mean(terms(method, p, batch)["d_rec"]))(params)["encoder"]
  assert max(float(jnp.abs(g).max()) for g in jax.tree.leaves(through_d)) > 1e-4


def test_ablations_are_config(tiny_alpha_gan, float64):
  tiny_alpha_gan.loss.update(code_discriminator=False, discriminate_samples=False,
                             reconstruction_weight=0.0)
  method, params, batch = setup_in_float64(tiny_alpha_gan, float64)
  assert [p.name for p in method.phases] == ["discriminator", "encoder_generator"]
  assert "code_discriminator" not in params
  z_hat = apply(method, params, "encoder", batch["x"])
  d = lambda x: apply(method, params, "discriminator", x)
  x_rec = apply(method, params, "generator", z_hat)
  loss, _ = phase_loss(method, "discriminator", params, batch)
  assert_equal_to_float32_resolution(
      loss, jnp.mean(softplus(-d(batch["x"]))) + jnp.mean(softplus(d(x_rec))))
  loss, metrics = phase_loss(method, "encoder_generator", params, batch)
  # λ = 0: adversarial only; the logits have either sign, so relative to their mean magnitude.
  assert_equal_to_float32_resolution(loss, -jnp.mean(d(x_rec)), jnp.mean(jnp.abs(d(x_rec))))
  assert "encoder_adversarial" not in metrics


@pytest.mark.parametrize("weight", [0.0, 0.5])
def test_adversarial_weight_scales_every_adversarial_term_of_encoder_and_generator(tiny_alpha_gan, weight,
                                                                                   float64):
  """β = `loss.adversarial_weight`: the loss is λ‖x - x_rec‖₁ + β(A(C(ẑ)) + A(D(x_rec)) + A(D(x_gen)));
  β = 0 is exactly the autoencoder's loss (the learning floors' α-GAN ablation), and its
  gradients are the L1 term's alone. In float64 (tests/conftest.py `float64`), where the
  phase's values and those by hand differ only in how their sums are grouped: equal to
  float32's resolution (tests/precision.py)."""
  tiny_alpha_gan.loss.update(reconstruction_weight=0.7, adversarial_weight=weight)
  method, params, batch = setup_in_float64(tiny_alpha_gan, float64)
  loss, metrics = phase_loss(method, "encoder_generator", params, batch)
  adversarial = metrics["encoder_adversarial"] + metrics["generator_adversarial"]
  assert abs(float(adversarial)) > 1e-3  # The terms that β scales are there to scale.
  if weight == 0.0:
    np.testing.assert_array_equal(loss, 0.7 * metrics["reconstruction_l1"])
    grads = jax.grad(lambda p: phase_loss(method, "encoder_generator", p, batch)[0])(params)
    l1_grads = jax.grad(lambda p: 0.7 * terms(method, p, batch)["l1"])(params)
    for network in ("encoder", "generator"):
      assert_equal_to_float32_resolution(grads[network], l1_grads[network])
  else:
    # The adversarial terms have either sign: the sum's rounding is relative to their sizes.
    assert_equal_to_float32_resolution(
        loss, 0.7 * metrics["reconstruction_l1"] + weight * adversarial,
        0.7 * metrics["reconstruction_l1"] + weight * (abs(metrics["encoder_adversarial"])
                                                       + abs(metrics["generator_adversarial"])))


def test_a_negative_adversarial_weight_is_refused_in_one_line(tiny_alpha_gan):
  tiny_alpha_gan.loss.adversarial_weight = -1.0
  with pytest.raises(ConfigError) as error:
    configuration.validate(tiny_alpha_gan, 1)
  assert str(error.value) == "config.loss.adversarial_weight must be >= 0, got -1.0"


def test_encoder_noise_makes_the_posterior_implicit(tiny_alpha_gan):
  tiny_alpha_gan.model.encoder_noise_dim = 3
  method, params, batch = setup(tiny_alpha_gan)
  assert batch["encoder_noise"].shape == (9, 3)
  nets = Networks(method.networks, params, {}, train=False)
  other = dict(batch, encoder_noise=batch["encoder_noise"] + 1.0)
  assert not np.allclose(method.reconstruct(nets, batch), method.reconstruct(nets, other))
