"""Multi-layer perceptrons: generators, encoders/reconstructors and discriminators on vectors."""

from collections.abc import Sequence
from typing import Any

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
  along their last axis first (so a generator can take (z, noise)). Computes in `dtype` with
  float32 parameters and returns float32. `train` is accepted for a uniform network interface
  (an MLP behaves the same in training and evaluation).
  """

  hidden: Sequence[int]
  output_dim: int
  activation: str = "relu"
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, *inputs: jax.Array, train: bool = False) -> jax.Array:
    del train
    act = ACTIVATIONS[self.activation]
    h = jnp.concatenate([x.reshape(x.shape[0], -1) for x in inputs], axis=-1).astype(self.dtype)
    for width in self.hidden:
      h = act(nn.Dense(width, dtype=self.dtype)(h))
    return nn.Dense(self.output_dim, dtype=self.dtype)(h).astype(jnp.float32)


class MLPDiscriminator(nn.Module):
  """D(x) or D(x, z): an MLP on its (concatenated) inputs returning one logit per example.

  A GAN's discriminator on data, α-GAN's code discriminator on codes (Rosca et al. 2017: no
  BatchNorm), and VEEGAN's discriminator on (z, x) pairs (Srivastava et al. 2017, Algorithm 1),
  like ALI/BiGAN's joint discriminator (Dumoulin et al. 2017; Donahue et al. 2017).
  """

  hidden: Sequence[int]
  activation: str = "relu"
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, *inputs: jax.Array, train: bool = False) -> jax.Array:
    return MLP(self.hidden, 1, self.activation, self.dtype)(*inputs, train=train)[:, 0]
