"""Wall time of N seeds trained vmapped in one process (`train.num_seeds = N`) against N
separate runs one after the other, each the whole of `train_and_evaluate` (compile, training,
evaluations, checkpoints), as a markdown table with the ratio.

  python benchmarks/seeds.py                                   # veegan_ring, 5 seeds, 2,000 steps
  python benchmarks/seeds.py --config=gan_grid --seeds=5 --steps=10000
  python benchmarks/seeds.py --set=train.batch_size=64 --set=eval.num_samples=1000
"""

import importlib
import os
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import ml_collections  # pylint: disable=wrong-import-position
from absl import app, flags, logging  # pylint: disable=wrong-import-position

from aegan import train  # pylint: disable=wrong-import-position
from benchmarks.mixture_cells import apply_overrides, check_configs  # pylint: disable=wrong-import-position

_CONFIG = flags.DEFINE_string("config", "veegan_ring", "Config module under configs/.")
_SEEDS = flags.DEFINE_integer("seeds", 5, "Number of seeds.")
_STEPS = flags.DEFINE_integer("steps", 2_000, "Training iterations of each seed.")
_SET = flags.DEFINE_multi_string("set", [], "path=value: a config field of every run (e.g. "
                                 "--set=train.batch_size=64).")


def seeds_config(num_seeds: int, seed: int) -> ml_collections.ConfigDict:
  config = importlib.import_module(f"configs.{_CONFIG.value}").get_config()
  apply_overrides(config, _SET.value)
  config.train.update(steps=_STEPS.value, num_seeds=num_seeds)
  config.eval.every = config.checkpoint.every = _STEPS.value
  config.seed = seed
  return config


def timed_run(num_seeds: int, seed: int, workdir: str) -> float:
  config = seeds_config(num_seeds, seed)
  start = time.perf_counter()
  train.train_and_evaluate(config, workdir)
  return time.perf_counter() - start


def main(_):
  logging.set_verbosity(logging.WARNING)
  check_configs([(f"{_CONFIG.value}, {_STEPS.value} steps", seeds_config(_SEEDS.value, 0))])
  with tempfile.TemporaryDirectory() as root:
    vmapped = timed_run(_SEEDS.value, 0, os.path.join(root, "vmapped"))
    separate = sum(timed_run(1, seed, os.path.join(root, f"seed{seed}"))
                   for seed in range(_SEEDS.value))
  print(f"| {_CONFIG.value}, {_STEPS.value} steps | wall s |\n|---|---|")
  print(f"| {_SEEDS.value} seeds vmapped, one process | {vmapped:.1f} |")
  print(f"| {_SEEDS.value} separate runs, one after the other | {separate:.1f} |")
  print(f"| speed-up | {separate / vmapped:.2f}x |")


if __name__ == "__main__":
  app.run(main)
