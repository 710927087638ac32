"""Do the mixture recipes hold beyond the two geometries of VEEGAN Table 1? Every method keeps
its shipped config (`configs/<method>_ring.py` for rings, `configs/<method>_grid.py` for grids)
and only the data fields change, as a new user would try it; each cell trains several seeds
vmapped in one process and reports modes, % high-quality samples and mode KL (mean ± sample
std, ddof 1), plus how many seeds cover every mode with mode KL ≤ 0.3.

  python benchmarks/robustness.py                              # Table 1's rows, 3 seeds, 5k it
  python benchmarks/robustness.py --methods=veegan --geometries=ring12_r2,grid7
  python benchmarks/robustness.py --methods=veegan --steps=0   # the configs' budgets (10k, 30k)
  python benchmarks/robustness.py --methods=veegan --geometries=ring10_r3,ring20_r2,grid4_sp3,grid6,grid5_tight
                                        # the five held out of the family (HELD_OUT)
  python benchmarks/robustness.py --methods=gan --geometries=ring \
      --set=optimizer.discriminator.learning_rate=1e-3 --workdir=runs/sweep_gan_d1e-3

`--set=path=value` overrides a config field in every cell (a recipe to try; the values are
Python literals). Finished cells are resumed from their workdir, not retrained. The table is
printed and written to `<workdir>/robustness.md`.
"""

import os
import platform
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from absl import app, flags, logging  # pylint: disable=wrong-import-position

from aegan import train, writers  # pylint: disable=wrong-import-position
from aegan.data import make_dataset  # pylint: disable=wrong-import-position
from aegan.evaluation.evaluator import mean_std_text  # pylint: disable=wrong-import-position
from benchmarks.mixture_cells import (  # pylint: disable=wrong-import-position
    FAMILY, GEOMETRIES, KL_COVERED, cell_config, check_configs, seeds_covering)

_METHODS = flags.DEFINE_list("methods", ["gan", "ali", "unrolled_gan", "veegan"],
                             "Methods (configs/<method>_ring.py and _grid.py).")
_GEOMETRIES = flags.DEFINE_list("geometries", list(FAMILY),
                                "Geometries (GEOMETRIES; default the family, without HELD_OUT).")
_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds per cell, vmapped in one process.")
_STEPS = flags.DEFINE_integer("steps", 5_000, "Iterations per cell (5,000: Table 1's short budget; "
                              "0: each config's own, 10k for rings and 30k for grids).")
_SET = flags.DEFINE_multi_string("set", [], "path=value: a config field for every cell.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/robustness", "Where the cells' runs go.")


def main(argv: list[str]) -> None:
  del argv
  logging.set_verbosity(logging.WARNING)
  unknown = sorted(set(_GEOMETRIES.value) - set(GEOMETRIES))
  if unknown:
    raise app.UsageError(f"unknown geometries {unknown}: choose from {list(GEOMETRIES)}")
  cells = {(method, geometry): cell_config(method, geometry, _SET.value, _STEPS.value,
                                           _SEEDS.value)
           for method in _METHODS.value for geometry in _GEOMETRIES.value}
  check_configs((f"{method} on {geometry}", config) for (method, geometry), config in cells.items())
  os.makedirs(_WORKDIR.value, exist_ok=True)
  start = time.perf_counter()
  rows = ["| method | geometry | modes | % HQ | mode KL | seeds covering | wall s |",
          "|---|---|---|---|---|---|---|"]
  for (method, geometry), config in cells.items():
    num_modes = make_dataset(config.data).num_modes
    cell_start = time.perf_counter()
    results = train.train_and_evaluate(config, os.path.join(_WORKDIR.value, f"{method}_{geometry}"))
    wall = time.perf_counter() - cell_start
    rows.append(
        f"| {method} | {geometry} | {mean_std_text(results, 'eval/modes')} / {num_modes} | "
        f"{mean_std_text(results, 'eval/hq_fraction', 100)} | {mean_std_text(results, 'eval/mode_kl', digits=2)} | "
        f"{seeds_covering(results, num_modes, _SEEDS.value)} / {_SEEDS.value} | {wall:.0f} |")
    print(rows[-1], flush=True)
  budget = f"{_STEPS.value:,}" if _STEPS.value else "the configs' own"
  text = "\n".join(rows) + (
      f"\n\nmean ± sample std (ddof 1) over {_SEEDS.value} seeds, {budget} iterations per cell; "
      f"overrides: {', '.join(_SET.value) or 'none (shipped configs)'}; seeds covering: every mode "
      f"captured with mode KL ≤ {KL_COVERED}; {os.cpu_count()} cores, "
      f"{platform.processor() or platform.machine()}; {(time.perf_counter() - start) / 60:.1f} min.\n")
  writers.replace_atomically(os.path.join(_WORKDIR.value, "robustness.md"), lambda f: f.write(text))
  print(text)


if __name__ == "__main__":
  app.run(main)
