"""Feature networks for FID, KID, the Inception score and precision/recall, applied on every
local device at once.

A feature network maps uint8 images [N, H, W, C], the pixels an image file would hold
(generated samples are quantised first), to (features [N, D], class probabilities [N, K]):
features for FID/KID/precision-recall, probabilities for the Inception score. Two exist:

- `classifier`: a classifier trained by the codebase on the dataset itself
  (aegan/evaluation/classifier.py; the "CIFAR-10 net" Inception score of the α-GAN paper), fully
  offline. Features are its last hidden layer; a classifier of single-channel images reads each
  channel of a stacked image, and the features of the channels are concatenated, the
  probabilities multiplied (over the 10³ digit triples of Stacked-MNIST).
- `inception`: the FID Inception-v3 (aegan/evaluation/inception.py), pool3 features and the
  softmax of its 1008 logits, its weights read from the file the user names.

`ShardedApply` runs a jitted function over images in batches split over the `data` mesh, so
every device (of every process) computes its share.
"""

from collections.abc import Callable
from typing import Any, Protocol

import jax
import numpy as np
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from aegan.evaluation.progress import Progress
from aegan.parallel import DATA_AXIS, replicate


class FeatureNetwork(Protocol):
  """What the feature metrics need of a network."""

  name: str  # Identifies the network and its weights: part of the reference cache's key.
  description: str  # Which network, from where, reported next to its numbers.
  resize: str  # How images reach the network's input size, reported next to its numbers.

  def __call__(self, images: np.ndarray, progress: Progress | None = None
               ) -> tuple[np.ndarray, np.ndarray]: ...


class ShardedApply:
  """`function(variables, images)`, jitted and with `variables` replicated on every device of
  `mesh` once, applied by `__call__` to host images [N, ...] (the same on every process)
  `batch_size` rows per call, each call's rows split over the devices; its outputs (arrays with
  a leading row axis) come back concatenated as host numpy arrays on every process.

  `batch_size` is rounded up to a multiple of the device count, and the last batch is padded
  to it (one compiled shape).
  """

  def __init__(self, function: Callable[[Any, jax.Array], tuple[jax.Array, ...]], variables: Any,
               mesh: Mesh, batch_size: int):
    self._batch_size = -(-batch_size // mesh.size) * mesh.size
    self._sharding = NamedSharding(mesh, PartitionSpec(DATA_AXIS))
    self._jitted = jax.jit(function,
                           in_shardings=(NamedSharding(mesh, PartitionSpec()), self._sharding))
    self._variables = replicate(variables, mesh)

  def __call__(self, images: np.ndarray, progress: Progress | None = None
               ) -> tuple[np.ndarray, ...]:
    """The outputs for `images`; `progress`, if given, is updated after each batch."""
    outputs = []
    for start in range(0, len(images), self._batch_size):
      batch = images[start:start + self._batch_size]
      padded = np.concatenate([batch, np.zeros((self._batch_size - len(batch),) + batch.shape[1:],
                                               batch.dtype)])
      global_batch = jax.make_array_from_callback(padded.shape, self._sharding,
                                                  lambda index: padded[index])
      result = multihost_utils.process_allgather(self._jitted(self._variables, global_batch),
                                                 tiled=True)
      outputs.append(tuple(np.asarray(out)[:len(batch)] for out in result))
      if progress is not None:
        progress.update(start + len(batch))
    return tuple(np.concatenate(parts) for parts in zip(*outputs))
