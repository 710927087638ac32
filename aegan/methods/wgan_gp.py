"""WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", arXiv 1704.00028):
a critic trained toward the Kantorovich-Rubinstein dual of W1 with a gradient penalty.

Networks: generator G: z -> x; critic f: x -> unbounded score (the `discriminator` network
and config section, so configs and plots treat it like a GAN's discriminator). The critic has
no BatchNorm: the penalty is on each example's own input gradient, which BatchNorm's coupling of
the batch would change (Gulrajani et al. 2017, Section 4). An MLP critic has none unless asked; a
conv critic must set `batch_norm = False`; one with BatchNorm is refused.

Phases per iteration (Algorithm 1):
  1. critic, `config.loss.critic_updates` times (n_critic = 5), each on its own draws:
         L_f = E[f(G(z))] - E[f(x)] + λ E[(‖∇_x̂ f(x̂)‖₂ - 1)²],
         x̂ = εx + (1 - ε)G(z),  ε ~ U[0, 1] per example,  λ = `config.loss.gradient_penalty`
  2. generator:  L_G = -E[f(G(z))]
z ~ N(0, I) of size `config.model.latent_dim`; ε is drawn with z by `sample_noise`. The train
step shares the draws of a repeat index between phases, so the generator's step uses the first
critic step's (x, z); Algorithm 1 draws fresh z for it, a difference of which draw, not of
distribution.
"""

import jax
import jax.numpy as jnp
import ml_collections

from aegan import config_checks, losses, models
from aegan.methods.base import Batch, Method, Networks, Phase


def critic_has_batch_norm(config: ml_collections.ConfigDict) -> bool:
  """Whether `config.model.discriminator` builds a critic with BatchNorm (a conv network's
  default, an MLP's option), which WGAN-GP's per-example gradient penalty rules out."""
  critic = config.model.discriminator
  return critic.get("batch_norm", critic.get("kind", "mlp") == "conv")


def interpolate(real: jax.Array, fake: jax.Array, weights: jax.Array) -> jax.Array:
  """x̂_i = ε_i x_i + (1 - ε_i) G(z_i): one weight ε_i per example, broadcast over its axes."""
  weights = weights.reshape(weights.shape + (1,) * (real.ndim - weights.ndim))
  return weights * real + (1.0 - weights) * fake


def make(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  model, loss_config = config.model, config.loss
  dtype = models.compute_dtype(config)
  if critic_has_batch_norm(config):
    raise ValueError("WGAN-GP's critic must not use BatchNorm: set config.model.discriminator.batch_norm=False")
  penalty_weight = loss_config.gradient_penalty

  def generate(nets: Networks, batch: Batch) -> jax.Array:
    return nets("generator", batch["z"]).reshape((-1,) + example_shape)

  def critic_loss(nets: Networks, batch: Batch):
    x_gen = generate(nets, batch)
    wasserstein = losses.wasserstein_critic_loss(nets("discriminator", batch["x"]),
                                                 nets("discriminator", x_gen))
    interpolates = interpolate(batch["x"], x_gen, batch["interpolation"])
    penalty = losses.gradient_penalty(lambda x: nets("discriminator", x), interpolates)
    loss = wasserstein + penalty_weight * penalty
    return loss, {"critic_loss": loss, "wasserstein_estimate": -wasserstein,
                  "gradient_penalty": penalty}

  def generator_loss(nets: Networks, batch: Batch):
    loss = losses.wasserstein_generator_loss(nets("discriminator", generate(nets, batch)))
    return loss, {"generator_loss": loss}

  def sample_noise(key: jax.Array) -> dict[str, jax.Array]:
    z_key, interpolation_key = jax.random.split(key)
    return {"z": jax.random.normal(z_key, (model.latent_dim,)),
            "interpolation": jax.random.uniform(interpolation_key, ())}

  return Method(
      networks={
          "generator": models.make_generator(model.generator, example_shape, dtype),
          "discriminator": models.make_discriminator(model.discriminator, dtype),
      },
      example_inputs={
          "generator": (jnp.zeros((1, model.latent_dim)),),
          "discriminator": (jnp.zeros((1,) + example_shape),),
      },
      phases=(
          Phase("critic", ("discriminator",), critic_loss, repeat=loss_config.critic_updates),
          Phase("generator", ("generator",), generator_loss),
      ),
      sample_noise=sample_noise,
      generate=generate,
  )


def validate(config: ml_collections.ConfigDict, num_devices: int) -> None:
  """Raises config_checks.ConfigError unless WGAN-GP can train `config`: a positive number of
  critic updates, λ >= 0 and a critic without BatchNorm (the penalty is per example)."""
  del num_devices  # Its examples stand alone: any split over devices is the same batch.
  config_checks.positive_int(config, "loss.critic_updates")
  config_checks.non_negative(config, "loss.gradient_penalty")
  config_checks.require(not critic_has_batch_norm(config), "WGAN-GP's critic must not use "
                        "BatchNorm: set config.model.discriminator.batch_norm=False")


def recipe(config: ml_collections.ConfigDict) -> str:
  """The setting a table shows for the row: the critic's rate and the schedules."""
  return config_checks.rates_recipe(config, "discriminator")
