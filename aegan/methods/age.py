"""AGE, Adversarial Generator-Encoder networks (Ulyanov, Vedaldi, Lempitsky 2017, arXiv 1704.02304):
a generator and an encoder that play a game in the latent space, with no discriminator.

Networks: generator G: z -> x; encoder E: x -> z, its output projected onto the unit sphere
S^{M-1} (ẑ = E(x) / ‖E(x)‖₂, M = `config.model.latent_dim`). The prior is uniform on the
sphere: z = n / ‖n‖₂, n ~ N(0, I) (the paper's Section 3; the authors' `--noise sphere`).

The divergence Δ(Q ‖ prior) between a distribution Q of codes and the prior is the KL from the
diagonal Gaussian fitted to a batch of codes to N(0, I) (paper Section 3, the authors' 'param'
criterion; losses.batch_gaussian_kl):
    Δ = Σ_j [(s_j² + m_j² - 1)/2 - log s_j],   m_j, s_j² the batch mean and variance.
As in the paper and the authors' code, the reference is N(0, I) per dimension although the
prior lives on the sphere (whose per-dimension variance is 1/M): Δ only ranks how far each
code distribution is from the prior's moments, and the game compares two of them.

Phases per iteration (the paper's Section 3, alternating as in the authors' age.py):
  1. encoder, maximising Δ(E(G(z))) - Δ(E(x)) minus its data reconstruction:
         L_E = Δ(E(x)) - Δ(E(G(z))) + λ E‖x - G(E(x))‖₁
  2. generator, `config.loss.generator_updates` times (the authors' CIFAR/ImageNet commands: 2):
         L_G = Δ(E(G(z))) + μ E‖z - E(G(z))‖₂²
λ is `config.loss.reconstruction_weight`, μ `config.loss.latent_reconstruction_weight`. The
encoder gets only the data reconstruction and the generator only the latent one (the paper's
asymmetric choice). Every Δ term of both losses (the game) is multiplied by
β = `config.loss.adversarial_weight` (1.0, the paper's, in every config); β = 0 is the ablation
without the game: an autoencoder E, G on λ‖x - G(E(x))‖₁ and μ‖z - E(G(z))‖², whose samples
G(z) nothing pulls toward the data. On the sphere ‖z - ẑ‖² = 2 - 2 cos(z, ẑ), so the squared distance is the
authors' default cosine latent loss up to scale.

Global batch: Δ is a nonlinear function of batch moments, so under data parallelism the
moments are those of the global batch (pmean over the `data` axis, as synchronised BatchNorm),
and every term of both losses is averaged over the global batch the same way. Each loss is
then identical on every device and its gradient is exactly the global batch's on 1 or N
devices. Outside a mapped function (unit tests) the batch given is the whole batch.
"""

import jax
import jax.numpy as jnp
import ml_collections

from aegan import config_checks, losses, models
from aegan.methods.base import Batch, Method, Networks, Phase
from aegan.parallel import data_axis_if_mapped, mean_over_devices


def project_to_unit_sphere(codes: jax.Array, epsilon: float = 1e-12) -> jax.Array:
  """codes / ‖codes‖₂ along the last axis (ε inside the root keeps the zero vector finite)."""
  return codes * jax.lax.rsqrt(jnp.sum(jnp.square(codes), axis=-1, keepdims=True) + epsilon)


def make(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  model, loss_config = config.model, config.loss
  dtype = models.compute_dtype(config)
  data_weight = loss_config.reconstruction_weight
  latent_weight = loss_config.latent_reconstruction_weight
  adversarial_weight = loss_config.adversarial_weight

  def generate(nets: Networks, batch: Batch) -> jax.Array:
    return nets("generator", batch["z"]).reshape((-1,) + example_shape)

  def encode(nets: Networks, x: jax.Array) -> jax.Array:
    return project_to_unit_sphere(nets("encoder", x))

  def reconstruct(nets: Networks, batch: Batch) -> jax.Array:
    return nets("generator", encode(nets, batch["x"])).reshape((-1,) + example_shape)

  def encoder_loss(nets: Networks, batch: Batch):
    axis = data_axis_if_mapped()
    z_real = encode(nets, batch["x"])
    kl_real = losses.batch_gaussian_kl(z_real, axis)
    kl_fake = losses.batch_gaussian_kl(encode(nets, generate(nets, batch)), axis)
    x_rec = nets("generator", z_real).reshape((-1,) + example_shape)
    reconstruction = mean_over_devices(losses.l1_reconstruction(batch["x"], x_rec))
    loss = adversarial_weight * (kl_real - kl_fake) + data_weight * reconstruction
    return loss, {"encoder_loss": loss, "kl_real": kl_real, "kl_fake": kl_fake,
                  "reconstruction_l1": reconstruction}

  def generator_loss(nets: Networks, batch: Batch):
    axis = data_axis_if_mapped()
    z_fake = encode(nets, generate(nets, batch))
    kl_fake = losses.batch_gaussian_kl(z_fake, axis)
    latent_reconstruction = mean_over_devices(losses.l2_reconstruction(batch["z"], z_fake))
    loss = adversarial_weight * kl_fake + latent_weight * latent_reconstruction
    return loss, {"generator_loss": loss, "generator_kl_fake": kl_fake,
                  "latent_reconstruction": latent_reconstruction}

  def sample_noise(key: jax.Array) -> dict[str, jax.Array]:
    return {"z": project_to_unit_sphere(jax.random.normal(key, (model.latent_dim,)))}

  return Method(
      networks={
          "generator": models.make_generator(model.generator, example_shape, dtype),
          "encoder": models.make_encoder(model.encoder, model.latent_dim, dtype),
      },
      example_inputs={
          "generator": (jnp.zeros((1, model.latent_dim)),),
          "encoder": (jnp.zeros((1,) + example_shape),),
      },
      phases=(
          Phase("encoder", ("encoder",), encoder_loss),
          Phase("generator", ("generator",), generator_loss, repeat=loss_config.generator_updates),
      ),
      sample_noise=sample_noise,
      generate=generate,
      reconstruct=reconstruct,
  )


def validate(config: ml_collections.ConfigDict, num_devices: int) -> None:
  """Raises config_checks.ConfigError unless AGE can train `config`: a positive number of
  generator updates, weights λ, μ, β >= 0 and codes of at least 2 dimensions (a unit sphere)."""
  del num_devices  # Its examples stand alone: any split over devices is the same batch.
  config_checks.positive_int(config, "loss.generator_updates")
  config_checks.non_negative(config, "loss.reconstruction_weight")
  config_checks.non_negative(config, "loss.latent_reconstruction_weight")
  config_checks.non_negative(config, "loss.adversarial_weight")
  latent_dim = config.model.latent_dim
  config_checks.require(latent_dim >= 2, "config.model.latent_dim must be >= 2 for AGE's "
                        f"unit-sphere codes, got {latent_dim}")


def recipe(config: ml_collections.ConfigDict) -> str:
  """The setting a table shows for the row: AGE has no discriminator; its two players' rates
  (the encoder plays the adversary) and the schedules."""
  return config_checks.rates_recipe(config, "encoder", "generator")
