"""Mode counting on stacked digit images (Stacked-MNIST; VEEGAN Section 5.2, after Metz et al.
2017): a digit classifier labels each of the 3 channels of every generated sample, the triple
(d_R, d_G, d_B) is the sample's mode, out of 10³ = 1,000.

    eval/modes    = number of distinct triples among the samples
    eval/mode_kl  = KL(p_gen ‖ uniform) = Σ_m p(m) log(1000 · p(m)) over the triple histogram
"""

import jax
import jax.numpy as jnp

NUM_CLASSES = 10


def triple_modes(channel_labels: jax.Array) -> jax.Array:
  """[N, 3] digits per channel -> [N] mode indices 100·d_R + 10·d_G + d_B."""
  return channel_labels[:, 0] * NUM_CLASSES**2 + channel_labels[:, 1] * NUM_CLASSES + channel_labels[:, 2]


@jax.jit
def stacked_mode_metrics(channel_labels: jax.Array) -> dict[str, jax.Array]:
  """`eval/modes` and `eval/mode_kl` of samples whose channels were labelled `channel_labels`."""
  num_modes = NUM_CLASSES**3
  counts = jnp.zeros(num_modes).at[triple_modes(channel_labels)].add(1.0)
  p = counts / channel_labels.shape[0]
  kl = jnp.sum(jnp.where(counts > 0, p * jnp.log(p * num_modes), 0.0))
  return {"eval/modes": jnp.sum(counts > 0), "eval/mode_kl": kl}
