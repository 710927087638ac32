"""ALI (Dumoulin et al. 2017, arXiv 1606.00704) and BiGAN (Donahue et al. 2017, arXiv 1605.09782):
a generator, an encoder, and a joint discriminator on (x, z) pairs.

Networks: generator G: z -> x; encoder E: x -> z; joint discriminator D(x, z) -> logit.
  ALI's encoder is a reparameterised Gaussian q(z|x) = N(μ(x), diag σ(x)²): E outputs
  2·latent_dim values, the mean μ then the log-std log σ (the authors' code, ali/bricks.py),
  and ẑ = μ(x) + σ(x) ⊙ ε with ε ~ N(0, I) drawn per example by `sample_noise`, so gradients
  reach both halves. BiGAN's encoder is deterministic, ẑ = E(x).
z ~ N(0, I) of size `config.model.latent_dim`.

Sign convention: D labels encoder pairs (x, E(x)) 1 ("data") and generator pairs (G(z), z) 0,
as both papers write the game (ALI's and BiGAN's value functions): its logit estimates
log q(x) q(z|x) / p(z) p(x|z). VEEGAN's discriminator (aegan/methods/veegan.py) is the
opposite: it labels the generator pairs (z, G(z)) 1.

Phases per iteration, on the same draws of (x, z, ε):
  1. discriminator:          -E[log σ(D(x, ẑ))] - E[log(1 - σ(D(G(z), z)))]
     `config.loss.discriminator_updates` times (k, default 1), each on its own draws; phase 2
     then uses the first update's draws (the train step shares a repeat index's draws).
  2. generator and encoder, one loss against the flipped labels (BiGAN: training with the
     labels inverted; ALI's code, ali/bricks.py `compute_losses`), in the form
     `config.loss.adversarial_form`, by default non-saturating as in the ALI authors' code:
         -E[log σ(D(G(z), z))] - E[log(1 - σ(D(x, ẑ)))]
     (losses.bidirectional_generator_loss). The ALI authors' code (ali/algorithms.py) updates
     D and (G, E) simultaneously from one batch; here D updates first and the second phase
     sees the updated D, as in every method of this package.

`reconstruct` is G(E(x)): for ALI G(μ(x)), the posterior mean rather than a sample (the
authors' `reconstruct(in_expectation=True)`), so reconstructions are deterministic.
"""

import jax
import jax.numpy as jnp
import ml_collections

from aegan import config_checks, losses, models
from aegan.methods.base import Batch, Method, Networks, Phase


def gaussian_mean_and_log_std(encoder_output: jax.Array) -> tuple[jax.Array, jax.Array]:
  """Splits ALI's encoder output [B, 2M] into the mean [B, M] and the log-std [B, M]."""
  mean, log_std = jnp.split(encoder_output, 2, axis=-1)
  return mean, log_std


def reparameterised_sample(encoder_output: jax.Array, eps: jax.Array) -> jax.Array:
  """ẑ = μ + exp(log σ) ⊙ ε: a sample of N(μ, diag σ²) differentiable in μ and log σ
  (Kingma & Welling 2014; used by ALI's encoder). `eps` ~ N(0, I) has the shape of μ."""
  mean, log_std = gaussian_mean_and_log_std(encoder_output)
  return mean + jnp.exp(log_std) * eps


def make_ali(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  """ALI: the encoder is a reparameterised Gaussian."""
  return _make(config, example_shape, stochastic_encoder=True)


def make_bigan(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  """BiGAN: the encoder is deterministic."""
  return _make(config, example_shape, stochastic_encoder=False)


def _make(config: ml_collections.ConfigDict, example_shape: tuple[int, ...],
          stochastic_encoder: bool) -> Method:
  model = config.model
  dtype = models.compute_dtype(config)
  form = config.loss.adversarial_form
  encoder_outputs = 2 * model.latent_dim if stochastic_encoder else model.latent_dim

  def generate(nets: Networks, batch: Batch) -> jax.Array:
    return nets("generator", batch["z"]).reshape((-1,) + example_shape)

  def encode(nets: Networks, batch: Batch) -> jax.Array:
    """ẑ ~ q(z|x): a reparameterised sample (ALI) or E(x) (BiGAN)."""
    output = nets("encoder", batch["x"])
    return reparameterised_sample(output, batch["eps"]) if stochastic_encoder else output

  def reconstruct(nets: Networks, batch: Batch) -> jax.Array:
    """G(E(x)), through the posterior mean μ(x) for ALI."""
    output = nets("encoder", batch["x"])
    z = gaussian_mean_and_log_std(output)[0] if stochastic_encoder else output
    return nets("generator", z).reshape((-1,) + example_shape)

  def pair_logits(nets: Networks, batch: Batch) -> tuple[jax.Array, jax.Array]:
    """D on the encoder pairs (x, ẑ) and on the generator pairs (G(z), z)."""
    encoder_pairs = nets("discriminator", batch["x"], encode(nets, batch))
    generator_pairs = nets("discriminator", generate(nets, batch), batch["z"])
    return encoder_pairs, generator_pairs

  def discriminator_loss(nets: Networks, batch: Batch):
    loss = losses.logistic_discriminator_loss(*pair_logits(nets, batch))
    return loss, {"discriminator_loss": loss}

  def generator_encoder_loss(nets: Networks, batch: Batch):
    loss = losses.bidirectional_generator_loss(*pair_logits(nets, batch), form)
    return loss, {"generator_encoder_loss": loss}

  def sample_noise(key: jax.Array) -> dict[str, jax.Array]:
    z_key, eps_key = jax.random.split(key)
    noise = {"z": jax.random.normal(z_key, (model.latent_dim,))}
    if stochastic_encoder:
      noise["eps"] = jax.random.normal(eps_key, (model.latent_dim,))
    return noise

  return Method(
      networks={
          "generator": models.make_generator(model.generator, example_shape, dtype),
          "encoder": models.make_encoder(model.encoder, encoder_outputs, dtype),
          "discriminator": models.make_joint_discriminator(model.discriminator, dtype),
      },
      example_inputs={
          "generator": (jnp.zeros((1, model.latent_dim)),),
          "encoder": (jnp.zeros((1,) + example_shape),),
          "discriminator": (jnp.zeros((1,) + example_shape), jnp.zeros((1, model.latent_dim))),
      },
      phases=(
          Phase("discriminator", ("discriminator",), discriminator_loss,
                repeat=config.loss.get("discriminator_updates", 1)),
          Phase("generator_encoder", ("generator", "encoder"), generator_encoder_loss),
      ),
      sample_noise=sample_noise,
      generate=generate,
      reconstruct=reconstruct,
  )


def validate(config: ml_collections.ConfigDict, num_devices: int) -> None:
  """Raises config_checks.ConfigError unless ALI/BiGAN can train `config`: a known adversarial
  form and a positive number of discriminator updates."""
  del num_devices  # Its examples stand alone: any split over devices is the same batch.
  config_checks.adversarial_form(config)
  config_checks.discriminator_updates(config)


def recipe(config: ml_collections.ConfigDict) -> str:
  """The setting a table shows for the row: the joint discriminator's rate and the schedules."""
  return config_checks.rates_recipe(config, "discriminator")
