"""Reproduces a paper's table in one command: every method x data set, several seeds each.

  python launch/table.py --table=veegan1                    # VEEGAN Table 1, 5 seeds, -> runs/table_veegan1
  python launch/table.py --table=veegan1 --methods=veegan,gan --datasets=ring --seeds=2

Each cell trains `configs/<method>_<data>.py` with `train.num_seeds` seeds (seed, seed + 1, ...)
vmapped in one process (aegan/train.py), the same `train_and_evaluate` as launch/main.py, into
`<workdir>/<method>_<data>` (a finished cell is resumed, not retrained, so an interrupted table
continues where it stopped). The markdown table — modes and % high-quality samples as mean ±
standard deviation over the seeds, the paper's number beside each, the wall time of each cell
and of the whole table — is printed and written to `<workdir>/table.md`.
"""

import importlib
import os
import platform
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position
from absl import app, flags, logging  # pylint: disable=wrong-import-position

from aegan import train  # pylint: disable=wrong-import-position

# VEEGAN Table 1 [PAPERS.md §1]: method -> data -> (modes, % high quality). Rows without a
# paper number (our extra baselines) print "-".
TABLES = {
    "veegan1": dict(
        datasets=("ring", "grid", "1200d"),
        methods=("gan", "ali", "unrolled_gan", "veegan", "bigan", "wgan_gp", "age", "alpha_gan"),
        paper={
            "gan": {"ring": (1, 99.3), "grid": (3.3, 0.5), "1200d": (1.6, 2.0)},
            "ali": {"ring": (2.8, 0.13), "grid": (15.8, 1.6), "1200d": (3, 5.4)},
            "unrolled_gan": {"ring": (7.6, 35.6), "grid": (23.6, 16), "1200d": (0, 0.0)},
            "veegan": {"ring": (8, 52.9), "grid": (24.6, 40), "1200d": (5.5, 28.29)},
        },
    ),
}

_TABLE = flags.DEFINE_enum("table", "veegan1", list(TABLES), "Which paper table.")
_METHODS = flags.DEFINE_list("methods", None, "Rows to run (default: every row of the table).")
_DATASETS = flags.DEFINE_list("datasets", None, "Columns to run (default: every column).")
_SEEDS = flags.DEFINE_integer("seeds", 5, "Seeds per cell, vmapped in one process.")
_SEED = flags.DEFINE_integer("seed", 0, "First seed.")
_STEPS = flags.DEFINE_integer("steps", None, "Override every config's train.steps (default: the config's).")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where the runs go (default: runs/table_<table>).")


def _mean_std(results: dict, name: str, scale: float = 1.0) -> str:
  return f"{scale * results[name]:.1f} ± {scale * results.get(name + '_std', 0.0):.1f}"


def run_cell(method: str, data: str, workdir: str) -> tuple[dict, float]:
  """Trains configs/<method>_<data>.py with the table's seeds: (final results, wall seconds)."""
  config = importlib.import_module(f"configs.{method}_{data}").get_config()
  config.seed = _SEED.value
  config.train.num_seeds = _SEEDS.value
  if _STEPS.value:
    config.train.steps = _STEPS.value
    config.eval.every = config.checkpoint.every = _STEPS.value
  start = time.perf_counter()
  results = train.train_and_evaluate(config, os.path.join(workdir, f"{method}_{data}"))
  return results, time.perf_counter() - start


def main(argv: list[str]) -> None:
  del argv
  logging.set_verbosity(logging.WARNING)
  table = TABLES[_TABLE.value]
  methods = _METHODS.value or table["methods"]
  datasets = _DATASETS.value or table["datasets"]
  workdir = _WORKDIR.value or os.path.join("runs", f"table_{_TABLE.value}")
  os.makedirs(workdir, exist_ok=True)
  header = ["method"] + [f"{data} {what}" for data in datasets for what in ("modes (paper)", "% HQ (paper)", "wall s")]
  rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
  start = time.perf_counter()
  for method in methods:
    cells = [method]
    for data in datasets:
      results, wall = run_cell(method, data, workdir)
      paper_modes, paper_hq = table["paper"].get(method, {}).get(data, ("-", "-"))
      cells += [f"{_mean_std(results, 'eval/modes')} ({paper_modes})",
                f"{_mean_std(results, 'eval/hq_fraction', 100)} ({paper_hq})", f"{wall:.0f}"]
      print(f"{method} on {data}: {cells[-3]} modes, {cells[-2]} % HQ, {wall:.0f} s", flush=True)
    rows.append("| " + " | ".join(cells) + " |")
  total = time.perf_counter() - start
  text = "\n".join(rows) + (
      f"\n\nmean ± std over {_SEEDS.value} seeds (from {_SEED.value}), vmapped in one process per "
      f"cell; {jax.device_count()} {jax.devices()[0].platform} device(s), {os.cpu_count()} cores, "
      f"{platform.processor() or platform.machine()}; whole table {total / 60:.1f} min.\n")
  with open(os.path.join(workdir, "table.md"), "w") as f:
    f.write(text)
  print(text)


if __name__ == "__main__":
  app.run(main)
