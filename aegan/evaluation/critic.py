"""An independent Wasserstein critic: how far a generator's samples are from held-out data.

α-GAN's evaluation (Rosca et al. 2017, arXiv 1706.04987; docs/papers.md, α-GAN) trains a critic that
takes no part in training the generator: a fresh WGAN-GP critic f (Gulrajani et al. 2017,
arXiv 1704.00028, Algorithm 1; no BatchNorm) learns to separate real training examples x from
samples G(z) by minimising

    L_f = E[f(G(z))] - E[f(x)] + λ E[(‖∇_x̂ f(x̂)‖₂ - 1)²],   x̂ = εx + (1 - ε)G(z),  ε ~ U[0, 1],

and is then scored on held-out real examples and fresh samples, neither seen in its training:

    distance = 1/n Σ_i f(x_i^held-out) - 1/n Σ_j f(G(z_j)),

the Kantorovich-Rubinstein dual estimate of W1(p_held-out, p_G) by a softly 1-Lipschitz f, on
the data scale ([-1, 1] for images). Lower is closer; ≈ 0 between two samples of the same
distribution. The soft penalty lets f's slope exceed 1 where that pays more than it costs, so
a converged critic overestimates W1 by a known amount: for N(2, 1) against N(0, 1) (W1 = 2) the
penalised optimum with λ = 10 scores 2.21 (tests/evaluation/test_critic.py).

The critic trains on fixed pools of `num_train` distinct real training examples (as many as
the split holds; aegan/evaluation/evaluator.py) and as many samples,
drawing `batch_size` of each uniformly with replacement per step; λ = 10 and Adam (1e-4,
β = (0, 0.9)) are WGAN-GP's defaults. Data parallel: the pools are replicated, each device
scores its slice of every global batch and the loss is averaged over devices before
differentiation (as in aegan/train.py), so training is the same on 1 or N devices; the
held-out sets are split over the devices. Steps run `steps_per_call` per dispatch: fused with
`lax.scan` for MLP critics; one per call for conv critics, which XLA:CPU runs ~4x slower inside
a loop (16x16x3, width 32, batch 64: 45 ms per step dispatched, 192 ms in a scan).
"""

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import optax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from aegan import losses, models
from aegan.configuration import ConfigError
from aegan.evaluation.progress import Progress
from aegan.methods.wgan_gp import interpolate
from aegan.optimizers import make_optimizer
from aegan.parallel import DATA_AXIS, data_parallel, replicate, wait_if_cpu_collectives

CriticState = tuple[dict, optax.OptState]


def check_config(section: ml_collections.ConfigDict, num_devices: int, num_samples: int) -> None:
  """Raises ConfigError unless `section` (config.eval.critic) can run on `num_devices` with
  `num_samples` distinct held-out examples (config.eval.num_samples, at most the test split's
  examples: aegan/evaluation/evaluator.py) and samples per evaluation."""
  for field in ("steps", "batch_size", "steps_per_call", "num_train", "num_test"):
    value = section[field]
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
      raise ConfigError(f"config.eval.critic.{field} must be a positive integer, got {value!r}")
  for field in ("batch_size", "num_train", "num_test"):
    if section[field] % num_devices:
      raise ConfigError(f"config.eval.critic.{field}={section[field]} is not divisible by the "
                        f"{num_devices} devices")
  if section.num_test > num_samples:
    raise ConfigError(f"config.eval.critic.num_test={section.num_test} exceeds the "
                      f"{num_samples} distinct held-out examples of an evaluation "
                      "(config.eval.num_samples, at most the test split's examples)")
  if section.steps % section.steps_per_call:
    raise ConfigError(f"config.eval.critic.steps={section.steps} is not a multiple of "
                      f"config.eval.critic.steps_per_call={section.steps_per_call}")
  if section.model.get("kind", "mlp") == "conv" and section.model.get("batch_norm", True):
    raise ConfigError("the independent critic must not use BatchNorm (WGAN-GP's per-example "
                      "gradient penalty): set config.eval.critic.model.batch_norm=False")
  if section.optimizer.learning_rate <= 0 or section.gradient_penalty < 0:
    raise ConfigError("config.eval.critic needs optimizer.learning_rate > 0 and "
                      "gradient_penalty >= 0")


class WassersteinCritic:
  """Trains a fresh critic on (real, sample) pools and scores held-out sets, over `mesh`."""

  def __init__(self, critic: nn.Module, optimizer: optax.GradientTransformation, mesh: Mesh,
               steps: int, batch_size: int, steps_per_call: int = 1,
               gradient_penalty: float = 10.0):
    self._critic, self._optimizer, self._mesh = critic, optimizer, mesh
    self._steps, self._steps_per_call = steps, steps_per_call
    self._local_batch = batch_size // mesh.size
    self._batch_size, self._penalty_weight = batch_size, gradient_penalty
    self._init = jax.jit(self._init_state)
    self._train_call = jax.jit(data_parallel(self._train_steps, mesh), donate_argnums=0)
    held_out = PartitionSpec(DATA_AXIS)
    self._estimate = jax.jit(data_parallel(self._mean_score_gap, mesh,
                                           in_specs=(PartitionSpec(), held_out, held_out)))

  @classmethod
  def from_config(cls, section: ml_collections.ConfigDict, mesh: Mesh) -> "WassersteinCritic":
    """The critic of config.eval.critic: `model` (an MLP or conv network section, as the
    methods' discriminators), `optimizer`, `steps`, `batch_size`, `steps_per_call` and
    `gradient_penalty` (λ)."""
    return cls(models.make_discriminator(section.model, jnp.float32),
               make_optimizer(section.optimizer), mesh, section.steps, section.batch_size,
               section.steps_per_call, section.gradient_penalty)

  def _init_state(self, key: jax.Array, example: jax.Array) -> CriticState:
    params = self._critic.init(key, example[None])["params"]
    return params, self._optimizer.init(params)

  def _scores(self, params, x: jax.Array) -> jax.Array:
    return self._critic.apply({"params": params}, x)

  def _train_steps(self, state: CriticState, real: jax.Array, fake: jax.Array, key: jax.Array,
                   first_step: jax.Array) -> CriticState:
    """`steps_per_call` critic steps on this device's slice of each global batch."""
    offset = jax.lax.axis_index(DATA_AXIS) * self._local_batch

    def local_slice(values: jax.Array) -> jax.Array:
      return jax.lax.dynamic_slice_in_dim(values, offset, self._local_batch)

    def step(state: CriticState, step_index: jax.Array) -> tuple[CriticState, None]:
      params, opt_state = state
      real_key, fake_key, weight_key = jax.random.split(jax.random.fold_in(key, step_index), 3)

      def draw(pool_key: jax.Array, pool: jax.Array) -> jax.Array:
        indices = jax.random.randint(pool_key, (self._batch_size,), 0, pool.shape[0])
        return pool[local_slice(indices)]

      x_real, x_fake = draw(real_key, real), draw(fake_key, fake)
      weights = local_slice(jax.random.uniform(weight_key, (self._batch_size,)))

      def loss(params):
        score = lambda x: self._scores(params, x)
        penalty = losses.gradient_penalty(score, interpolate(x_real, x_fake, weights))
        wasserstein = losses.wasserstein_critic_loss(score(x_real), score(x_fake))
        # The global batch's loss, whose gradient is the global batch's (aegan/train.py).
        return jax.lax.pmean(wasserstein + self._penalty_weight * penalty, DATA_AXIS)

      updates, opt_state = self._optimizer.update(jax.grad(loss)(params), opt_state, params)
      return (optax.apply_updates(params, updates), opt_state), None

    if self._steps_per_call == 1:  # No loop: XLA:CPU runs convolutions in loops slowly.
      return step(state, first_step)[0]
    return jax.lax.scan(step, state, first_step + jnp.arange(self._steps_per_call))[0]

  def _mean_score_gap(self, params, real: jax.Array, fake: jax.Array) -> jax.Array:
    gap = jnp.mean(self._scores(params, real)) - jnp.mean(self._scores(params, fake))
    return jax.lax.pmean(gap, DATA_AXIS)

  def train(self, real: jax.Array, fake: jax.Array, key: jax.Array) -> dict:
    """The critic's parameters after `steps` WGAN-GP steps on the pools `real` and `fake`
    ([n, ...] each, any n); every random draw derives from `key`."""
    init_key, train_key = jax.random.split(key)
    real, fake = replicate((real, fake), self._mesh)
    state = replicate(self._init(init_key, real[0]), self._mesh)
    progress = Progress("independent critic", self._steps, "steps")
    for first_step in range(0, self._steps, self._steps_per_call):
      state = self._train_call(state, real, fake, train_key, jnp.int32(first_step))
      wait_if_cpu_collectives(state, self._mesh)
      progress.update(first_step + self._steps_per_call, state)
    return state[0]

  def distance(self, params, real: jax.Array, fake: jax.Array) -> float:
    """mean f(real) - mean f(fake) on held-out sets ([n, ...] each, n divisible by the number
    of devices): the critic's estimate of W1 between their distributions."""
    held_out = NamedSharding(self._mesh, PartitionSpec(DATA_AXIS))
    return float(self._estimate(params, *jax.device_put((real, fake), held_out)))

  def __call__(self, real_train: jax.Array, fake_train: jax.Array, real_test: jax.Array,
               fake_test: jax.Array, key: jax.Array) -> float:
    """Trains on the training pools, returns the distance on the held-out sets."""
    return self.distance(self.train(real_train, fake_train, key), real_test, fake_test)
