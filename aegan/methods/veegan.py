"""VEEGAN (Srivastava et al. 2017): a generator, a reconstructor back to the noise, and a joint
discriminator on (z, x) pairs.

Networks: generator G: (z, ε_G) -> x, with its own extra noise ε_G that is not reconstructed
(so q_γ(x|z) is stochastic); reconstructor F: x -> z; joint discriminator D(x, z) -> logit that
labels generator pairs (z, G(z)) 1 and reconstructor pairs (F(x) + σε, x) 0, ε ~ N(0, I),
i.e. samples of p_θ(z|x) = N(F(x), σ² I) with σ = `config.loss.reconstructor_noise_std`.
Its logit estimates log [q_γ(x|z) p0(z)] / [p_θ(z|x) p(x)].

Phases per iteration, on the same draws of (x, z, ε_G, ε) (Algorithm 1, step 1):
  1. discriminator:  -E[log σ(D(z, G(z)))] - E[log(1 - σ(D(F(x) + σε, x)))]         (step 2)
  2. generator and reconstructor, one loss
         Ô = E[D(z, G(z))] + E[d(z, F(G(z)))]                                      (Eq. 7)
     The D term does not depend on F, so the reconstructor follows only the reconstruction
     gradient (step 3) and the generator both (step 4). The generator minimises the raw logit
     (the "log_ratio" form, default) or, as an ablation, a non-saturating/minimax form of it;
     d is `config.loss.reconstruction`: "gaussian_nll" (−log N(z; F(G(z)), I), the authors'
     code, default), "l2" or "l1".
The authors' code updates the three networks simultaneously from one batch; here the
discriminator updates first and the generator/reconstructor phase sees the updated D.
"""

import jax
import jax.numpy as jnp
import ml_collections

from aegan import losses
from aegan.methods.base import Batch, Method, Params, Phase
from aegan.models import MLP, JointDiscriminator

RECONSTRUCTIONS = {
    "gaussian_nll": losses.gaussian_reconstruction_nll,
    "l2": losses.l2_reconstruction,
    "l1": losses.l1_reconstruction,
}


def make(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  model, loss_config = config.model, config.loss
  data_dim = int(jnp.prod(jnp.array(example_shape)))
  generator = MLP(model.generator.hidden, data_dim, model.generator.activation)
  reconstructor = MLP(model.reconstructor.hidden, model.latent_dim, model.reconstructor.activation)
  discriminator = JointDiscriminator(model.discriminator.hidden, model.discriminator.activation)
  reconstruction = RECONSTRUCTIONS[loss_config.reconstruction]
  form = loss_config.adversarial_form

  def generate(params: Params, batch: Batch) -> jax.Array:
    x = generator.apply({"params": params["generator"]}, batch["z"], batch["generator_noise"])
    return x.reshape((-1,) + example_shape)

  def reconstruct(params: Params, x: jax.Array) -> jax.Array:
    return reconstructor.apply({"params": params["reconstructor"]}, x)

  def logits(params: Params, x: jax.Array, z: jax.Array) -> jax.Array:
    return discriminator.apply({"params": params["discriminator"]}, x, z)

  def discriminator_loss(params: Params, batch: Batch):
    generator_pairs = logits(params, generate(params, batch), batch["z"])
    z_posterior = reconstruct(params, batch["x"]) + loss_config.reconstructor_noise_std * batch["eps"]
    reconstructor_pairs = logits(params, batch["x"], z_posterior)
    loss = losses.logistic_discriminator_loss(generator_pairs, reconstructor_pairs)
    return loss, {"discriminator_loss": loss}

  def generator_reconstructor_loss(params: Params, batch: Batch):
    x_gen = generate(params, batch)
    # D labels generator pairs 1, so -D is the log ratio with the reconstructor's joint as the
    # positive ("data") side; the log-ratio form of the generator loss on -D is E[D].
    adversarial = losses.generator_adversarial_loss(-logits(params, x_gen, batch["z"]), form)
    latent_reconstruction = reconstruction(batch["z"], reconstruct(params, x_gen))
    loss = adversarial + latent_reconstruction
    return loss, {"generator_adversarial": adversarial, "latent_reconstruction": latent_reconstruction}

  def sample_noise(key: jax.Array) -> dict[str, jax.Array]:
    z_key, generator_key, eps_key = jax.random.split(key, 3)
    return {
        "z": jax.random.normal(z_key, (model.latent_dim,)),
        "generator_noise": jax.random.normal(generator_key, (model.generator_noise_dim,)),
        "eps": jax.random.normal(eps_key, (model.latent_dim,)),
    }

  return Method(
      networks={"generator": generator, "reconstructor": reconstructor, "discriminator": discriminator},
      example_inputs={
          "generator": (jnp.zeros((1, model.latent_dim)), jnp.zeros((1, model.generator_noise_dim))),
          "reconstructor": (jnp.zeros((1,) + example_shape),),
          "discriminator": (jnp.zeros((1,) + example_shape), jnp.zeros((1, model.latent_dim))),
      },
      phases=(
          Phase("discriminator", ("discriminator",), discriminator_loss),
          Phase("generator", ("generator", "reconstructor"), generator_reconstructor_loss),
      ),
      sample_noise=sample_noise,
      generate=generate,
  )
