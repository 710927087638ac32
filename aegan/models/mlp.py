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
  """x -> [Dense -> (BatchNorm) -> activation] * len(hidden) -> Dense(output_dim).

  Inputs of any rank are flattened after the batch axis; several inputs are concatenated
  along their last axis first (so a generator can take (z, noise)). Computes in `dtype` with
  float32 parameters and returns float32 (float64 when computing in float64).

  `batch_norm` (off by default, as in the VEEGAN and α-GAN MLPs) normalises every hidden
  layer before its activation, as many PyTorch GAN implementations do (Linear -> BatchNorm1d
  -> ReLU; Ioffe & Szegedy 2015): in training (`train=True`) by the statistics of the batch,
  averaged over the mapped axis `batch_norm_axis` when given (the global batch's statistics
  under data parallelism), updating running averages (momentum 0.9, as the conv networks);
  in evaluation by the running averages. A Dense followed by BatchNorm has no bias (BN's
  shift replaces it). Without BatchNorm `train` changes nothing.
  """

  hidden: Sequence[int]
  output_dim: int
  activation: str = "relu"
  dtype: Any = jnp.float32
  batch_norm: bool = False
  batch_norm_axis: str | None = None

  @nn.compact
  def __call__(self, *inputs: jax.Array, train: bool = False) -> jax.Array:
    act = ACTIVATIONS[self.activation]
    h = jnp.concatenate([x.reshape(x.shape[0], -1) for x in inputs], axis=-1).astype(self.dtype)
    for width in self.hidden:
      h = nn.Dense(width, use_bias=not self.batch_norm, dtype=self.dtype)(h)
      if self.batch_norm:
        h = nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5,
                         axis_name=self.batch_norm_axis if train else None, dtype=self.dtype,
                         param_dtype=jnp.float32)(h)
      h = act(h)
    output = jnp.promote_types(self.dtype, jnp.float32)
    return nn.Dense(self.output_dim, dtype=self.dtype)(h).astype(output)


class MLPDiscriminator(nn.Module):
  """D(x) or D(x, z): an MLP on its (concatenated) inputs returning one logit per example.

  A GAN's discriminator on data, α-GAN's code discriminator on codes (Rosca et al. 2017: no
  BatchNorm), and VEEGAN's discriminator on (z, x) pairs (Srivastava et al. 2017, Algorithm 1),
  like ALI/BiGAN's joint discriminator (Dumoulin et al. 2017; Donahue et al. 2017).
  `batch_norm`, `batch_norm_axis`: as `MLP`'s.
  """

  hidden: Sequence[int]
  activation: str = "relu"
  dtype: Any = jnp.float32
  batch_norm: bool = False
  batch_norm_axis: str | None = None

  @nn.compact
  def __call__(self, *inputs: jax.Array, train: bool = False) -> jax.Array:
    return MLP(self.hidden, 1, self.activation, self.dtype, self.batch_norm,
               self.batch_norm_axis)(*inputs, train=train)[:, 0]
