"""Mode counting on Gaussian mixtures (VEEGAN, Srivastava et al. 2017, Section 5.1).

A generated sample is *high quality* if it lies within `threshold` units of its nearest mode
mean (3 for the 2-D mixtures, 10 for 1200-D); the unit is the standard deviation for the 2-D
mixtures and std·√700 for 1200-D's 700-D modes (`GaussianMixture.hq_unit`). A mode is *captured* if it is the
nearest mode of at least one high-quality sample. `mode_kl` is KL(p ‖ uniform) of the
histogram p of nearest modes over the high-quality samples: 0 when they cover every mode
evenly, log K when they all sit on one mode, and NaN when there is no high-quality sample.
The measures are the same in any coordinates the samples, means and unit share (an affine map
x = s·x' + c scales every distance and the unit alike); the evaluation uses the data config's
(`GaussianMixture.in_data_units`).
"""

import functools

import jax
import jax.numpy as jnp


def nearest_modes(samples: jax.Array, means: jax.Array) -> tuple[jax.Array, jax.Array]:
  """Each of `samples` [N, D]'s nearest mean of `means` [K, D] and its distance: ([N] index,
  [N] distance)."""
  squared = (jnp.sum(samples**2, axis=1)[:, None] - 2 * samples @ means.T
             + jnp.sum(means**2, axis=1)[None, :])
  return jnp.argmin(squared, axis=1), jnp.sqrt(jnp.maximum(jnp.min(squared, axis=1), 0.0))


def high_quality_counts(samples: jax.Array, means: jax.Array, unit: float,
                        threshold: float = 3.0) -> tuple[jax.Array, jax.Array]:
  """Per mode of the mixture with `means` [K, D], how many of `samples` [N, D] are high-quality
  samples of it (within threshold·unit of it, their nearest mean): ([K] counts, [N] high
  quality)."""
  nearest, distance = nearest_modes(samples, means)
  high_quality = distance <= threshold * unit
  counts = jnp.zeros(means.shape[0]).at[nearest].add(high_quality.astype(jnp.float32))
  return counts, high_quality


@functools.partial(jax.jit, static_argnames="threshold")
def mode_metrics(samples: jax.Array, means: jax.Array, unit: float,
                 threshold: float = 3.0) -> dict[str, jax.Array]:
  """`eval/modes`, `eval/hq_fraction` and `eval/mode_kl` of `samples` [N, D] against the
  mixture with `means` [K, D]; high quality = within threshold·unit of the nearest mean."""
  counts, high_quality = high_quality_counts(samples, means, unit, threshold)
  num_modes = means.shape[0]
  p = counts / jnp.sum(counts)
  kl = jnp.sum(jnp.where(counts > 0, p * jnp.log(p * num_modes), 0.0))
  return {
      "eval/modes": jnp.sum(counts > 0),
      "eval/hq_fraction": jnp.mean(high_quality.astype(jnp.float32)),
      "eval/mode_kl": jnp.where(jnp.sum(counts) > 0, kl, jnp.nan),
  }
