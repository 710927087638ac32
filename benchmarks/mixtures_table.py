"""VEEGAN Table 1 (ring and grid columns) on this machine: trains each config, prints a
markdown table of modes and % high-quality samples next to the paper's, with wall times.

  python benchmarks/mixtures_table.py                        # 4 configs x seed 0
  python benchmarks/mixtures_table.py --seeds=0,1,2 --workdir=/tmp/table

Each run is `train_and_evaluate(config, workdir)`, the same as `launch/main.py`, into
`<workdir>/<config>_seed<N>` (existing runs there are resumed, so a finished table re-prints).
"""

import importlib
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import numpy as np  # pylint: disable=wrong-import-position
from absl import app, flags, logging  # pylint: disable=wrong-import-position

from aegan import train  # pylint: disable=wrong-import-position

_CONFIGS = flags.DEFINE_list("configs", ["veegan_ring", "gan_ring", "veegan_grid", "gan_grid"],
                             "Config modules under configs/.")
_SEEDS = flags.DEFINE_list("seeds", ["0"], "Seeds; the table reports mean ± std over them.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/mixtures_table", "Where the runs go.")

# VEEGAN Table 1 [paper]: (modes, % high quality).
PAPER = {
    ("gan", "ring"): (1, 99.3), ("veegan", "ring"): (8, 52.9),
    ("gan", "grid"): (3.3, 0.5), ("veegan", "grid"): (24.6, 40),
}


def _mean_std(values: list[float]) -> str:
  return f"{np.mean(values):.1f} ± {np.std(values):.1f}" if len(values) > 1 else f"{values[0]:.1f}"


def main(_):
  logging.set_verbosity(logging.WARNING)
  rows = ["| config | data | modes (paper) | % HQ (paper) | wall s per run |", "|---|---|---|---|---|"]
  for name in _CONFIGS.value:
    config = importlib.import_module(f"configs.{name}").get_config()
    modes, hq, walls = [], [], []
    for seed in _SEEDS.value:
      config.seed = int(seed)
      start = time.perf_counter()
      results = train.train_and_evaluate(config, os.path.join(_WORKDIR.value, f"{name}_seed{seed}"))
      walls.append(time.perf_counter() - start)
      modes.append(results["eval/modes"])
      hq.append(100 * results["eval/hq_fraction"])
    paper_modes, paper_hq = PAPER.get((config.method, config.data.name), ("-", "-"))
    rows.append(f"| {name} | {config.data.name} | {_mean_std(modes)} ({paper_modes}) | "
                f"{_mean_std(hq)} ({paper_hq}) | {np.mean(walls):.0f} |")
    print(rows[-1], flush=True)
  print("\n".join(rows))


if __name__ == "__main__":
  app.run(main)
