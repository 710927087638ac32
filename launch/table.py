"""Reproduces a paper's table in one command: every method x data set, several seeds each.

  python launch/table.py --table=veegan1                    # VEEGAN Table 1, 5 seeds, -> runs/table_veegan1
  python launch/table.py --table=veegan1 --methods=all      # + our extra baselines' rows
  python launch/table.py --table=veegan1 --budget=short     # fewer iterations, lower quality
  python launch/table.py --table=veegan1 --methods=veegan,gan --datasets=ring --seeds=2
  python launch/table.py --table=veegan1 --methods=all --jobs=8  # on a GPU: 8 cells at a time

The rows are the paper's methods (`--methods=all` adds the extra baselines aegan implements).
Each cell trains for its config's own `train.steps` (`--budget=config`, the default: the
budgets at which VEEGAN was measured against the paper, hours for the whole table on 2 cores),
for a named shorter budget of the table (`--budget=short`: the same iterations for every cell
of a column, a fraction of the time, with lower quality), or for `--steps`.
Learning-rate schedules span the run's `train.steps` iterations, so they stretch or shrink with them.
Each cell trains `configs/<method>_<data>.py` with `train.num_seeds` seeds (seed, seed + 1, ...)
vmapped in one process (aegan/train.py), the same `train_and_evaluate` as launch/main.py, into
`<workdir>/<method>_<data>` (a finished cell is resumed, not retrained, so an interrupted table
continues where it stopped). The markdown table — each row's recipe (the discriminator's
learning rate and schedule its config kept from benchmarks/baseline_sweep.py), modes, %
high-quality samples and mode KL as mean ± sample standard deviation (ddof 1) over the seeds,
the paper's number beside the first two, the wall time of each cell and of the whole table — is printed and written to `<workdir>/table.md`,
which is rewritten after every cell, so an interrupted table keeps the cells it finished.

`--jobs=N` trains N cells at a time, each in a fresh process (spawned, so no JAX state is
shared; on a GPU each process gets 0.9/N of its memory unless XLA_PYTHON_CLIENT_MEM_FRACTION
is set). A cell's small networks leave a GPU mostly idle, so cells overlap well there: the
whole table with every method took 6.5 min on one H200 as eight processes at once
(docs/results.md). On the 2-core CPU one cell already keeps both cores busy: two at a time took 236 s
where one after the other took 242 s (docs/results.md).
"""

import concurrent.futures
import importlib
import multiprocessing
import os
import platform
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position
from absl import app, flags, logging  # pylint: disable=wrong-import-position

from aegan import compilation_cache, train, writers  # pylint: disable=wrong-import-position
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
_JOBS = flags.DEFINE_integer("jobs", 1, "Cells trained at once, each in its own process "
                             "(1: one after the other, in this process).", lower_bound=1)
_WORKDIR = flags.DEFINE_string("workdir", None, "Where the runs go (default: runs/table_<table>).")


def _mean_std(results: dict, name: str, scale: float = 1.0, digits: int = 1) -> str:
  """`name`'s mean over the seeds ± their sample standard deviation (ddof 1; aegan/evaluation/
  seeds.py), both times `scale`, with `digits` decimals; the value alone for a single seed."""
  if name + "_std" not in results:
    return f"{scale * results[name]:.{digits}f}"
  return f"{scale * results[name]:.{digits}f} ± {scale * results[name + '_std']:.{digits}f}"


def _modes_hq_kl(results: dict) -> tuple[str, str, str]:
  """A cell's modes, % high-quality samples and mode KL (NaN where no seed had a high-quality
  sample), each as mean ± sample std over its seeds."""
  return (_mean_std(results, "eval/modes"), _mean_std(results, "eval/hq_fraction", 100),
          _mean_std(results, "eval/mode_kl", digits=2))


def recipe(method: str, data: str) -> str:
  """The tuned setting of a row's config (benchmarks/baseline_sweep.py chose it): the
  discriminator's learning rate and whether the rates decay."""
  optimizer = importlib.import_module(f"configs.{method}_{data}").get_config().optimizer
  schedules = sorted({network.schedule for network in optimizer.values()})
  return f"D {optimizer.discriminator.learning_rate:g}, {'/'.join(schedules)}"


def cell_steps(table: dict, data: str) -> int | None:
  """The iterations of every cell of column `data`; None: each config's own."""
  if _STEPS.value:
    return _STEPS.value
  return None if _BUDGET.value == "config" else table["budgets"][_BUDGET.value][data]


def run_cell(method: str, data: str, steps: int | None, seed: int, num_seeds: int,
             workdir: str) -> tuple[dict, float, int, str]:
  """Trains configs/<method>_<data>.py with seeds seed … seed + num_seeds - 1 for `steps`
  iterations (None: the config's) in `workdir/<method>_<data>`: (final results, wall seconds,
  iterations, the devices it ran on). Only cells ask for devices, so the parent of several jobs
  starts no JAX backend and takes no GPU memory."""
  logging.set_verbosity(logging.WARNING)
  config = importlib.import_module(f"configs.{method}_{data}").get_config()
  config.seed = seed
  config.train.num_seeds = num_seeds
  if steps:
    config.train.steps = steps
    config.eval.every = config.checkpoint.every = steps
  start = time.perf_counter()
  results = train.train_and_evaluate(config, os.path.join(workdir, f"{method}_{data}"))
  device = jax.devices()[0]
  return (results, time.perf_counter() - start, config.train.steps,
          f"{jax.device_count()} {device.platform} device(s) ({device.device_kind})")


def main(argv: list[str]) -> None:
  del argv
  compilation_cache.enable_from_flag()  # Inherited by the --jobs processes through the environment.
  logging.set_verbosity(logging.WARNING)
  table = TABLES[_TABLE.value]
  if _BUDGET.value != "config" and _BUDGET.value not in table["budgets"]:
    raise app.UsageError(f"--budget={_BUDGET.value}: choose config or one of {sorted(table['budgets'])}")
  methods = _METHODS.value or table["methods"]
  if methods == ["all"]:
    methods = table["methods"] + table["extra_methods"]
  datasets = _DATASETS.value or table["datasets"]
  missing = [f"configs/{method}_{data}.py" for method in methods for data in datasets
             if not os.path.exists(os.path.join(REPO, "configs", f"{method}_{data}.py"))]
  if missing:
    raise app.UsageError(f"no config for {', '.join(missing)}: rows are {table['methods']} "
                         f"and {table['extra_methods']}, columns {table['datasets']}")
  workdir = _WORKDIR.value or os.path.join("runs", f"table_{_TABLE.value}")
  os.makedirs(workdir, exist_ok=True)
  start = time.perf_counter()
  done = {}  # (method, data) -> run_cell's outcome

  def write(finished: bool) -> str:
    """Writes table.md with the cells done so far ("…" for the others); rewritten after every
    cell, so an interrupted table keeps what it measured."""
    header = ["method", "recipe"] + [f"{data} {what}" for data in datasets
                                     for what in ("modes (paper)", "% HQ (paper)", "mode KL", "wall s")]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method in methods:
      cells = [method, recipe(method, datasets[0])]
      for data in datasets:
        if (method, data) not in done:
          cells += ["…"] * 4
          continue
        results, wall, _, _ = done[method, data]
        modes, hq, kl = _modes_hq_kl(results)
        paper_modes, paper_hq = table["paper"].get(method, {}).get(data, ("-", "-"))
        cells += [f"{modes} ({paper_modes})", f"{hq} ({paper_hq})", kl, f"{wall:.0f}"]
      rows.append("| " + " | ".join(cells) + " |")
    steps_by_data = {}  # data -> the iterations of its cells done so far
    for (_, data), (_, _, steps, _) in done.items():
      steps_by_data.setdefault(data, set()).add(steps)
    iterations = ", ".join(f"{data} {'/'.join(f'{n:,}' for n in sorted(steps_by_data[data]))}"
                           for data in datasets if data in steps_by_data)
    devices = sorted({device for _, _, _, device in done.values()})
    text = "\n".join(rows) + (
        f"\n\nmean ± sample std (ddof 1) over {_SEEDS.value} seeds (from {_SEED.value}), vmapped in one process per "
        f"cell{f', {_JOBS.value} cells at a time' if _JOBS.value > 1 else ''}; iterations per cell: "
        f"{iterations}; {', '.join(devices)}, {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}; "
        f"{'whole table' if finished else 'unfinished, so far'} {(time.perf_counter() - start) / 60:.1f} min.\n")
    writers.replace_atomically(os.path.join(workdir, "table.md"), lambda f: f.write(text))
    return text

  def record(method: str, data: str, outcome: tuple[dict, float, int, str]) -> None:
    done[method, data] = outcome
    results, wall, _, _ = outcome
    modes, hq, kl = _modes_hq_kl(results)
    print(f"{method} on {data}: {modes} modes, {hq} % HQ, mode KL {kl}, {wall:.0f} s", flush=True)
    write(finished=False)

  cells = [(method, data, cell_steps(table, data), _SEED.value, _SEEDS.value, workdir)
           for method in methods for data in datasets]
  if _JOBS.value == 1:
    for cell in cells:
      record(*cell[:2], run_cell(*cell))
  else:
    # Each process would otherwise take 75% of a GPU's memory at its start.
    os.environ.setdefault("XLA_PYTHON_CLIENT_MEM_FRACTION", f"{0.9 / _JOBS.value:.2f}")
    with concurrent.futures.ProcessPoolExecutor(
        _JOBS.value, mp_context=multiprocessing.get_context("spawn"), max_tasks_per_child=1) as pool:
      futures = {pool.submit(run_cell, *cell): cell[:2] for cell in cells}
      for future in concurrent.futures.as_completed(futures):
        record(*futures[future], future.result())
  print(write(finished=True))


if __name__ == "__main__":
  app.run(main)
