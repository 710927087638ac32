"""flax.linen networks used by the methods."""

from aegan.models.mlp import MLP, JointDiscriminator

__all__ = ["MLP", "JointDiscriminator"]
