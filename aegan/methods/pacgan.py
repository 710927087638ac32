"""PacGAN (Lin, Khetan, Fanti, Oh 2018, arXiv 1712.04086): GAN whose discriminator judges m
examples at once.

Networks: generator G: z -> x and discriminator D as in `aegan.methods.gan`, except that D sees
a *pack*: m examples concatenated along their last axis (channels of an image, coordinates of a
vector; PacGAN Section 3, "packing"), either m real examples or m samples G(z_1), ..., G(z_m)
from independent draws z_i ~ N(0, I). With packs P(x_1..m) the phases are GAN's (Section 3):
  1. discriminator, `config.loss.discriminator_updates` times (default 1):
                     -E[log σ(D(P(x_1..m)))] - E[log(1 - σ(D(P(G(z_1), ..., G(z_m)))))]
  2. generator:      the adversarial term on D(P(G(z_1), ..., G(z_m))), non-saturating by
                     default (`config.loss.adversarial_form`).
m = `config.loss.packing`; m = 1 is exactly `aegan.methods.gan` (the same networks, draws and
operations: tests/methods/test_pacgan.py compares them for equality).

Packs and the batch: `config.train.batch_size` counts examples, and each device packs m
consecutive examples of its own slice of the global batch, so a batch of B examples gives B / m
packs, the same packs on 1 or N devices (B / N must be a multiple of m: `validate`). PacGAN's
code keeps the number of packs per minibatch (100) and draws m times as many examples, so a
config of PacGAN m keeps its GAN twin's packs by multiplying the batch by m (configs/pacgan_*.py).
The generator never sees packs: sampling and evaluation draw single examples.
"""

import dataclasses

import jax
import jax.numpy as jnp
import ml_collections

from aegan import config_checks, losses
from aegan.methods import gan
from aegan.methods.base import Batch, Method, Networks, Phase


def pack(examples: jax.Array, packing: int) -> jax.Array:
  """[B, ..., C] -> [B / m, ..., m C]: each m consecutive examples concatenated along the last
  axis, the first example's C entries first (PacGAN's concatenation along channels)."""
  grouped = examples.reshape((-1, packing) + examples.shape[1:])  # [B/m, m, ..., C]
  grouped = jnp.moveaxis(grouped, 1, -2)  # [B/m, ..., m, C]
  return grouped.reshape(grouped.shape[:-2] + (packing * examples.shape[-1],))


def packed_shape(example_shape: tuple[int, ...], packing: int) -> tuple[int, ...]:
  """The shape of one pack of m examples of `example_shape`."""
  return example_shape[:-1] + (packing * example_shape[-1],)


def make(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  """GAN (`aegan.methods.gan`) with a discriminator on packs of `config.loss.packing` examples."""
  gan_method = gan.make(config, example_shape)
  packing, form = config.loss.packing, config.loss.adversarial_form
  generate = gan_method.generate

  def discriminator_loss(nets: Networks, batch: Batch):
    loss = losses.logistic_discriminator_loss(
        nets("discriminator", pack(batch["x"], packing)),
        nets("discriminator", pack(generate(nets, batch), packing)))
    return loss, {"discriminator_loss": loss}

  def generator_loss(nets: Networks, batch: Batch):
    loss = losses.generator_adversarial_loss(
        nets("discriminator", pack(generate(nets, batch), packing)), form)
    return loss, {"generator_loss": loss}

  discriminator_phase, generator_phase = gan_method.phases
  return dataclasses.replace(
      gan_method,
      example_inputs={**gan_method.example_inputs,
                      "discriminator": (jnp.zeros((1,) + packed_shape(example_shape, packing)),)},
      phases=(dataclasses.replace(discriminator_phase, loss=discriminator_loss),
              dataclasses.replace(generator_phase, loss=generator_loss)))


def validate(config: ml_collections.ConfigDict, num_devices: int) -> None:
  """Raises config_checks.ConfigError unless PacGAN can train `config` on `num_devices`
  devices: GAN's checks, m >= 1, and every device's slice of the batch made of whole packs."""
  gan.validate(config, num_devices)
  packing = config_checks.positive_int(config, "loss.packing")
  batch_size = config.train.batch_size
  config_checks.require(
      batch_size % (packing * num_devices) == 0,
      f"config.train.batch_size={batch_size} does not split into packs of "
      f"config.loss.packing={packing} examples on each of the {num_devices} devices "
      f"(it must be a multiple of {packing * num_devices})")


def recipe(config: ml_collections.ConfigDict) -> str:
  """The setting a table shows for the row: m, the discriminator's rate and the schedules."""
  return f"m {config.loss.packing}, {config_checks.rates_recipe(config, 'discriminator')}"
