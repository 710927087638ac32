"""Iterations/s of a config's train step on this machine, fused (lax.scan over
`steps_per_call` iterations per dispatch) and unfused (one iteration per dispatch), with the
step's GFLOP/s and their fraction of this machine's measured fp32 matmul peak.

FLOPs per iteration come from XLA's cost analysis of the compiled one-iteration step (summed
over the devices); the peak is the best rate of a 1024³ float32 matmul (2·1024³ FLOPs) measured
in the same run, before and after the configs, so the two share the machine's load.

  python benchmarks/step_throughput.py                       # configs/veegan_ring.py
  python benchmarks/step_throughput.py --config=configs/gan_grid.py --fused=100,10,1
  python benchmarks/step_throughput.py --compute_dtypes=float32,bfloat16   # mixed precision
  python benchmarks/step_throughput.py --config=configs/alpha_gan_cifar.py --synthetic \
      --fused=1 --iterations=10 --compute_dtypes=float32,bfloat16

`--synthetic` trains on random images of the config's size instead of the data set (for image
sets not prepared on this machine): the step's cost does not depend on the pixels.
"""

import dataclasses
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position
import jax.numpy as jnp  # pylint: disable=wrong-import-position
import numpy as np  # pylint: disable=wrong-import-position
from absl import app, flags  # pylint: disable=wrong-import-position
from ml_collections import config_flags  # pylint: disable=wrong-import-position

from aegan import train  # pylint: disable=wrong-import-position
from aegan.data import DATASETS, make_dataset  # pylint: disable=wrong-import-position
from aegan.data.images import to_float  # pylint: disable=wrong-import-position
from aegan.parallel import data_mesh, replicate  # pylint: disable=wrong-import-position

_CONFIG = config_flags.DEFINE_config_file("config", os.path.join(REPO, "configs", "veegan_ring.py"))
_FUSED = flags.DEFINE_list("fused", ["100", "1"], "Iterations per dispatch to measure.")
_ITERATIONS = flags.DEFINE_integer("iterations", 2000, "Iterations timed per setting.")
_DTYPES = flags.DEFINE_list("compute_dtypes", ["float32"],
                            "config.model.compute_dtype values to measure, side by side.")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed repetitions per setting; the best is kept.")
_SYNTHETIC = flags.DEFINE_bool("synthetic", False, "Random images of the config's size instead "
                               "of the data set.")

# Image sizes of the sets `--synthetic` stands in for (aegan/data/images.py).
IMAGE_SHAPES = {"cifar10": (32, 32, 3), "mnist": (28, 28, 1), "stacked_mnist": (28, 28, 3),
                "stacked_mnist5k": (28, 28, 3), "color_mnist5k": (28, 28, 3),
                "color_mnist": (28, 28, 3), "celeb_a": (64, 64, 3)}
PEAK_SIZE = 1024


@dataclasses.dataclass(frozen=True)
class SyntheticImages:
  """A uniformly drawn image of 1,024 random uint8 images of `example_shape`."""

  example_shape: tuple[int, ...]
  num_modes: int | None = None

  def arrays(self, split: str) -> dict[str, np.ndarray]:
    del split
    images = np.random.default_rng(0).integers(0, 256, (1024,) + self.example_shape, np.uint8)
    return {"images": images, "labels": np.zeros(1024, np.int32)}

  def sample_labelled(self, arrays, key):
    index = jax.random.randint(key, (), 0, arrays["images"].shape[0])
    return to_float(arrays["images"][index]), arrays["labels"][index]

  def sample(self, arrays, key):
    return self.sample_labelled(arrays, key)[0]


def matmul_peak(repeats: int = 20) -> float:
  """The best fp32 GFLOP/s of a PEAK_SIZE³ matmul on the first device."""
  a = jax.random.normal(jax.random.PRNGKey(0), (PEAK_SIZE, PEAK_SIZE), jnp.float32)
  matmul = jax.jit(lambda a, b: a @ b)
  matmul(a, a).block_until_ready()
  best = float("inf")
  for _ in range(repeats):
    start = time.perf_counter()
    matmul(a, a).block_until_ready()
    best = min(best, time.perf_counter() - start)
  return 2 * PEAK_SIZE**3 / best / 1e9


def setup(config, steps_per_call: int):
  mesh = data_mesh()
  method, dataset, optimizers = train.build(config)
  state = replicate(train.init_state(method, optimizers, config.seed), mesh)
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                             steps_per_call)
  return update, state, replicate(dataset.arrays("train"), mesh), mesh


def compiled_update(config, steps_per_call: int):
  """(the update of `steps_per_call` iterations compiled for its state and data, the state, the
  data, the mesh): one compilation serves both the cost analysis and the timing."""
  update, state, arrays, mesh = setup(config, steps_per_call)
  return update.jitted.lower(state, arrays).compile(), state, arrays, mesh


def flops_per_iteration(compiled, mesh) -> float:
  """XLA's count of the floating-point operations of one iteration of the compiled
  one-iteration update, over every device."""
  cost = compiled.cost_analysis()
  cost = cost[0] if isinstance(cost, (list, tuple)) else cost
  return float(cost["flops"]) * mesh.size


def measure(compiled, state, arrays, steps_per_call: int) -> float:
  state, metrics = compiled(state, arrays)  # warm-up
  jax.block_until_ready(metrics)
  calls = max(1, _ITERATIONS.value // steps_per_call)
  best = 0.0
  for _ in range(_REPEATS.value):
    start = time.perf_counter()
    for _ in range(calls):
      state, metrics = compiled(state, arrays)
    jax.block_until_ready((state, metrics))
    best = max(best, calls * steps_per_call / (time.perf_counter() - start))
  return best


def main(_):
  config = _CONFIG.value
  if _SYNTHETIC.value:  # The dataset is made by name (aegan.data.DATASETS): register the stand-in.
    name = config.data.name
    shape = IMAGE_SHAPES[name] if name in IMAGE_SHAPES else make_dataset(config.data).example_shape
    DATASETS[name] = lambda **_: SyntheticImages(shape)
  print(f"{config.method} on {config.data.name}{' (synthetic)' if _SYNTHETIC.value else ''}, "
        f"global batch {config.train.batch_size}, {jax.device_count()} "
        f"{jax.devices()[0].platform} device(s), {os.cpu_count()} cores")
  peaks = [matmul_peak()]
  rates, flops = {}, {}
  for dtype in _DTYPES.value:
    with config.unlocked():  # MLP configs leave the field at its default, float32.
      config.model.compute_dtype = dtype
    updates = {int(k): compiled_update(config, int(k)) for k in _FUSED.value}
    one_iteration, _, _, mesh = updates[1] if 1 in updates else compiled_update(config, 1)
    flops[dtype] = flops_per_iteration(one_iteration, mesh)
    for k, (compiled, state, arrays, _) in updates.items():
      rates[dtype, k] = measure(compiled, state, arrays, k)
  peaks.append(matmul_peak())
  peak = max(peaks) * jax.device_count()
  print(f"  fp32 matmul peak ({PEAK_SIZE}³, best of the run): {peak:.1f} GFLOP/s "
        f"(before {peaks[0]:.1f}, after {peaks[1]:.1f} per device)")
  for dtype in _DTYPES.value:
    print(f"  {dtype}: {flops[dtype] / 1e9:.3f} GFLOP per iteration (XLA cost analysis)")
  slowest = min(rates.values())
  for (dtype, k), rate in rates.items():
    gflops = rate * flops[dtype] / 1e9
    print(f"  {dtype:8s} {k:4d} iterations/dispatch: {rate:7.2f} it/s  ({rate / slowest:.2f}x)  "
          f"{gflops:6.1f} GFLOP/s  {100 * gflops / peak:5.1f}% of peak")


if __name__ == "__main__":
  app.run(main)
