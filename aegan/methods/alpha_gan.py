"""α-GAN (Rosca et al. 2017): a VAE bound whose likelihood is a synthetic likelihood from a data
discriminator plus an L1 reconstruction, and whose posterior is implicit, judged by a code
discriminator.

Networks: encoder E: x (, ε_E) -> ẑ (deterministic unless `config.model.encoder_noise_dim` > 0
gives it noise: an implicit posterior q_η(z|x)); generator G: z -> x; data discriminator D:
x -> logit (1 = data), seeing real data, reconstructions x_rec = G(ẑ) and samples x_gen = G(z),
z ~ N(0, I); code discriminator C: z -> logit (1 = prior), an MLP without BatchNorm.

The hybrid objective maximised over θ (generator) and η (encoder) (Rosca et al. 2017, Eq. 8):
    L(θ, η) = E_q[ -λ‖x - G(ẑ)‖₁ + log D(G(ẑ)) / (1 - D(G(ẑ))) + log C(ẑ) / (1 - C(ẑ)) ]
with log D/(1 - D) the discriminator's logit. The four updates (docs/papers.md, α-GAN; the
code-discriminator orientation as corrected after arXiv v1, prior = "real"):
    encoder:        λ‖x - x_rec‖₁ + A(C(ẑ))
    generator:      λ‖x - x_rec‖₁ + A(D(x_rec)) + A(D(x_gen))
    discriminator:  -log D(x) - log(1 - D(x_rec)) - log(1 - D(x_gen))
    code discrim.:  -log C(z) - log(1 - C(ẑ))
A is the adversarial form, `config.loss.adversarial_form`: "log_ratio" (-logit, the objective's)
or "non_saturating" (-log σ(logit)); λ is `config.loss.reconstruction_weight`; ‖·‖₁ is summed
over pixels and averaged over the batch. Every A term of the encoder's and the generator's
losses is multiplied by β = `config.loss.adversarial_weight` (1.0, the paper's, in every config).

Phases per iteration: discriminator, code discriminator, then the encoder and generator
together `config.loss.generator_updates` times (the paper reports several generator/encoder
updates per discriminator update help). Repeat 0 reuses the data and noise the two
discriminators were just updated on (the train step shares a repeat index's draws between
phases); each later repeat draws fresh data and noise. The encoder and
generator update simultaneously from one loss whose gradients are exactly the two losses
above: the reconstruction's D term sees G(stop_gradient(ẑ)), so the encoder gets no gradient
from the data discriminator (and C does not depend on θ).

Ablations as config: `loss.code_discriminator = False` drops C and its update (an AE-GAN, the
encoder follows the reconstruction only); `loss.discriminate_samples = False` lets D see only
real data and reconstructions; `loss.reconstruction_weight = 0` drops the L1 term;
`loss.adversarial_weight = 0` drops every adversarial term of the encoder's and the generator's
losses (a plain autoencoder on λ‖x - x_rec‖₁, beside discriminators that still train).
"""

import jax
import jax.numpy as jnp
import ml_collections

from aegan import config_checks, losses, models
from aegan.methods.base import Batch, Method, Networks, Phase


def make(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  model, loss_config = config.model, config.loss
  dtype = models.compute_dtype(config)
  weight, form = loss_config.reconstruction_weight, loss_config.adversarial_form
  adversarial_weight = loss_config.adversarial_weight
  use_code_discriminator = loss_config.code_discriminator
  discriminate_samples = loss_config.discriminate_samples
  encoder_noise_dim = model.get("encoder_noise_dim", 0)

  def generate(nets: Networks, batch: Batch) -> jax.Array:
    return nets("generator", batch["z"]).reshape((-1,) + example_shape)

  def encode(nets: Networks, batch: Batch) -> jax.Array:
    noise = (batch["encoder_noise"],) if encoder_noise_dim else ()
    return nets("encoder", batch["x"], *noise)

  def reconstruct(nets: Networks, batch: Batch) -> jax.Array:
    return nets("generator", encode(nets, batch)).reshape((-1,) + example_shape)

  def discriminator_loss(nets: Networks, batch: Batch):
    negatives = [nets("discriminator", reconstruct(nets, batch))]
    if discriminate_samples:
      negatives.append(nets("discriminator", generate(nets, batch)))
    loss = losses.logistic_discriminator_loss(nets("discriminator", batch["x"]), *negatives)
    return loss, {"discriminator_loss": loss}

  def code_discriminator_loss(nets: Networks, batch: Batch):
    loss = losses.logistic_discriminator_loss(nets("code_discriminator", batch["z"]),
                                              nets("code_discriminator", encode(nets, batch)))
    return loss, {"code_discriminator_loss": loss}

  def encoder_generator_loss(nets: Networks, batch: Batch):
    z_hat = encode(nets, batch)
    x_rec = nets("generator", z_hat).reshape((-1,) + example_shape)
    reconstruction = losses.l1_reconstruction(batch["x"], x_rec)
    metrics = {"reconstruction_l1": reconstruction}
    loss = weight * reconstruction
    if use_code_discriminator:
      metrics["encoder_adversarial"] = losses.generator_adversarial_loss(
          nets("code_discriminator", z_hat), form)
      loss += adversarial_weight * metrics["encoder_adversarial"]
    x_rec_for_d = nets("generator", jax.lax.stop_gradient(z_hat)).reshape((-1,) + example_shape)
    metrics["generator_adversarial"] = losses.generator_adversarial_loss(
        nets("discriminator", x_rec_for_d), form)
    if discriminate_samples:
      metrics["generator_adversarial"] += losses.generator_adversarial_loss(
          nets("discriminator", generate(nets, batch)), form)
    loss += adversarial_weight * metrics["generator_adversarial"]
    return loss, metrics

  def sample_noise(key: jax.Array) -> dict[str, jax.Array]:
    z_key, encoder_key = jax.random.split(key)
    noise = {"z": jax.random.normal(z_key, (model.latent_dim,))}
    if encoder_noise_dim:
      noise["encoder_noise"] = jax.random.normal(encoder_key, (encoder_noise_dim,))
    return noise

  networks = {
      "encoder": models.make_encoder(model.encoder, model.latent_dim, dtype),
      "generator": models.make_generator(model.generator, example_shape, dtype),
      "discriminator": models.make_discriminator(model.discriminator, dtype),
  }
  example_inputs = {
      "encoder": (jnp.zeros((1,) + example_shape),) + (
          (jnp.zeros((1, encoder_noise_dim)),) if encoder_noise_dim else ()),
      "generator": (jnp.zeros((1, model.latent_dim)),),
      "discriminator": (jnp.zeros((1,) + example_shape),),
  }
  phases = [Phase("discriminator", ("discriminator",), discriminator_loss)]
  if use_code_discriminator:
    networks["code_discriminator"] = models.make_discriminator(model.code_discriminator, dtype)
    example_inputs["code_discriminator"] = (jnp.zeros((1, model.latent_dim)),)
    phases.append(Phase("code_discriminator", ("code_discriminator",), code_discriminator_loss))
  phases.append(Phase("encoder_generator", ("encoder", "generator"), encoder_generator_loss,
                      repeat=loss_config.generator_updates))
  return Method(networks=networks, example_inputs=example_inputs, phases=tuple(phases),
                sample_noise=sample_noise, generate=generate, reconstruct=reconstruct)


def validate(config: ml_collections.ConfigDict, num_devices: int) -> None:
  """Raises config_checks.ConfigError unless α-GAN can train `config`: a known adversarial
  form, a positive number of generator/encoder updates and λ, β >= 0."""
  del num_devices  # Its examples stand alone: any split over devices is the same batch.
  config_checks.adversarial_form(config)
  config_checks.positive_int(config, "loss.generator_updates")
  config_checks.non_negative(config, "loss.reconstruction_weight")
  config_checks.non_negative(config, "loss.adversarial_weight")


def recipe(config: ml_collections.ConfigDict) -> str:
  """The setting a table shows for the row: the data discriminator's rate and the schedules."""
  return config_checks.rates_recipe(config, "discriminator")
