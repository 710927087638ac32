"""Multi-layer perceptrons: generators, encoders/reconstructors and discriminators on vectors."""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

ACTIVATIONS = {
    "relu": nn.relu,
    "leaky_relu": nn.leaky_relu,
    "elu": nn.elu,
    "tanh": nn.tanh,
    "gelu": nn.gelu,
}


class MLP(nn.Module):
  """x -> [Dense -> activation] * len(hidden) -> Dense(output_dim).

  Inputs of any rank are flattened after the batch axis; several inputs are concatenated
  along their last axis first (so a generator can take (z, noise)).
  """

  hidden: Sequence[int]
  output_dim: int
  activation: str = "relu"

  @nn.compact
  def __call__(self, *inputs: jax.Array) -> jax.Array:
    act = ACTIVATIONS[self.activation]
    h = jnp.concatenate([x.reshape(x.shape[0], -1) for x in inputs], axis=-1)
    for width in self.hidden:
      h = act(nn.Dense(width)(h))
    return nn.Dense(self.output_dim)(h)


class JointDiscriminator(nn.Module):
  """D(x, z): an MLP on the concatenation [x, z] returning one logit per pair.

  VEEGAN's discriminator on (z, x) pairs (Srivastava et al. 2017, Algorithm 1) and ALI/BiGAN's
  joint discriminator (Dumoulin et al. 2017; Donahue et al. 2017).
  """

  hidden: Sequence[int]
  activation: str = "relu"

  @nn.compact
  def __call__(self, x: jax.Array, z: jax.Array) -> jax.Array:
    return MLP(self.hidden, 1, self.activation)(x, z)[:, 0]
