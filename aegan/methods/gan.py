"""GAN (Goodfellow et al. 2014) and DCGAN (Radford et al. 2016, with conv networks): a logistic
discriminator and a generator.

Networks: generator G: z -> x, discriminator D: x -> logit (1 = data).
Phases per iteration:
  1. discriminator, `config.loss.discriminator_updates` times (k, default 1; Goodfellow et al.
     2014, Algorithm 1), each on its own draws of (x, z):
                     -E[log σ(D(x))] - E[log(1 - σ(D(G(z))))]
  2. generator, `config.loss.generator_updates` times (default 1), every time on the first
     discriminator update's draws (the same z: VEEGAN's Stacked-MNIST DCGAN updates its
     generator twice per discriminator update "to make sure that d_loss does not go to zero",
     PacGAN's VEEGAN_experiment/model.py:202-212):
                     the adversarial term on D(G(z)), non-saturating -E[log σ(D(G(z)))] by
                     default (`config.loss.adversarial_form`).
z of size `config.model.latent_dim`, from `config.model.prior`: "normal", N(0, I) (default), or
"uniform", U(-1, 1)^d (carpedm20's DCGAN, the reference code of VEEGAN's Stacked-MNIST setting).
"""

import jax
import jax.numpy as jnp
import ml_collections

from aegan import config_checks, losses, models
from aegan.methods.base import Batch, Method, Networks, Phase

# config.model.prior -> (key, shape) -> z.
PRIORS = {"normal": jax.random.normal,
          "uniform": lambda key, shape: jax.random.uniform(key, shape, minval=-1.0, maxval=1.0)}


def make(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  model = config.model
  dtype = models.compute_dtype(config)
  form = config.loss.adversarial_form

  def generate(nets: Networks, batch: Batch) -> jax.Array:
    return nets("generator", batch["z"]).reshape((-1,) + example_shape)

  def discriminator_loss(nets: Networks, batch: Batch):
    loss = losses.logistic_discriminator_loss(
        nets("discriminator", batch["x"]), nets("discriminator", generate(nets, batch)))
    return loss, {"discriminator_loss": loss}

  def generator_loss(nets: Networks, batch: Batch):
    loss = losses.generator_adversarial_loss(nets("discriminator", generate(nets, batch)), form)
    return loss, {"generator_loss": loss}

  def sample_noise(key: jax.Array) -> dict[str, jax.Array]:
    return {"z": PRIORS[model.get("prior", "normal")](key, (model.latent_dim,))}

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
          Phase("discriminator", ("discriminator",), discriminator_loss,
                repeat=config.loss.get("discriminator_updates", 1)),
          Phase("generator", ("generator",), generator_loss,
                repeat=config.loss.get("generator_updates", 1), same_draws=True),
      ),
      sample_noise=sample_noise,
      generate=generate,
  )


def validate(config: ml_collections.ConfigDict, num_devices: int) -> None:
  """Raises config_checks.ConfigError unless GAN can train `config`: a known adversarial form
  and prior, and positive numbers of discriminator and generator updates."""
  del num_devices  # Its examples stand alone: any split over devices is the same batch.
  config_checks.adversarial_form(config)
  config_checks.discriminator_updates(config)
  if "generator_updates" in config.loss:
    config_checks.positive_int(config, "loss.generator_updates")
  check_prior(config)


def check_prior(config: ml_collections.ConfigDict) -> None:
  """Raises config_checks.ConfigError unless `config.model.prior` (if set) is one of PRIORS."""
  prior = config.model.get("prior", "normal")
  config_checks.require(prior in PRIORS,
                        f"unknown config.model.prior {prior!r}; choose one of {list(PRIORS)}")


def recipe(config: ml_collections.ConfigDict) -> str:
  """The setting a table shows for the row: the discriminator's rate and the schedules."""
  return config_checks.rates_recipe(config, "discriminator")
