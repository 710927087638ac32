"""Iterations/s of a config's train step on this machine, fused (lax.scan over
`steps_per_call` iterations per dispatch) and unfused (one iteration per dispatch), with the
step's GFLOP/s and their fraction of this machine's measured fp32 matmul peak. Every setting is
timed once per round, the rounds interleaved, and each reports its best and median round.

FLOPs per iteration come from XLA's cost analysis of the compiled one-iteration step (summed
over the devices); the peak is the best rate of a 1024³ float32 matmul (2·1024³ FLOPs) measured
in the same run, before and after the configs, so the two share the machine's load.

  python benchmarks/step_throughput.py                       # configs/veegan_ring.py
  python benchmarks/step_throughput.py --config=configs/gan_grid.py --fused=100,10,1
  python benchmarks/step_throughput.py --compute_dtypes=float32,bfloat16   # mixed precision
  python benchmarks/step_throughput.py --config=configs/alpha_gan_cifar.py --synthetic \
      --fused=1 --iterations=10 --compute_dtypes=float32,bfloat16
  python benchmarks/step_throughput.py --config=configs/stacked_m.py:dcgan,quarter --synthetic \
      --fused=1 --iterations=50 --repeats=5 --share_forwards=true,false

`--share_forwards=true,false` times the step that runs a network's forward pass once where two
phases apply it to the same draws (the default, aegan/methods/base.py `SharedForwards`) beside
the step that runs it in each phase.

`--synthetic` trains on random images of the config's size instead of the data set (for image
sets not prepared on this machine): the step's cost does not depend on the pixels.
"""

import contextlib
import dataclasses
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position
import jax.numpy as jnp  # pylint: disable=wrong-import-position
import ml_collections  # pylint: disable=wrong-import-position
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
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed rounds; every setting once per round.")
_SYNTHETIC = flags.DEFINE_bool("synthetic", False, "Random images of the config's size instead "
                               "of the data set.")
_SHARE_FORWARDS = flags.DEFINE_list("share_forwards", ["true"], "make_update's share_forwards "
                                    "values to measure, side by side: true, false or both.")

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


def setup(config, steps_per_call: int, share_forwards: bool = True):
  mesh = data_mesh()
  method, dataset, optimizers = train.build(config)
  state = replicate(train.init_state(method, optimizers, config.seed), mesh)
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                             steps_per_call, share_forwards=share_forwards)
  return update, state, replicate(dataset.arrays("train"), mesh), mesh


def compiled_update(config, steps_per_call: int, share_forwards: bool = True):
  """(the update of `steps_per_call` iterations compiled for its state and data, the state, the
  data, the mesh): one compilation serves both the cost analysis and the timing."""
  update, state, arrays, mesh = setup(config, steps_per_call, share_forwards)
  return update.jitted.lower(state, arrays).compile(), state, arrays, mesh


def flops_per_iteration(compiled, mesh) -> float:
  """XLA's count of the floating-point operations of one iteration of the compiled
  one-iteration update, over every device."""
  cost = compiled.cost_analysis()
  cost = cost[0] if isinstance(cost, (list, tuple)) else cost
  return float(cost["flops"]) * mesh.size


class Timer:
  """One setting's compiled update and its state, timed a round at a time."""

  def __init__(self, compiled, state, arrays, steps_per_call: int):
    self.compiled, self.arrays, self.steps_per_call = compiled, arrays, steps_per_call
    self.state, metrics = compiled(state, arrays)  # Warm-up.
    jax.block_until_ready(metrics)
    self.rates = []

  def round(self) -> None:
    """Times `--iterations` iterations (at least one call) and records their it/s."""
    calls = max(1, _ITERATIONS.value // self.steps_per_call)
    start = time.perf_counter()
    for _ in range(calls):
      self.state, metrics = self.compiled(self.state, self.arrays)
    jax.block_until_ready((self.state, metrics))
    self.rates.append(calls * self.steps_per_call / (time.perf_counter() - start))


@contextlib.contextmanager
def synthetic_data(data: ml_collections.ConfigDict):
  """Within the block, the data set `data` names is made as `SyntheticImages` of its size (the
  data set is made by name, aegan.data.DATASETS); the registry is restored after it, so a process
  that goes on (the tests run documented commands in one) makes the real set again."""
  name = data.name
  shape = IMAGE_SHAPES[name] if name in IMAGE_SHAPES else make_dataset(data).example_shape
  registered = DATASETS.get(name)
  DATASETS[name] = lambda **_: SyntheticImages(shape)
  try:
    yield
  finally:
    if registered is None:
      del DATASETS[name]
    else:
      DATASETS[name] = registered


def main(_):
  config = _CONFIG.value
  with synthetic_data(config.data) if _SYNTHETIC.value else contextlib.nullcontext():
    measure_and_print(config)


def measure_and_print(config: ml_collections.ConfigDict) -> None:
  """Times every setting of the flags on `config`'s step and prints the rates."""
  print(f"{config.method} on {config.data.name}{' (synthetic)' if _SYNTHETIC.value else ''}, "
        f"global batch {config.train.batch_size}, {jax.device_count()} "
        f"{jax.devices()[0].platform} device(s), {os.cpu_count()} cores")
  peaks = [matmul_peak()]
  shares = {"true": True, "false": False}
  timers, flops = {}, {}
  for dtype in _DTYPES.value:
    with config.unlocked():  # MLP configs leave the field at its default, float32.
      config.model.compute_dtype = dtype
    for share in _SHARE_FORWARDS.value:
      updates = {int(k): compiled_update(config, int(k), shares[share]) for k in _FUSED.value}
      one_iteration, _, _, mesh = updates[1] if 1 in updates else compiled_update(
          config, 1, shares[share])
      flops[dtype, share] = flops_per_iteration(one_iteration, mesh)
      for k, (compiled, state, arrays, _) in updates.items():
        timers[dtype, share, k] = Timer(compiled, state, arrays, k)
  for _ in range(_REPEATS.value):  # Rounds interleaved: every setting shares the machine's load.
    for timer in timers.values():
      timer.round()
  peaks.append(matmul_peak())
  peak = max(peaks) * jax.device_count()
  print(f"  fp32 matmul peak ({PEAK_SIZE}³, best of the run): {peak:.1f} GFLOP/s "
        f"(before {peaks[0]:.1f}, after {peaks[1]:.1f} per device)")
  compared = len(_SHARE_FORWARDS.value) > 1
  label = lambda share: f" share_forwards={share}" if compared else ""
  for (dtype, share), count in flops.items():
    print(f"  {dtype}{label(share)}: {count / 1e9:.3f} GFLOP per iteration (XLA cost analysis)")
  print(f"  it/s, best and median of {_REPEATS.value} interleaved round(s):")
  slowest = min(max(timer.rates) for timer in timers.values())
  for (dtype, share, k), timer in timers.items():
    best = max(timer.rates)
    gflops = best * flops[dtype, share] / 1e9
    print(f"  {dtype:8s} {k:4d} iterations/dispatch: {best:7.2f} it/s best, "
          f"{np.median(timer.rates):7.2f} median  ({best / slowest:.2f}x)  {gflops:6.1f} GFLOP/s  "
          f"{100 * gflops / peak:5.1f}% of peak{label(share)}")


if __name__ == "__main__":
  app.run(main)
