"""Iterations/s of a config's train step on this machine, fused (lax.scan over
`steps_per_call` iterations per dispatch) and unfused (one iteration per dispatch).

  python benchmarks/step_throughput.py                       # configs/veegan_ring.py
  python benchmarks/step_throughput.py --config=configs/gan_grid.py --fused=100,10,1
  python benchmarks/step_throughput.py --compute_dtypes=float32,bfloat16   # mixed precision
  python benchmarks/step_throughput.py --config=configs/alpha_gan_cifar.py \
      --config.data.data_dir=DIR --fused=5 --iterations=10 --compute_dtypes=float32,bfloat16
"""

import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position
from absl import app, flags  # pylint: disable=wrong-import-position
from ml_collections import config_flags  # pylint: disable=wrong-import-position

from aegan import train  # pylint: disable=wrong-import-position
from aegan.parallel import data_mesh, replicate  # pylint: disable=wrong-import-position

_CONFIG = config_flags.DEFINE_config_file("config", os.path.join(REPO, "configs", "veegan_ring.py"))
_FUSED = flags.DEFINE_list("fused", ["100", "1"], "Iterations per dispatch to measure.")
_ITERATIONS = flags.DEFINE_integer("iterations", 2000, "Iterations timed per setting.")
_DTYPES = flags.DEFINE_list("compute_dtypes", ["float32"],
                            "config.model.compute_dtype values to measure, side by side.")
_REPEATS = flags.DEFINE_integer("repeats", 3, "Timed repetitions per setting; the best is kept.")


def measure(config, steps_per_call: int) -> float:
  mesh = data_mesh()
  method, dataset, optimizers = train.build(config)
  state = replicate(train.init_state(method, optimizers, config.seed), mesh)
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                             steps_per_call)
  arrays = replicate(dataset.arrays("train"), mesh)
  state, metrics = update(state, arrays)  # compile
  jax.block_until_ready(metrics)
  calls = max(1, _ITERATIONS.value // steps_per_call)
  best = 0.0
  for _ in range(_REPEATS.value):
    start = time.perf_counter()
    for _ in range(calls):
      state, metrics = update(state, arrays)
    jax.block_until_ready((state, metrics))
    best = max(best, calls * steps_per_call / (time.perf_counter() - start))
  return best


def main(_):
  config = _CONFIG.value
  print(f"{config.method} on {config.data.name}, global batch {config.train.batch_size}, "
        f"{jax.device_count()} {jax.devices()[0].platform} device(s)")
  rates = {}
  for dtype in _DTYPES.value:
    with config.unlocked():  # MLP configs leave the field at its default, float32.
      config.model.compute_dtype = dtype
    for k in _FUSED.value:
      rates[dtype, int(k)] = measure(config, int(k))
  slowest = min(rates.values())
  for (dtype, k), rate in rates.items():
    print(f"  {dtype:8s} {k:4d} iterations/dispatch: {rate:7.2f} it/s  ({rate / slowest:.2f}x)")

if __name__ == "__main__":
  app.run(main)
