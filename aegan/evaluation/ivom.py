"""Inference via optimisation (IvOM): how closely a generator can reproduce held-out images.

Metz et al. 2017 (Unrolled GAN, arXiv 1611.02163) measure mode coverage by inverting the
generator; VEEGAN reports it on CIFAR-10 (Srivastava et al. 2017, Table 2; docs/papers.md, VEEGAN). For
each held-out image x with D values,

    z* = argmin_z ‖x - G(z)‖²,        error(x) = ‖x - G(z*)‖² / D,

and the metric is the mean of error(x) over the images ± its standard error (the images are
distinct held-out examples, so the errors are independent): lower means the
generator can produce images closer to real ones, so it covers more of the data (a collapsed
generator cannot reach the modes it misses). Errors are on the data scale ([-1, 1] for images,
as `eval/recon_mse`; on a [0, 1] pixel scale they would be a quarter of it).

The protocol's free choices are ours [the paper does not publish them]: `restarts` starting points per image
drawn from the method's own noise distribution, `steps` of Adam at `learning_rate` on each
(every noise input the generator takes is optimised, e.g. VEEGAN's extra generator noise;
inputs it ignores keep zero gradients and stay put), and the best restart kept. The generator
runs in evaluation mode (BatchNorm running averages), so every image and restart is an
independent problem: they are optimised together, one vmapped Adam state per (image, restart),
split over the devices by image. Steps run `steps_per_call` per dispatch: fused with
`lax.scan` for MLP generators; one per call for conv generators, which XLA:CPU runs ~4x slower
inside a loop (16x16x3 generator, width 32, 512 problems: 51 ms per step dispatched, 197 ms in
a scan).
"""

from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections
import optax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from aegan.configuration import ConfigError
from aegan.evaluation.progress import Progress
from aegan.parallel import DATA_AXIS

Noise = Mapping[str, jax.Array]
InversionState = tuple[Noise, optax.OptState]


def check_config(section: ml_collections.ConfigDict, num_devices: int, num_samples: int) -> None:
  """Raises ConfigError unless `section` (config.eval.ivom) can run on `num_devices` with
  `num_samples` distinct held-out images per evaluation (config.eval.num_samples, at most the
  test split's examples: aegan/evaluation/evaluator.py)."""
  for field in ("num_images", "steps", "restarts", "steps_per_call"):
    value = section[field]
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
      raise ConfigError(f"config.eval.ivom.{field} must be a positive integer, got {value!r}")
  if section.num_images % num_devices or section.num_images > num_samples:
    raise ConfigError(f"config.eval.ivom.num_images={section.num_images} must be divisible by "
                      f"the {num_devices} devices and at most the {num_samples} distinct "
                      "held-out images of an evaluation (config.eval.num_samples, at most the "
                      "test split's examples)")
  if section.steps % section.steps_per_call:
    raise ConfigError(f"config.eval.ivom.steps={section.steps} is not a multiple of "
                      f"config.eval.ivom.steps_per_call={section.steps_per_call}")
  if section.learning_rate <= 0:
    raise ConfigError(
        f"config.eval.ivom.learning_rate must be positive, got {section.learning_rate}")


class Inversion:
  """(generator params, images [N, ...], key) -> (per-image errors [N], best noise), with N
  divisible by the number of devices of `mesh`.

  `generate(params, noise)` maps a batch of noise (a dict of [B, ...] arrays, as
  `sample_noise(key)` draws one example of) to [B, ...] images, each from its own noise only.
  """

  def __init__(self, generate: Callable[[Any, Noise], jax.Array],
               sample_noise: Callable[[jax.Array], Noise], mesh: Mesh, steps: int, restarts: int,
               learning_rate: float, steps_per_call: int = 1):
    self._generate, self._sample_noise = generate, sample_noise
    self._mesh, self._steps, self._restarts = mesh, steps, restarts
    self._steps_per_call = steps_per_call
    self._optimizer = optax.adam(learning_rate)
    shared, split = PartitionSpec(), PartitionSpec(DATA_AXIS)
    mapped = lambda f, in_specs: jax.shard_map(f, mesh=mesh, in_specs=in_specs, out_specs=split)
    self._init = jax.jit(mapped(self._init_state, (split, shared)))
    self._run = jax.jit(mapped(self._optimise, (shared, split, split)), donate_argnums=2)
    self._best = jax.jit(mapped(self._best_restart, (shared, split, split)))

  @classmethod
  def from_config(cls, section: ml_collections.ConfigDict,
                  generate: Callable[[Any, Noise], jax.Array],
                  sample_noise: Callable[[jax.Array], Noise], mesh: Mesh) -> "Inversion":
    """The inversion of config.eval.ivom: `steps`, `restarts`, `learning_rate`, `steps_per_call`."""
    return cls(generate, sample_noise, mesh, section.steps, section.restarts,
               section.learning_rate, section.steps_per_call)

  def _init_state(self, images: jax.Array, key: jax.Array) -> InversionState:
    """Restart r of image i starts from sample_noise(fold_in(fold_in(key, i), r)), i global:
    the starting points do not depend on the number of devices. Rows are image-major."""
    first = jax.lax.axis_index(DATA_AXIS) * images.shape[0]
    fold_in_each = jax.vmap(jax.random.fold_in, (None, 0))
    image_keys = fold_in_each(key, first + jnp.arange(images.shape[0]))
    keys = jax.vmap(fold_in_each, (0, None))(image_keys, jnp.arange(self._restarts))
    noise = jax.vmap(self._sample_noise)(keys.reshape((-1,) + key.shape))
    return noise, jax.vmap(self._optimizer.init)(noise)

  def _errors(self, params, noise: Noise, images: jax.Array) -> jax.Array:
    """‖x - G(z)‖² / D of every row (image-major, `restarts` rows per image)."""
    targets = jnp.repeat(images, self._restarts, axis=0)
    squared = jnp.square(self._generate(params, noise) - targets)
    return jnp.mean(squared.reshape(squared.shape[0], -1), axis=1)

  def _optimise(self, params, images: jax.Array, state: InversionState) -> InversionState:
    """`steps_per_call` Adam steps on every row's own error (the rows are independent, so the
    gradient of their sum holds each row's own gradient)."""

    def step(state: InversionState, _) -> tuple[InversionState, None]:
      noise, opt_state = state
      grads = jax.grad(lambda n: jnp.sum(self._errors(params, n, images)))(noise)
      updates, opt_state = jax.vmap(self._optimizer.update)(grads, opt_state)
      return (optax.apply_updates(noise, updates), opt_state), None

    if self._steps_per_call == 1:  # No loop: XLA:CPU runs convolutions in loops slowly.
      return step(state, None)[0]
    return jax.lax.scan(step, state, length=self._steps_per_call)[0]

  def _best_restart(self, params, images: jax.Array, state: InversionState
                    ) -> tuple[jax.Array, Noise]:
    """Each image's lowest error over its restarts, and the noise that reached it."""
    noise = state[0]
    errors = self._errors(params, noise, images).reshape(images.shape[0], self._restarts)
    best = jnp.argmin(errors, axis=1)
    rows = jnp.arange(images.shape[0]) * self._restarts + best
    return errors[jnp.arange(images.shape[0]), best], jax.tree.map(lambda n: n[rows], noise)

  def __call__(self, params, images: jax.Array, key: jax.Array) -> tuple[jax.Array, Noise]:
    """Each image's error at its best restart after `steps` Adam steps, and that restart's noise."""
    images = jax.device_put(images, NamedSharding(self._mesh, PartitionSpec(DATA_AXIS)))
    state = self._init(images, key)
    progress = Progress(f"IvOM of {images.shape[0]} images", self._steps, "steps")
    for call in range(self._steps // self._steps_per_call):
      state = self._run(params, images, state)
      progress.update((call + 1) * self._steps_per_call, state)
    return self._best(params, images, state)
