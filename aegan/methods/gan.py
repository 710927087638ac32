"""GAN (Goodfellow et al. 2014): a logistic discriminator and a generator.

Networks: generator G: z -> x, discriminator D: x -> logit (1 = data).
Phases per iteration:
  1. discriminator:  -E[log σ(D(x))] - E[log(1 - σ(D(G(z))))]
  2. generator:      the adversarial term on D(G(z)), non-saturating -E[log σ(D(G(z)))] by
                     default (`config.loss.adversarial_form`).
z ~ N(0, I) of size `config.model.latent_dim`.
"""

import jax
import jax.numpy as jnp
import ml_collections

from aegan import losses
from aegan.methods.base import Batch, Method, Params, Phase
from aegan.models import MLP


def make(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  model = config.model
  data_dim = int(jnp.prod(jnp.array(example_shape)))
  generator = MLP(model.generator.hidden, data_dim, model.generator.activation)
  discriminator = MLP(model.discriminator.hidden, 1, model.discriminator.activation)
  form = config.loss.adversarial_form

  def generate(params: Params, batch: Batch) -> jax.Array:
    x = generator.apply({"params": params["generator"]}, batch["z"])
    return x.reshape((-1,) + example_shape)

  def logits(params: Params, x: jax.Array) -> jax.Array:
    return discriminator.apply({"params": params["discriminator"]}, x)[:, 0]

  def discriminator_loss(params: Params, batch: Batch):
    loss = losses.logistic_discriminator_loss(
        logits(params, batch["x"]), logits(params, generate(params, batch)))
    return loss, {"discriminator_loss": loss}

  def generator_loss(params: Params, batch: Batch):
    loss = losses.generator_adversarial_loss(logits(params, generate(params, batch)), form)
    return loss, {"generator_loss": loss}

  def sample_noise(key: jax.Array) -> dict[str, jax.Array]:
    return {"z": jax.random.normal(key, (model.latent_dim,))}

  return Method(
      networks={"generator": generator, "discriminator": discriminator},
      example_inputs={
          "generator": (jnp.zeros((1, model.latent_dim)),),
          "discriminator": (jnp.zeros((1,) + example_shape),),
      },
      phases=(
          Phase("discriminator", ("discriminator",), discriminator_loss),
          Phase("generator", ("generator",), generator_loss),
      ),
      sample_noise=sample_noise,
      generate=generate,
  )
