"""Mode counting on stacked digit images (Stacked-MNIST; VEEGAN Section 5.2, after Metz et al.
2017): a digit classifier labels each of the 3 channels of every generated sample, the triple
(d_R, d_G, d_B) is the sample's mode, out of 10³ = 1,000.

    eval/modes    = number of distinct triples among the samples
    eval/mode_kl  = KL(p_gen ‖ uniform) = Σ_m p(m) log(1000 · p(m)) over the triple histogram

A classifier labels anything, noise included, so counts can also be restricted to the samples
whose three channels it labels confidently (max softmax probability ≥ a threshold on each):
`eval/confident_fraction` says how many those are, and the modes and KL are theirs. (Ours: a
guard against blurry or blob-like samples "covering" modes; the papers count every sample.)
With no confident sample their histogram is empty: 0 modes, and a KL that is undefined, NaN
(null in results.json), never 0, which would read as a perfect match.
"""

import jax
import jax.numpy as jnp

NUM_CLASSES = 10


def triple_modes(channel_labels: jax.Array) -> jax.Array:
  """[N, 3] digits per channel -> [N] mode indices 100·d_R + 10·d_G + d_B."""
  return channel_labels[:, 0] * NUM_CLASSES**2 + channel_labels[:, 1] * NUM_CLASSES + channel_labels[:, 2]


def confident_labels(channel_probabilities: jax.Array, threshold: float
                     ) -> tuple[jax.Array, jax.Array]:
  """[N, 3, 10] class probabilities per channel -> ([N, 3] labels, [N] bool: every channel's
  largest probability is at least `threshold`)."""
  return (jnp.argmax(channel_probabilities, -1),
          jnp.all(jnp.max(channel_probabilities, -1) >= threshold, -1))


@jax.jit
def stacked_mode_metrics(channel_labels: jax.Array, counted: jax.Array | None = None
                         ) -> dict[str, jax.Array]:
  """`eval/modes` and `eval/mode_kl` of samples whose channels were labelled `channel_labels`
  ([N, 3]); with `counted` ([N] bool), of the counted samples only, and
  `eval/confident_fraction` = their share. The KL of no sample at all is NaN."""
  num_modes = NUM_CLASSES**3
  weights = jnp.ones(channel_labels.shape[0]) if counted is None else counted.astype(jnp.float32)
  counts = jnp.zeros(num_modes).at[triple_modes(channel_labels)].add(weights)
  total = jnp.sum(weights)
  p = counts / jnp.maximum(total, 1.0)
  kl = jnp.sum(jnp.where(counts > 0, p * jnp.log(p * num_modes), 0.0))
  kl = jnp.where(total > 0, kl, jnp.nan)
  metrics = {"eval/modes": jnp.sum(counts > 0), "eval/mode_kl": kl}
  if counted is not None:
    metrics["eval/confident_fraction"] = jnp.mean(weights)
  return metrics
