"""Unrolled GAN (Metz, Poole, Pfau, Sohl-Dickstein 2017, arXiv 1611.02163): the generator plays
against the discriminator as it will be after K more updates, differentiating through them.

Networks: generator G: z -> x, discriminator D: x -> logit (1 = data), as in `aegan.methods.gan`.
Phases per iteration, a simultaneous update of both networks from the iteration's (θ_G, θ_D):
  1. discriminator:  L_D(θ_D) = -E[log σ(D(x))] - E[log(1 - σ(D(G(z))))]   (the plain GAN's)
  2. generator, from the discriminator and its optimizer state as the iteration began
     (`Phase.from_iteration_start`), not as phase 1 left them:
                     L_G = A(D(G(z); θ_D^K)), with
         θ_D^0 = θ_D, s^0 = s,   (θ_D^{k+1}, s^{k+1}) = U(∇_{θ_D} L_D(θ_D^k; θ_G), θ_D^k, s^k),   k < K,
     U the discriminator's optimizer step from its state s, A the adversarial form (`config.loss.adversarial_form`, non-saturating by default) and
     K = `config.loss.unrolling_steps` (Metz et al. 2017, Eqs. 6-7). The gradient follows
     θ_G through G(z) and through every unrolled step, θ_D^K(θ_G): the paper's full
     ("second-order") version, not the first-order one that treats θ_D^K as a constant. The
     unroll is a `jax.lax.scan` inside the generator's loss, fully unrolled (`unroll=True`): as
     a loop XLA:CPU runs its conv steps ~6x slower (one width-16 stacked_mnist5k iteration:
     0.77 it/s as a loop, 4.47 unrolled; MLP ring config 107 -> 118 it/s; 2-core AMD EPYC,
     idle, benchmarks/step_throughput.py). K = 0 is exactly the plain GAN's generator loss.

Why simultaneous: Metz et al.'s update rules (Section 2.2) are θ_G ← θ_G - η dL_G(θ_G, θ_D)/dθ_G
and θ_D ← θ_D - η dL_D(θ_G, θ_D)/dθ_D, both from the same (θ_G, θ_D), and their code runs the two
updates as one grouped step. Phase 1 first and phase 2 from the iteration's start gives exactly
that: the discriminator's update sees the generator not yet updated, and the generator's unroll
starts from the θ_D and state that the discriminator's update also started from, so its first
unrolled step is that very update (the same batch, as below) and θ_D^K is K updates ahead of
the iteration's θ_D. (Running the discriminator first from the updated θ_D made θ_D^K K + 1
updates ahead; running the generator phase first instead would make the discriminator's update
see the updated generator.)

The unroll, as in Metz et al.'s code: each unrolled step is the discriminator's own optimizer
(`config.optimizer.discriminator`, Adam for every config here), continuing from its state
as the iteration began (`nets.opt_state["discriminator"]`: moments, step count and so the
learning-rate schedule); the first unrolled step is this iteration's discriminator update.
The gradient goes through the moments too. Choices, ours:
- Adam's denominator in the unroll is √(v̂ + ε_root) + ε with ε_root = `UNROLL_EPS_ROOT`
  (1e-16; the real update has ε_root = 0): where a unit's gradient has been exactly zero so
  far (a dead ReLU), v = 0 and √v has an infinite derivative, times a zero gradient: NaN. The
  change to the update is below float32 resolution wherever v > 1e-8.
- Every unrolled step uses the generator step's own batch: the same real x and the same G(z)
  (the unroll's loss is a deterministic function of θ_G, as Eq. 6 writes it).
- Each unrolled step's gradient is the gradient of the global batch's discriminator loss
  (averaged over the data-parallel devices), as the real discriminator update is, so the
  unroll is the same on 1 or N devices.
- BatchNorm statistics that the unrolled discriminator computes are discarded (the generator
  phase keeps only the generator's).
"""

import dataclasses
from collections.abc import Sequence
from typing import Any

import jax
import ml_collections
import optax

from aegan import config_checks, losses
from aegan.methods import gan
from aegan.methods.base import Batch, Method, Networks, Params, Phase
from aegan.optimizers import make_optimizers
from aegan.parallel import mean_over_devices

UNROLL_EPS_ROOT = 1e-16  # Adam's ε under the square root in the unroll (module docstring).


def with_discriminator_params(nets: Networks, discriminator_params: Params) -> Networks:
  """`nets` with the discriminator's parameters replaced (its BatchNorm updates go to a copy)."""
  return Networks(nets.modules, {**nets.params, "discriminator": discriminator_params},
                  nets.batch_stats, nets.train)


def unrolled_discriminator_params(nets: Networks, x_real: jax.Array, x_fake: jax.Array,
                                  steps: int, optimizer: optax.GradientTransformation,
                                  optimizer_state: Any) -> Params:
  """θ_D^K: `steps` differentiable updates by `optimizer`, continuing from `optimizer_state`,
  of the logistic discriminator loss on (x_real, x_fake) from `nets.params["discriminator"]`;
  θ_D itself for `steps` = 0."""
  initial = nets.params["discriminator"]
  if steps == 0:
    return initial

  def discriminator_loss(params: Params) -> jax.Array:
    unrolled = with_discriminator_params(nets, params)
    loss = losses.logistic_discriminator_loss(unrolled("discriminator", x_real),
                                              unrolled("discriminator", x_fake))
    # The global batch's loss: inside shard_map the gradient with respect to replicated
    # parameters is already summed over devices, so differentiating this average (not
    # averaging per-device gradients) gives the global batch's mean gradient.
    return mean_over_devices(loss)

  def update(carry, _):
    params, optimizer_state = carry
    grads = jax.grad(discriminator_loss)(params)
    updates, optimizer_state = optimizer.update(grads, optimizer_state, params)
    return (optax.apply_updates(params, updates), optimizer_state), None

  (final, _), _ = jax.lax.scan(update, (initial, optimizer_state), length=steps, unroll=True)
  return final


def unrolling_optimizer(config: ml_collections.ConfigDict,
                        phases: Sequence[Phase]) -> optax.GradientTransformation:
  """The discriminator's own optimizer, as the train step builds it from `config` and the
  method's `phases` (schedule included), with Adam's ε_root = `UNROLL_EPS_ROOT` so that the
  unroll's derivative is finite (module docstring)."""
  config = ml_collections.ConfigDict(config.to_dict())
  if config.optimizer.discriminator.name == "adam":
    config.optimizer.discriminator.eps_root = UNROLL_EPS_ROOT
  return make_optimizers(config, ("discriminator",), phases)["discriminator"]


def make(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  """The GAN of `aegan.methods.gan` with its generator phase replaced by the unrolled one."""
  gan_method = gan.make(config, example_shape)
  form, steps = config.loss.adversarial_form, config.loss.unrolling_steps
  discriminator_phase, _ = gan_method.phases
  optimizer = unrolling_optimizer(config, (discriminator_phase,))

  def generator_loss(nets: Networks, batch: Batch):
    x_gen = gan_method.generate(nets, batch)
    unrolled = nets
    if steps:
      unrolled = with_discriminator_params(
          nets, unrolled_discriminator_params(nets, batch["x"], x_gen, steps, optimizer,
                                              nets.opt_state["discriminator"]))
    loss = losses.generator_adversarial_loss(unrolled("discriminator", x_gen), form)
    return loss, {"generator_loss": loss}

  generator_phase = Phase("generator", ("generator",), generator_loss, from_iteration_start=True)
  return dataclasses.replace(gan_method, phases=(discriminator_phase, generator_phase))


def validate(config: ml_collections.ConfigDict, num_devices: int) -> None:
  """Raises config_checks.ConfigError unless Unrolled GAN can train `config`: a known
  adversarial form, K >= 0 unrolled steps (K = 0 is the plain GAN) and exactly one
  discriminator update per iteration. With k > 1 updates the first unrolled step would no longer
  be this iteration's discriminator update (module docstring), and Metz et al. alternate one
  update of each network, so k != 1 is refused rather than given another meaning."""
  del num_devices  # Its examples stand alone: any split over devices is the same batch.
  config_checks.adversarial_form(config)
  steps = config.loss.unrolling_steps
  config_checks.require(isinstance(steps, int) and not isinstance(steps, bool) and steps >= 0,
                        f"config.loss.unrolling_steps must be a non-negative integer, got {steps!r}")
  updates = config_checks.discriminator_updates(config)
  config_checks.require(updates == 1, "config.loss.discriminator_updates must be 1 for Unrolled "
                        f"GAN (one discriminator update per generator update, the first step of "
                        f"the unroll), got {updates}")
  config_checks.require(config.loss.get("generator_updates", 1) == 1,
                        "config.loss.generator_updates must be 1 for Unrolled GAN (its generator "
                        "update is simultaneous with the discriminator's, from the iteration's start)")
  gan.check_prior(config)


def recipe(config: ml_collections.ConfigDict) -> str:
  """The setting a table shows for the row: K, the discriminator's rate and the schedules."""
  return f"K {config.loss.unrolling_steps}, {config_checks.rates_recipe(config, 'discriminator')}"
