"""flax.linen networks used by the methods, and the factories that build them from a config.

A network's config section names its `kind`: "mlp" (default; fields `hidden`, `activation`,
optionally `batch_norm`)
for vector data and codes, or "conv" (fields `width`, `batch_norm`, optionally `kernel`; for a
generator `upsample`, `base_size` and `output_kernel`; for image-reading networks `downsample`,
`negative_slope`, `first_batch_norm` and `final_size`) for the DCGAN family in
`aegan.models.conv`, whose docstring says what each does. Every network computes in `compute_dtype` with float32 parameters and
returns float32. BatchNorm is synchronised over the data-parallel axis.
"""

import math
from typing import Any

import jax.numpy as jnp
import ml_collections

from aegan.models.conv import (ConvDiscriminator, ConvEncoder, ConvGenerator,
                               ConvJointDiscriminator)
from aegan.models.mlp import MLP, MLPDiscriminator
from aegan.parallel import DATA_AXIS

COMPUTE_DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}
KINDS = ("mlp", "conv")


GENERATOR_FIELDS = ("upsample", "base_size", "output_kernel")
TRUNK_FIELDS = ("downsample", "negative_slope", "first_batch_norm", "final_size")


def _conv_fields(config: ml_collections.ConfigDict, *names: str) -> dict[str, Any]:
  fields = {name: config[name] for name in ("width", "batch_norm", "kernel", *names)
            if name in config}
  fields = {k: tuple(v) if isinstance(v, (list, tuple)) else v for k, v in fields.items()}
  return dict(fields, batch_norm_axis=DATA_AXIS)


def _mlp_fields(config: ml_collections.ConfigDict) -> dict[str, Any]:
  """An MLP section's optional `batch_norm` (default off), synchronised over the data axis."""
  return dict(batch_norm=config.get("batch_norm", False), batch_norm_axis=DATA_AXIS)


def make_generator(config: ml_collections.ConfigDict, example_shape: tuple[int, ...], dtype):
  """noise inputs -> [B, *example_shape] data."""
  if config.get("kind", "mlp") == "conv":
    return ConvGenerator(output_shape=tuple(example_shape), dtype=dtype,
                         **_conv_fields(config, *GENERATOR_FIELDS))
  return MLP(config.hidden, math.prod(example_shape), config.activation, dtype,
             **_mlp_fields(config))


def make_encoder(config: ml_collections.ConfigDict, output_dim: int, dtype):
  """(x, *extra vectors) -> [B, output_dim]: encoders and reconstructors."""
  if config.get("kind", "mlp") == "conv":
    return ConvEncoder(output_dim=output_dim, dtype=dtype, hidden=tuple(config.get("hidden", ())),
                       **_conv_fields(config, *TRUNK_FIELDS))
  return MLP(config.hidden, output_dim, config.activation, dtype, **_mlp_fields(config))


def make_discriminator(config: ml_collections.ConfigDict, dtype):
  """x -> [B] logits on data."""
  if config.get("kind", "mlp") == "conv":
    return ConvDiscriminator(dtype=dtype, **_conv_fields(config, *TRUNK_FIELDS))
  return MLPDiscriminator(config.hidden, config.activation, dtype, **_mlp_fields(config))


def make_joint_discriminator(config: ml_collections.ConfigDict, dtype):
  """(x, z) -> [B] logits on pairs."""
  if config.get("kind", "mlp") == "conv":
    return ConvJointDiscriminator(dtype=dtype, **_conv_fields(config, *TRUNK_FIELDS, "z_hidden",
                                                              "head_hidden"))
  return MLPDiscriminator(config.hidden, config.activation, dtype, **_mlp_fields(config))


def compute_dtype(config: ml_collections.ConfigDict):
  """`config.model.compute_dtype` ("float32" default, or "bfloat16") as a jnp dtype."""
  return COMPUTE_DTYPES[config.model.get("compute_dtype", "float32")]


__all__ = ["COMPUTE_DTYPES", "KINDS", "MLP", "MLPDiscriminator", "ConvDiscriminator", "ConvEncoder",
           "ConvGenerator", "ConvJointDiscriminator", "compute_dtype", "make_discriminator",
           "make_encoder", "make_generator", "make_joint_discriminator"]
