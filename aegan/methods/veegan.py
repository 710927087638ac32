"""VEEGAN (Srivastava et al. 2017): a generator, a reconstructor back to the noise, and a joint
discriminator on (z, x) pairs.

Networks (MLPs on vectors, DCGAN-family conv nets on images; see aegan.models): generator
G: (z, ε_G) -> x, with its own extra noise ε_G that is not reconstructed
(so q_γ(x|z) is stochastic); reconstructor F: x -> z; joint discriminator D(x, z) -> logit that
labels generator pairs (z, G(z)) 1 and reconstructor pairs (F(x) + σε, x) 0, ε ~ N(0, I),
i.e. samples of p_θ(z|x) = N(F(x), σ² I) with σ = `config.loss.reconstructor_noise_std`.
Its logit estimates log [q_γ(x|z) p0(z)] / [p_θ(z|x) p(x)].

Phases per iteration, on the same draws of (x, z, ε_G, ε) (Algorithm 1, step 1):
  1. discriminator:  -E[log σ(D(z, G(z)))] - E[log(1 - σ(D(F(x) + σε, x)))]         (step 2)
     `config.loss.discriminator_updates` times (k, default 1), each on its own draws; phase 2
     then uses the first update's draws (the train step shares a repeat index's draws).
  2. generator and reconstructor, one loss
         Ô = E[D(z, G(z))] + E[d(z, F(G(z)))]                                      (Eq. 7)
     The D term does not depend on F, so the reconstructor follows only the reconstruction
     gradient (step 3) and the generator both (step 4). The generator minimises the raw logit
     (the "log_ratio" form, default) or, as an ablation, a non-saturating/minimax form of it;
     d is `config.loss.reconstruction` (no default; every config sets it): "l2"
     (‖z − F(G(z))‖², the paper's Eq. 7, which every config uses), "gaussian_nll"
     (−log N(z; F(G(z)), I), the authors' code, half of l2 plus a constant) or "l1". The d
     term is multiplied by `config.loss.latent_reconstruction_weight` (1.0, the paper's, in
     every config); 0 is the ablation without the latent reconstruction: a GAN whose
     discriminator sees (z, x) pairs, the reconstructor learning nothing.
The authors' code updates the three networks simultaneously from one batch; here the
discriminator updates first and the generator/reconstructor phase sees the updated D.
"""

import jax
import jax.numpy as jnp
import ml_collections

from aegan import config_checks, losses, models
from aegan.methods.base import Batch, Method, Networks, Phase

RECONSTRUCTIONS = {
    "gaussian_nll": losses.gaussian_reconstruction_nll,
    "l2": losses.l2_reconstruction,
    "l1": losses.l1_reconstruction,
}


def make(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  model, loss_config = config.model, config.loss
  dtype = models.compute_dtype(config)
  reconstruction = RECONSTRUCTIONS[loss_config.reconstruction]
  form = loss_config.adversarial_form
  latent_weight = loss_config.latent_reconstruction_weight

  def generate(nets: Networks, batch: Batch) -> jax.Array:
    x = nets("generator", batch["z"], batch["generator_noise"])
    return x.reshape((-1,) + example_shape)

  def reconstruct(nets: Networks, batch: Batch) -> jax.Array:
    """G(F(x), ε_G): the data reconstructed through the noise space."""
    z = nets("reconstructor", batch["x"])
    return nets("generator", z, batch["generator_noise"]).reshape((-1,) + example_shape)

  def discriminator_loss(nets: Networks, batch: Batch):
    generator_pairs = nets("discriminator", generate(nets, batch), batch["z"])
    z_posterior = nets("reconstructor", batch["x"]) + loss_config.reconstructor_noise_std * batch["eps"]
    reconstructor_pairs = nets("discriminator", batch["x"], z_posterior)
    loss = losses.logistic_discriminator_loss(generator_pairs, reconstructor_pairs)
    return loss, {"discriminator_loss": loss}

  def generator_reconstructor_loss(nets: Networks, batch: Batch):
    x_gen = generate(nets, batch)
    # D labels generator pairs 1, so -D is the log ratio with the reconstructor's joint as the
    # positive ("data") side; the log-ratio form of the generator loss on -D is E[D].
    adversarial = losses.generator_adversarial_loss(-nets("discriminator", x_gen, batch["z"]), form)
    latent_reconstruction = reconstruction(batch["z"], nets("reconstructor", x_gen))
    loss = adversarial + latent_weight * latent_reconstruction
    return loss, {"generator_adversarial": adversarial, "latent_reconstruction": latent_reconstruction}

  def sample_noise(key: jax.Array) -> dict[str, jax.Array]:
    z_key, generator_key, eps_key = jax.random.split(key, 3)
    return {
        "z": jax.random.normal(z_key, (model.latent_dim,)),
        "generator_noise": jax.random.normal(generator_key, (model.generator_noise_dim,)),
        "eps": jax.random.normal(eps_key, (model.latent_dim,)),
    }

  return Method(
      networks={
          "generator": models.make_generator(model.generator, example_shape, dtype),
          "reconstructor": models.make_encoder(model.reconstructor, model.latent_dim, dtype),
          "discriminator": models.make_joint_discriminator(model.discriminator, dtype),
      },
      example_inputs={
          "generator": (jnp.zeros((1, model.latent_dim)), jnp.zeros((1, model.generator_noise_dim))),
          "reconstructor": (jnp.zeros((1,) + example_shape),),
          "discriminator": (jnp.zeros((1,) + example_shape), jnp.zeros((1, model.latent_dim))),
      },
      phases=(
          Phase("discriminator", ("discriminator",), discriminator_loss,
                repeat=loss_config.get("discriminator_updates", 1)),
          Phase("generator", ("generator", "reconstructor"), generator_reconstructor_loss),
      ),
      sample_noise=sample_noise,
      generate=generate,
      reconstruct=reconstruct,
  )


def validate(config: ml_collections.ConfigDict, num_devices: int) -> None:
  """Raises config_checks.ConfigError unless VEEGAN can train `config`: a known adversarial form
  and reconstruction d, σ >= 0, the latent reconstruction's weight >= 0 and a positive number
  of discriminator updates."""
  del num_devices  # Its examples stand alone: any split over devices is the same batch.
  config_checks.adversarial_form(config)
  config_checks.discriminator_updates(config)
  reconstruction = config.loss.get("reconstruction")
  config_checks.require(reconstruction in RECONSTRUCTIONS,
                        f"unknown config.loss.reconstruction {reconstruction!r}; "
                        f"choose one of {list(RECONSTRUCTIONS)}")
  config_checks.non_negative(config, "loss.reconstructor_noise_std")
  config_checks.non_negative(config, "loss.latent_reconstruction_weight")


def recipe(config: ml_collections.ConfigDict) -> str:
  """The setting a table shows for the row: the joint discriminator's rate and the schedules."""
  return config_checks.rates_recipe(config, "discriminator")
