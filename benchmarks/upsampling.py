"""Milliseconds per jitted fwd+bwd (value_and_grad w.r.t. params and input, BN in training
mode) of the DCGAN generator for each upsampling mode and of the discriminator for each
downsampling mode, in float32 and bfloat16 compute, as a markdown table with the ratio to the
fastest mode of the same network and dtype. Compilation and one warm-up call are excluded;
the settings are timed round-robin, and the median of the repeats is reported.

  python benchmarks/upsampling.py                   # 32x32x3, width 64, batch 64, latent 128
  python benchmarks/upsampling.py --repeats=10 --slow_repeats=3 --dtypes=float32
"""

import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position
import jax.numpy as jnp  # pylint: disable=wrong-import-position
import numpy as np  # pylint: disable=wrong-import-position
from absl import app, flags  # pylint: disable=wrong-import-position

from aegan.models import conv  # pylint: disable=wrong-import-position
from benchmarks.network_step import compiled_step  # pylint: disable=wrong-import-position

_SIZE = flags.DEFINE_integer("size", 32, "Image height and width.")
_WIDTH = flags.DEFINE_integer("width", 64, "Network width.")
_BATCH = flags.DEFINE_integer("batch", 64, "Batch size.")
_LATENT = flags.DEFINE_integer("latent", 128, "Generator input size.")
_DTYPES = flags.DEFINE_list("dtypes", ["float32", "bfloat16"], "Compute dtypes.")
_REPEATS = flags.DEFINE_integer("repeats", 5, "Timed calls per setting; the median is kept.")
_SLOW_REPEATS = flags.DEFINE_integer("slow_repeats", 2, "Timed calls for transposed upsampling, "
                                     "which can take seconds per call on CPU.")


def main(_):
  size, width, batch = _SIZE.value, _WIDTH.value, _BATCH.value
  z = jax.random.normal(jax.random.PRNGKey(1), (batch, _LATENT.value))
  x = jax.random.uniform(jax.random.PRNGKey(2), (batch, size, size, 3), minval=-1, maxval=1)
  print(f"{size}x{size}x3, width {width}, batch {batch}, "
        f"{jax.device_count()} {jax.devices()[0].platform} device(s)")
  steps = {}
  for dtype in _DTYPES.value:
    for mode in conv.UPSAMPLING:
      model = conv.ConvGenerator((size, size, 3), width, upsample=mode, dtype=jnp.dtype(dtype))
      steps["generator", mode, dtype] = compiled_step(model, z)
    for mode in conv.DOWNSAMPLING:
      model = conv.ConvDiscriminator(width, downsample=mode, dtype=jnp.dtype(dtype))
      steps["discriminator", mode, dtype] = compiled_step(model, x)
  # Round-robin over the settings, so that load from other processes falls on all of them.
  times = {key: [] for key in steps}
  for repeat in range(_REPEATS.value):
    for key, step in steps.items():
      if key[1] != "transposed" or repeat < _SLOW_REPEATS.value:
        start = time.perf_counter()
        step()
        times[key].append(1e3 * (time.perf_counter() - start))
  ms = {key: float(np.median(values)) for key, values in times.items()}
  rows = ["| network | mode | dtype | ms per fwd+bwd | × fastest |", "|---|---|---|---|---|"]
  for network, modes in (("generator", conv.UPSAMPLING), ("discriminator", conv.DOWNSAMPLING)):
    for dtype in _DTYPES.value:
      fastest = min(ms[network, mode, dtype] for mode in modes)
      rows += [f"| {network} | {mode} | {dtype} | {ms[network, mode, dtype]:,.0f} | "
               f"{ms[network, mode, dtype] / fastest:.2f} |" for mode in modes]
  print("\n".join(rows))


if __name__ == "__main__":
  app.run(main)
