"""Random-access records of an image split: read whole onto the devices, or a batch of indices
at a time when the trainer streams from the host (`aegan.data.streaming`).

`Records` is anything with a length and `read(indices) -> (uint8 images [n, H, W, C], int32
labels [n])`: a prepared tfds split (`tfds_images.TfdsRecords`, decoding on demand) or arrays
already in memory (`ArrayRecords`).
"""

import dataclasses
from collections.abc import Sequence
from typing import Protocol

import numpy as np

CHUNK = 1_000  # Records decoded per read of a whole split: bounds the memory of decoded examples.


class Records(Protocol):

  def __len__(self) -> int: ...

  def read(self, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]: ...


@dataclasses.dataclass(frozen=True)
class ArrayRecords:
  """Records held in memory: uint8 images [N, H, W, C] and int32 labels [N]."""

  images: np.ndarray
  labels: np.ndarray

  def __len__(self) -> int:
    return len(self.labels)

  def read(self, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    indices = np.asarray(indices, np.int64)
    return self.images[indices], self.labels[indices]


def read_all(records: Records) -> tuple[np.ndarray, np.ndarray]:
  """Every record, in order, read `CHUNK` at a time into preallocated arrays."""
  images, labels = None, np.zeros(len(records), np.int32)
  for start in range(0, len(records), CHUNK):
    stop = min(start + CHUNK, len(records))
    chunk_images, labels[start:stop] = records.read(range(start, stop))
    if images is None:
      images = np.empty((len(records), *chunk_images.shape[1:]), np.uint8)
    images[start:stop] = chunk_images
  return images, labels


def read_random(records: Records, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
  """min(count, len(records)) distinct records chosen uniformly with numpy's `seed`, read in
  index order: the same on every process."""
  chosen = np.random.default_rng(seed).choice(len(records), min(count, len(records)),
                                              replace=False)
  return records.read(np.sort(chosen))
