"""Training batches read on the host, for image sets that should not live on the devices.

With `train.data_placement = "host"` the trainer does not place the training split on the
devices; each call of the update receives instead the uint8 images of exactly the records its
iterations use, read on the host a few calls ahead by a background thread:

    records of iteration s = default_rng([seed, s]).integers(0, N, (draws, global_batch))

(numpy's PCG64, uniform with replacement, `draws` = the most draws any phase of the method
makes per iteration). They depend only on (seed, s), never on the device or process count, so
a resumed run reads exactly the records the uninterrupted one would have, and row i of a draw
goes to global example i, which the step treats as it treats a drawn one. The global batch
axis is sharded over the `data` mesh; each process reads only the rows of its own devices
(`jax.make_array_from_callback` asks only for addressable shards), so on several hosts the
records are split per process. Only the records a process needs are ever decoded: nothing is
loaded up front.

The device-resident path draws with jax.random instead, so host-streamed and device-resident
runs of one config see different (equally distributed) batches.
"""

import collections
import concurrent.futures
import os
from collections.abc import Iterator

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from aegan.data.records import Records
from aegan.parallel import DATA_AXIS

SHARDING_SPEC = PartitionSpec(None, None, DATA_AXIS)  # [iterations, draws, batch, H, W, C].


def record_indices(seed: int, step: int, num_records: int, draws: int, global_batch: int
                   ) -> np.ndarray:
  """int64 [draws, global_batch]: the records iteration `step` reads, uniform with replacement."""
  return np.random.default_rng([seed, step]).integers(0, num_records, (draws, global_batch))


class HostStream:
  """Iterates over the update's streamed inputs, from `start_step` to `total_steps`.

  Each item is {"images": uint8 [steps_per_call, draws, global_batch, H, W, C]}, sharded over
  the batch axis, for the iterations start, start + 1, ... of one call; `prefetch` calls are
  read ahead in a background thread while the devices compute, each call's records decoded by
  `decode_threads` threads (default: one per CPU core; PIL releases the GIL while it decodes).
  """

  def __init__(self, records: Records, example_shape: tuple[int, ...], mesh: Mesh, seed: int,
               global_batch: int, draws: int, steps_per_call: int, prefetch: int = 2,
               decode_threads: int | None = None):
    self._records, self._seed = records, seed
    self._shape = (steps_per_call, draws, global_batch, *example_shape)
    self._sharding = NamedSharding(mesh, SHARDING_SPEC)
    self._prefetch = prefetch
    self._decode_threads = decode_threads or os.cpu_count() or 1
    self._decoders = concurrent.futures.ThreadPoolExecutor(self._decode_threads)

  def _read_records(self, indices: np.ndarray) -> np.ndarray:
    chunks = np.array_split(indices, min(len(indices), self._decode_threads))
    images = [images for images, _ in self._decoders.map(self._records.read, chunks)]
    return np.concatenate(images)

  def read(self, step: int) -> dict[str, jax.Array]:
    """The inputs of the call that starts at iteration `step`."""
    steps_per_call, draws, global_batch = self._shape[:3]
    indices = np.stack([record_indices(self._seed, step + i, len(self._records), draws, global_batch)
                        for i in range(steps_per_call)])

    def shard(index: tuple[slice, ...]) -> np.ndarray:
      rows = indices[index[:3]]
      images = self._read_records(rows.reshape(-1))
      if images.shape[1:] != self._shape[3:]:
        raise ValueError(f"records of shape {images.shape[1:]}, expected {self._shape[3:]}")
      return images.reshape(rows.shape + images.shape[1:])

    return {"images": jax.make_array_from_callback(self._shape, self._sharding, shard)}

  def iterate(self, start_step: int, total_steps: int) -> Iterator[dict[str, jax.Array]]:
    steps = range(start_step, total_steps, self._shape[0])
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as reader:
      pending = collections.deque(reader.submit(self.read, s) for s in steps[:self._prefetch])
      for next_step in steps[self._prefetch:]:
        inputs = pending.popleft().result()
        pending.append(reader.submit(self.read, next_step))
        yield inputs
      while pending:
        yield pending.popleft().result()
