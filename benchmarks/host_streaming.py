"""Records per second that host streaming (aegan/data/streaming.py) reads, by decoding threads.

Prepares, with a real tfds builder in a temp dir, a celeb_a-format set of 218x178 PNG faces
(smooth synthetic images: real ones cannot be downloaded here), then times `HostStream.read`
(decode, central 108x108 crop, bilinear resize to 64x64, shard over the devices) for calls of
`batch` x `draws` records, each thread count timed round-robin; the median is reported.

  python benchmarks/host_streaming.py                     # 1,000 faces, batch 64 x 2 draws
  python benchmarks/host_streaming.py --threads=1,2,4,8 --repeats=20
"""

import os
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import numpy as np  # pylint: disable=wrong-import-position
from absl import app, flags  # pylint: disable=wrong-import-position

from aegan.data import images  # pylint: disable=wrong-import-position
from aegan.data.streaming import HostStream  # pylint: disable=wrong-import-position
from aegan.parallel import data_mesh  # pylint: disable=wrong-import-position
from tests.datasets import prepare  # pylint: disable=wrong-import-position

_NUM_IMAGES = flags.DEFINE_integer("num_images", 1_000, "Faces in the prepared training split.")
_BATCH = flags.DEFINE_integer("batch", 64, "Global batch per draw.")
_DRAWS = flags.DEFINE_integer("draws", 2, "Draws per iteration (α-GAN: generator_updates).")
_THREADS = flags.DEFINE_list("threads", ["1", "2", "4"], "Decoding thread counts to time.")
_REPEATS = flags.DEFINE_integer("repeats", 10, "Timed calls per thread count.")


def synthetic_faces(n: int, rng: np.random.Generator) -> np.ndarray:
  """uint8 [n, 218, 178, 3]: smooth colour waves plus a little noise (PNG-compressible, like photos)."""
  yy, xx = np.mgrid[:218, :178]
  waves = np.stack([np.sin(yy / 20), np.cos(xx / 15), np.sin((xx + yy) / 30)], -1)
  faces = (waves[None] * rng.uniform(0.3, 1, (n, 1, 1, 3)) + 1) * 127
  return np.clip(faces + rng.integers(-8, 8, faces.shape), 0, 255).astype(np.uint8)


def main(_):
  rng = np.random.default_rng(0)
  with tempfile.TemporaryDirectory() as data_dir:
    measure(data_dir, rng)


def measure(data_dir: str, rng: np.random.Generator) -> None:
  faces = synthetic_faces(_NUM_IMAGES.value, rng)
  prepare(data_dir, "celeb_a", "2.1.0", {"train": (faces, None), "test": (faces[:10], None)}, True)
  dataset = images.celeb_a(data_dir=data_dir)
  records = dataset.records("train")
  streams = {int(t): HostStream(records, dataset.example_shape, data_mesh(), 0, _BATCH.value,
                                _DRAWS.value, 1, decode_threads=int(t)) for t in _THREADS.value}
  times = {threads: [] for threads in streams}
  for step in range(_REPEATS.value + 1):
    for threads, stream in streams.items():
      start = time.perf_counter()
      stream.read(step)["images"].block_until_ready()
      if step:  # The first call of each warms the file handles.
        times[threads].append(time.perf_counter() - start)
  per_call = _BATCH.value * _DRAWS.value
  print(f"| decoding threads | s per call ({per_call} records) | records/s |\n|---|---|---|")
  for threads, seconds in times.items():
    median = float(np.median(seconds))
    print(f"| {threads} | {median:.3f} | {per_call / median:.0f} |")


if __name__ == "__main__":
  app.run(main)
