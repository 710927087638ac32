"""Reproduces a paper's table in one command: every method x data set, several seeds each.

  python launch/table.py --table=veegan1                    # VEEGAN Table 1, 5 seeds, -> runs/table_veegan1
  python launch/table.py --table=veegan1 --methods=all      # + our extra baselines' rows
  python launch/table.py --table=veegan1 --budget=short     # fewer iterations, lower quality
  python launch/table.py --table=veegan1 --methods=veegan,gan --datasets=ring --seeds=2

The rows are the paper's methods (`--methods=all` adds the extra baselines aegan implements).
Each cell trains for its config's own `train.steps` (`--budget=config`, the default: the
budgets at which VEEGAN was measured against the paper, hours for the whole table on 2 cores),
for a named shorter budget of the table (`--budget=short`: the same iterations for every cell
of a column, a fraction of the time, with lower quality), or for `--steps`.
Learning-rate schedules are FieldReferences to the steps, so they stretch or shrink with them.
Each cell trains `configs/<method>_<data>.py` with `train.num_seeds` seeds (seed, seed + 1, ...)
vmapped in one process (aegan/train.py), the same `train_and_evaluate` as launch/main.py, into
`<workdir>/<method>_<data>` (a finished cell is resumed, not retrained, so an interrupted table
continues where it stopped). The markdown table — modes and % high-quality samples as mean ±
standard deviation over the seeds, the paper's number beside each, the wall time of each cell
and of the whole table — is printed and written to `<workdir>/table.md`, which is rewritten
after every cell, so an interrupted table keeps the cells it finished.
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

from aegan import train, writers  # pylint: disable=wrong-import-position
from configs.tables import TABLES  # pylint: disable=wrong-import-position

_TABLE = flags.DEFINE_enum("table", "veegan1", list(TABLES), "Which paper table.")
_METHODS = flags.DEFINE_list("methods", None,
                             "Rows to run (default: the paper's rows; 'all': and the extra baselines).")
_DATASETS = flags.DEFINE_list("datasets", None, "Columns to run (default: every column).")
_SEEDS = flags.DEFINE_integer("seeds", 5, "Seeds per cell, vmapped in one process.")
_SEED = flags.DEFINE_integer("seed", 0, "First seed.")
_BUDGET = flags.DEFINE_string("budget", "config",
                              "Iterations per cell: 'config' (each config's own) or a budget the "
                              "table names (veegan1: 'short').")
_STEPS = flags.DEFINE_integer("steps", None, "Iterations for every cell (overrides --budget).")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where the runs go (default: runs/table_<table>).")


def _mean_std(results: dict, name: str, scale: float = 1.0) -> str:
  return f"{scale * results[name]:.1f} ± {scale * results.get(name + '_std', 0.0):.1f}"


def cell_steps(table: dict, data: str) -> int | None:
  """The iterations of every cell of column `data`; None: each config's own."""
  if _STEPS.value:
    return _STEPS.value
  return None if _BUDGET.value == "config" else table["budgets"][_BUDGET.value][data]


def run_cell(method: str, data: str, steps: int | None, workdir: str) -> tuple[dict, float, int]:
  """Trains configs/<method>_<data>.py with the table's seeds for `steps` iterations (None: the
  config's): (final results, wall seconds, iterations)."""
  config = importlib.import_module(f"configs.{method}_{data}").get_config()
  config.seed = _SEED.value
  config.train.num_seeds = _SEEDS.value
  if steps:
    config.train.steps = steps
    config.eval.every = config.checkpoint.every = steps
  start = time.perf_counter()
  results = train.train_and_evaluate(config, os.path.join(workdir, f"{method}_{data}"))
  return results, time.perf_counter() - start, config.train.steps


def main(argv: list[str]) -> None:
  del argv
  logging.set_verbosity(logging.WARNING)
  table = TABLES[_TABLE.value]
  if _BUDGET.value != "config" and _BUDGET.value not in table["budgets"]:
    raise app.UsageError(f"--budget={_BUDGET.value}: choose config or one of {sorted(table['budgets'])}")
  methods = _METHODS.value or table["methods"]
  if methods == ["all"]:
    methods = table["methods"] + table["extra_methods"]
  datasets = _DATASETS.value or table["datasets"]
  workdir = _WORKDIR.value or os.path.join("runs", f"table_{_TABLE.value}")
  os.makedirs(workdir, exist_ok=True)
  header = ["method"] + [f"{data} {what}" for data in datasets for what in ("modes (paper)", "% HQ (paper)", "wall s")]
  rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
  start = time.perf_counter()
  iterations = {}  # data -> {iterations of its cells}

  def write(cells: list[str], done: bool) -> str:
    """Writes table.md: the rows so far and `cells`, the row in progress; rewritten after
    every cell, so an interrupted table keeps what it measured."""
    budget = ", ".join(f"{data} {'/'.join(f'{n:,}' for n in sorted(iterations[data]))}"
                       for data in datasets if data in iterations)
    text = "\n".join(rows + ["| " + " | ".join(cells) + " |"] * bool(cells)) + (
        f"\n\nmean ± std over {_SEEDS.value} seeds (from {_SEED.value}), vmapped in one process per "
        f"cell; iterations per cell: {budget}; {jax.device_count()} {jax.devices()[0].platform} "
        f"device(s) ({jax.devices()[0].device_kind}), {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}; "
        f"{'whole table' if done else 'unfinished, so far'} {(time.perf_counter() - start) / 60:.1f} min.\n")
    writers.replace_atomically(os.path.join(workdir, "table.md"), lambda f: f.write(text))
    return text

  for method in methods:
    cells = [method]
    for data in datasets:
      results, wall, steps = run_cell(method, data, cell_steps(table, data), workdir)
      iterations.setdefault(data, set()).add(steps)
      paper_modes, paper_hq = table["paper"].get(method, {}).get(data, ("-", "-"))
      cells += [f"{_mean_std(results, 'eval/modes')} ({paper_modes})",
                f"{_mean_std(results, 'eval/hq_fraction', 100)} ({paper_hq})", f"{wall:.0f}"]
      print(f"{method} on {data}: {cells[-3]} modes, {cells[-2]} % HQ, {wall:.0f} s", flush=True)
      write(cells, done=False)
    rows.append("| " + " | ".join(cells) + " |")
  print(write([], done=True))


if __name__ == "__main__":
  app.run(main)
