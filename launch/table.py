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
which is rewritten after every cell, so an interrupted table keeps the cells it finished. A mean
over fewer seeds than the cell ran (a mode KL that a seed with no high-quality sample leaves
undefined) says so: "0.40 ± 0.14 (2 of 3 seeds)". A cell read back from an earlier invocation
shows the wall time of the one that trained it (kept in its run's `table_seconds.json`, with
the devices it ran on), and the last line says when the table's own time counts this
invocation alone. While a cell trains, its progress (step, it/s, ETA) and its evaluation's are
logged on stderr as launch/main.py logs them; the last line printed names table.md and the
figures.

`--jobs=N` trains N cells at a time, each in a fresh process (spawned, so no JAX state is
shared; on a GPU each process gets 0.9/N of its memory unless XLA_PYTHON_CLIENT_MEM_FRACTION
is set). A cell's small networks leave a GPU mostly idle, so cells overlap well there: the
whole table with every method took 6.5 min on one H200 as eight processes at once
(docs/results.md). On the 2-core CPU one cell already keeps both cores busy: two at a time took 236 s
where one after the other took 242 s (docs/results.md). Each job's process runs on its own
share of the machine's cores (`--pin_cores`, default on; `core_groups`): two protocol-M DCGAN
steps at once on the 2-core CPU, pinned to a core each, made 1.10-1.26x the iterations per
second of the same two unpinned, whose thread pools took turns on both cores (3 rounds;
docs/performance.md).

The image tables (configs/tables.py, `kind="images"`):

  python launch/table.py --table=veegan2 --budget=short     # VEEGAN Table 2's rows, 3 seeds
  python launch/table.py --table=alpha_gan --budget=short   # α-GAN's image comparison
  python launch/table.py --table=alpha_gan --inception_weights=pt_inception-2015-12-05-6726825d.pth
  python launch/table.py --table=alpha_gan --budget=short --datasets=color_mnist5k --seeds=1 \
      --steps=20 --classifier_steps=50 --set=eval.num_samples=500 \
      --set=eval.features.num_samples=500 --set=eval.features.num_real=500   # a quick look

train `configs/<method>_images.py:<data>` with the table's evaluation protocol, each seed its
own run in `<workdir>/<method>_<data>/seed<i>` (convolutions vmapped over seeds run slower than
the seeds one after another on XLA:CPU). The digit classifiers that count modes and give the
"dataset classifier" scores are the table's first cells (`<workdir>/<classifier config>`).
A column whose data is not prepared here is skipped with one line saying how to prepare it;
the offline columns (stacked_mnist5k, color_mnist5k) always run. With `--inception_weights`
(pytorch-fid's FID Inception file) each seed's final samples are also scored with the FID
Inception (launch/score.py's scoring, into `seed<i>/inception/`), beside the classifier's
scores. table.md has one table per column, rows x measures (mean ± sample std over the seeds,
the paper's number in brackets), and `<workdir>/<data>.png` shows per row the first seed's
samples and, for the methods that reconstruct, held-out images beside their reconstructions.

Bad input (an unknown table, row or column, a budget the table does not name, a weights file
that is not the FID Inception's) is one line on stderr and exit status 2, before anything is
written.
"""

import argparse
import concurrent.futures
import glob
import importlib
import json
import math
import multiprocessing
import os
import platform
import sys
import time
from collections.abc import Sequence
from typing import NamedTuple

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position
import ml_collections  # pylint: disable=wrong-import-position
import numpy as np  # pylint: disable=wrong-import-position
import PIL.Image  # pylint: disable=wrong-import-position
from absl import app, flags, logging  # pylint: disable=wrong-import-position

from aegan import compilation_cache, configuration, methods, plots, run_log, train, writers  # pylint: disable=wrong-import-position
from aegan.data import DatasetNotFoundError, make_dataset  # pylint: disable=wrong-import-position
from aegan.evaluation import inception, quality_gate  # pylint: disable=wrong-import-position
from aegan.evaluation.evaluator import mean_std_text, summarise_seeds  # pylint: disable=wrong-import-position
from aegan.evaluation.torch_files import WeightsFileError  # pylint: disable=wrong-import-position
from benchmarks.mixture_cells import apply_overrides  # pylint: disable=wrong-import-position
from configs import common  # pylint: disable=wrong-import-position
from configs.tables import TABLES, image_row_config  # pylint: disable=wrong-import-position
from launch import score  # pylint: disable=wrong-import-position

_TABLE = flags.DEFINE_string("table", "veegan1", f"Which paper table: {', '.join(TABLES)}.")
_METHODS = flags.DEFINE_list("methods", None,
                             "Rows to run (default: the paper's rows; 'all': and the extra baselines).")
_DATASETS = flags.DEFINE_list("datasets", None, "Columns to run (default: every column).")
_SEEDS = flags.DEFINE_integer("seeds", None, "Seeds per cell (default: the table's, 5 for "
                              "veegan1, 3 for the image tables).", lower_bound=1)
_SEED = flags.DEFINE_integer("seed", 0, "First seed.")
_BUDGET = flags.DEFINE_string("budget", "config",
                              "Iterations per cell: 'config' (each config's own) or a budget the "
                              "table names ('short').")
_STEPS = flags.DEFINE_integer("steps", None, "Iterations for every cell (overrides --budget).")
_JOBS = flags.DEFINE_integer("jobs", 1, "Cells trained at once, each in its own process "
                             "(1: one after the other, in this process).", lower_bound=1)
_PIN_CORES = flags.DEFINE_bool("pin_cores", True, "With --jobs > 1 and at least as many cores "
                               "as jobs: each job's process on its own share of the cores.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where the runs go (default: runs/table_<table>).")
_INCEPTION_WEIGHTS = flags.DEFINE_string(
    "inception_weights", None, "Image tables: pytorch-fid's FID Inception weights file; each "
    "seed's samples are also scored with it.")
_CLASSIFIER_STEPS = flags.DEFINE_integer(
    "classifier_steps", None, "Image tables: iterations of the digit classifiers (default: "
    "their configs'; fewer make a quick look whose mode counts use a weaker classifier).",
    lower_bound=1)
_SET = flags.DEFINE_multi_string(
    "set", [], "path=value: a config field of every cell (after the table's protocol), e.g. "
    "eval.num_samples=1000 for a quick look.")


TIMING = "table_seconds.json"  # In a run the table finished: its wall seconds and devices.


class CellOutcome(NamedTuple):
  """What a cell (a run the table trains) gives the table."""
  results: dict        # The final evaluation's metrics.
  seconds: float       # Wall seconds of the invocation that trained and evaluated it.
  steps: int           # Its iterations.
  devices: str         # What it ran on.
  read_back: bool      # Finished by an earlier invocation, read back rather than trained.


def _fail(message: str) -> None:
  print(f"error: {message}", file=sys.stderr)
  sys.exit(2)


def _log_progress(what: str, run: str) -> None:
  """A line naming the cell, then its run's log as launch/main.py's (step, it/s, ETA, the
  evaluation's measures), also in a --jobs process."""
  run_log.own_lines_only()
  logging.set_verbosity(logging.INFO)
  print(f"{what}: {run}", flush=True)


def _modes_hq_kl(results: dict, num_seeds: int) -> tuple[str, str, str]:
  """A cell's modes, % high-quality samples and mode KL (NaN where no seed had a high-quality
  sample, and over the seeds that had one), each as mean ± sample std over its seeds."""
  return (mean_std_text(results, "eval/modes", num_seeds=num_seeds),
          mean_std_text(results, "eval/hq_fraction", 100, num_seeds=num_seeds),
          mean_std_text(results, "eval/mode_kl", digits=2, num_seeds=num_seeds))


def train_timed(config: ml_collections.ConfigDict, run: str) -> CellOutcome:
  """`train.train_and_evaluate(config, run)` as a cell of the table. A run an earlier
  invocation finished is read back, not retrained, with the wall seconds and devices of the
  one that trained it (`run/table_seconds.json`, which also names the cores its process could
  run on); otherwise they are this invocation's, kept."""
  timing = os.path.join(run, TIMING)
  earlier = None
  if os.path.exists(timing) and train.finished_results(config, run) is not None:
    with open(timing) as f:
      earlier = json.load(f)
  start = time.perf_counter()
  results = dict(train.train_and_evaluate(config, run))
  if earlier:
    return CellOutcome(results, earlier["train_and_evaluate"], config.train.steps,
                       earlier.get("devices", _devices()), True)
  seconds, devices = time.perf_counter() - start, _devices()
  cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
  writers.write_json(timing, {"train_and_evaluate": seconds, "devices": devices, "cores": cores})
  return CellOutcome(results, seconds, config.train.steps, devices, False)


def elapsed_text(finished: bool, elapsed: float, outcomes: list[CellOutcome]) -> str:
  """The table's time: the whole table's when this invocation trained every cell; this
  invocation's, and all cells' wall time added up, when some were read back."""
  if not finished:
    return f"unfinished, so far {elapsed / 60:.1f} min"
  read_back = sum(outcome.read_back for outcome in outcomes)
  if not read_back:
    return f"whole table {elapsed / 60:.1f} min"
  return (f"this invocation {elapsed / 60:.1f} min, {read_back} of {len(outcomes)} cells read "
          f"back from an earlier one (cells' wall times added up: "
          f"{sum(outcome.seconds for outcome in outcomes) / 60:.1f} min)")


def recipe(method: str, data: str) -> str:
  """The tuned setting of a row's config (benchmarks/baseline_sweep.py chose it), as the method
  describes it (aegan/methods/: e.g. the discriminator's learning rate and the schedules)."""
  return methods.recipe(importlib.import_module(f"configs.{method}_{data}").get_config())


def column_budget(table: dict, data: str):
  """`--budget`'s entry for column `data` (mixtures: its iterations; images: its iterations and
  width); None for `--budget=config` (each config's own)."""
  return None if _BUDGET.value == "config" else table["budgets"][_BUDGET.value][data]


def cell_steps(table: dict, data: str) -> int | None:
  """The iterations of every cell of column `data`; None: each config's own."""
  return _STEPS.value or column_budget(table, data)


def run_cell(method: str, data: str, steps: int | None, seed: int, num_seeds: int,
             workdir: str, overrides: tuple[str, ...] = ()) -> CellOutcome:
  """Trains configs/<method>_<data>.py with seeds seed … seed + num_seeds - 1 for `steps`
  iterations (None: the config's) and `overrides` (`--set`'s path=value) in
  `workdir/<method>_<data>` (`train_timed`). Only cells ask
  for devices, so the parent of several jobs starts no JAX backend and takes no GPU memory."""
  run = os.path.join(workdir, f"{method}_{data}")
  _log_progress(f"{method} on {data}", run)
  return train_timed(mixture_config(method, data, steps, seed, num_seeds, overrides), run)


def mixture_config(method: str, data: str, steps: int | None, seed: int, num_seeds: int,
                   overrides: tuple[str, ...] = ()) -> ml_collections.ConfigDict:
  """The config of mixture cell (method, data): configs/<method>_<data>.py with its seeds,
  `steps` iterations (None: the config's) evaluated at the end, and `overrides`."""
  config = importlib.import_module(f"configs.{method}_{data}").get_config()
  config.seed = seed
  config.train.num_seeds = num_seeds
  if steps:
    config.train.steps = steps
    config.eval.every = config.checkpoint.every = steps
  apply_overrides(config, overrides)
  return config


def classifier_name(spec: str) -> str:
  """The workdir name of a classifier config `module[:argument]`: classifier_mnist5k_color_mnist5k."""
  module, _, argument = spec.partition(":")
  return module + (f"_{argument}" if argument else "")


def classifier_config(spec: str) -> ml_collections.ConfigDict:
  """The config of classifier `spec`, module[:argument]: configs/<module>.py's get_config(argument)."""
  module, _, argument = spec.partition(":")
  return importlib.import_module(f"configs.{module}").get_config(*[argument] if argument else [])


def run_classifier(spec: str, steps: int | None, workdir: str) -> CellOutcome:
  """Trains the classifier config `spec` (module[:argument]; `steps` iterations, None: its own)
  into `workdir/<classifier_name(spec)>` (a finished one is kept: `train_timed`)."""
  run = os.path.join(workdir, classifier_name(spec))
  _log_progress(f"classifier {spec}", run)
  config = classifier_config(spec)
  if steps:
    config.train.steps = config.eval.every = config.checkpoint.every = steps
  return train_timed(config, run)


def _devices() -> str:
  """The devices a cell ran on, for table.md."""
  device = jax.devices()[0]
  return f"{jax.device_count()} {device.platform} device(s) ({device.device_kind})"


def image_config(table_name: str, method: str, data: str, budget: dict | None, steps: int | None,
                 seed: int, classifier_workdir: str | None,
                 overrides: tuple[str, ...] = ()) -> ml_collections.ConfigDict:
  """The config of seed `seed` of image cell (method, data): `configs/<method>_images.py:<data>`
  at the budget's width and iterations (`steps` overrides them; neither: the config's), with the
  table's evaluation protocol and then `overrides` (`--set`'s path=value), evaluated only at
  the end."""
  table = TABLES[table_name]
  config = image_row_config(table, method, data)
  if budget:
    if "width" in budget:
      common.at_width(config, budget["width"])
    config.train.steps = budget["steps"]
  if steps:
    config.train.steps = steps
  config.eval.every = config.checkpoint.every = config.train.steps
  config.seed = seed
  config = table["protocol"](config, classifier_workdir)
  apply_overrides(config, overrides)
  return config


def run_image_seed(table_name: str, method: str, data: str, budget: dict | None,
                   steps: int | None, seed: int, classifier_workdir: str | None,
                   inception_weights: str | None, workdir: str,
                   overrides: tuple[str, ...] = ()) -> CellOutcome:
  """Trains and evaluates seed `seed` of image cell (method, data) into
  `workdir/<method>_<data>/seed<seed>` (a finished one is read back: `train_timed`); with
  `inception_weights`, also scores its final samples with the FID Inception (launch/score.py)
  into its `inception/`, whose metrics join the results (`inception_metrics`), its seconds
  added to the seed's."""
  run = os.path.join(workdir, f"{method}_{data}", f"seed{seed}")
  _log_progress(f"{method} on {data}, seed {seed}", run)
  config = image_config(table_name, method, data, budget, steps, seed, classifier_workdir,
                        overrides)
  share_reference_cache(config, workdir)
  outcome = train_timed(config, run)
  if not inception_weights:
    return outcome
  start = time.perf_counter()
  scored = score.score(argparse.Namespace(
      samples=os.path.join(run, "samples", "final.npz"), data=None, run=run,
      workdir=os.path.join(run, "inception"), classifier_workdir=None,
      inception_weights=inception_weights, num_samples=None, seed=None))
  return outcome._replace(results={**outcome.results, **inception_metrics(scored)},
                          seconds=outcome.seconds + time.perf_counter() - start)


def share_reference_cache(config: ml_collections.ConfigDict, workdir: str) -> None:
  """Every cell of the table keeps the real data's features and the quality gate's reference
  in `workdir`/reference_features (keyed by data, network and size), so that only the first
  cell of a column computes them, unless `--set` named another `cache_dir`."""
  for section in ("features", "classifier"):
    fields = config.eval.get(section)
    if fields is not None and "cache_dir" in fields and not fields.cache_dir:
      fields.cache_dir = os.path.join(workdir, "reference_features")


def inception_metrics(scored: dict) -> dict[str, float]:
  """launch/score.py's results (`eval/<name>`: a number, or None where undefined) as the
  table's `inception/<name>` metrics, None as NaN (shown as nan, not as a missing cell)."""
  return {f"inception/{name.removeprefix('eval/')}": math.nan if value is None else float(value)
          for name, value in scored.items()
          if name.startswith("eval/") and (value is None or isinstance(value, (int, float)))}


def column_missing(table_name: str, data: str) -> str | None:
  """None if column `data`'s images (and its classifier's) are prepared here; otherwise the
  one line that says how to prepare them."""
  table = TABLES[table_name]
  configs = [image_config(table_name, table["methods"][0], data, None, None, 0, None)]
  if data in table["classifiers"]:
    configs.append(classifier_config(table["classifiers"][data]))
  try:
    for config in configs:
      make_dataset(config.data).arrays("test")
  except DatasetNotFoundError as error:
    return str(error)
  return None


def image_figure(path: str, runs: dict[str, str]) -> None:
  """One PNG at `path` for a column: per row (method -> its first seed's run directory), 32 of
  its final samples and, where it reconstructs, the evaluation's real/reconstruction pairs."""
  panels = []
  for method, run in runs.items():
    samples = np.load(os.path.join(run, "samples", "final.npz"))["x"]
    panels.append((f"{method}: samples", plots.grid(samples[:32], columns=16)))
    reconstructions = sorted(glob.glob(os.path.join(run, "samples", "reconstructions_*.png")))
    if reconstructions:
      panels.append((f"{method}: held-out images and their reconstructions",
                     np.asarray(PIL.Image.open(reconstructions[-1]).convert("RGB"))))
  plots.panels(path, panels)


def _paper(table: dict, method: str, data: str) -> dict:
  """The paper's numbers for (method, data), or for the set `data` stands in for (`paper_as`:
  the offline stacked_mnist5k is judged against the paper's Stacked-MNIST)."""
  return table["paper"].get(method, {}).get(table.get("paper_as", {}).get(data, data), {})


def _image_cell(table: dict, measures: list[tuple], data: str, method: str, results: dict,
                wall: float, num_seeds: int) -> list[str]:
  cells = [method]
  for _, metric, scale, digits in measures:
    paper = _paper(table, method, data).get(metric)
    value = (mean_std_text(results, metric, scale, digits, num_seeds) if metric in results
             else "-")
    if metric in quality_gate.GATED and quality_gate.failing_seeds(results, num_seeds):
      value += f" {quality_gate.MARK}"  # Counts of samples that fail the quality gate.
    cells.append(f"{value} ({paper})" if paper else value)
  return cells + [f"{wall:.0f}"]


def image_table_text(table_name: str, datasets: list[str], methods: list[str], skipped: dict,
                     classifiers: dict, done: dict, seeds: list[int], budget_text: str,
                     finished: bool, elapsed: float) -> str:
  """table.md of an image table: per column a line (what it trained, its classifier) and a
  table of rows x the measures its protocol computed, with the table's notes on those
  measures. `classifiers`: column -> its classifier's CellOutcome; `done`: (row, column) -> a
  CellOutcome of the seeds' summary (`read_back` if every seed was)."""
  table = TABLES[table_name]
  lines = [f"# {table_name}: mean ± sample std (ddof 1) over seeds {', '.join(map(str, seeds))}"
           f" (each its own run); the paper's number in brackets; {budget_text}", ""]
  for data in datasets:
    lines.append(f"## {data}" + (" (offline)" if data in table["offline"] else ""))
    lines.append("")
    if data in skipped:
      lines += [f"skipped: {skipped[data]}", ""]
      continue
    if data in classifiers:
      classifier = classifiers[data]
      lines += [f"classifier {table['classifiers'][data]}: "
                f"{100 * classifier.results['eval/accuracy']:.1f}% test accuracy after "
                f"{classifier.steps:,} iterations ({classifier.seconds:.0f} s)", ""]
    rows = {method: done[method, data] for method in methods if (method, data) in done}
    shown = [measure for measure in quality_gate.with_gate_measure(table["measures"])
             if any(measure[1] in row.results for row in rows.values())]
    paper_set = table.get("paper_as", {}).get(data, data)
    paper_name = "paper" if paper_set == data else f"paper's {paper_set}"
    header = ["method"] + [name + (f" ({paper_name})" if any(
        measure in _paper(table, method, data) for method in methods) else "")
        for name, measure, _, _ in shown] + ["wall s (all seeds)"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method in methods:
      if method in rows:
        lines.append("| " + " | ".join(_image_cell(table, shown, data, method, rows[method].results,
                                                   rows[method].seconds, len(seeds))) + " |")
      else:
        lines.append("| " + " | ".join([method] + ["…"] * (len(header) - 1)) + " |")
    references = [f"{name} {np.mean(values):.{digits}f}" for name, metric, digits in
                  table.get("reference", ()) if (values := [row.results[metric] for row
                                                            in rows.values() if metric in row.results])]
    if references:  # The same for every row (the real data's), averaged over the rows' runs.
      lines += ["", "; ".join(references)]
    notes = [table.get("notes", {})[metric] for _, metric, _, _ in shown
             if metric in table.get("notes", {})]
    if notes:
      lines += [""] + notes
    gate = quality_gate.table_notes({method: row.results for method, row in rows.items()},
                                    len(seeds))
    if gate:
      lines += [""] + gate
    steps = sorted({row.steps for row in rows.values()})
    if steps:
      lines += ["", f"iterations: {'/'.join(f'{n:,}' for n in steps)}; figure: {data}.png"]
    lines.append("")
  devices = sorted({outcome.devices for outcome in done.values()})
  lines.append(f"{', '.join(devices) or 'no cell run yet'}, {os.cpu_count()} cores, "
               f"{platform.processor() or platform.machine()}; "
               f"{elapsed_text(finished, elapsed, list(classifiers.values()) + list(done.values()))}.")
  return "\n".join(lines) + "\n"


def run_image_table(table_name: str, methods: list[str], datasets: list[str], seeds: list[int],
                    workdir: str) -> None:
  """The image table: classifiers first, then every (row, column, seed), table.md and the
  column figures rewritten after every cell."""
  table = TABLES[table_name]
  start = time.perf_counter()
  skipped = {}
  for data in datasets:
    missing = None if data in table["offline"] else column_missing(table_name, data)
    if missing:
      skipped[data] = missing
      print(f"{data}: skipped, its data is not prepared: {missing}", flush=True)
  columns = [data for data in datasets if data not in skipped]
  budget = _BUDGET.value if not _STEPS.value else f"{_STEPS.value:,} iterations"
  width = (column_budget(table, columns[0]) or {}).get("width") if columns else None
  budget_text = f"budget {budget}" + (f" (conv width {width})" if width else "")
  classifiers, seed_results, done = {}, {}, {}

  def write(finished: bool) -> None:
    text = image_table_text(table_name, datasets, methods, skipped, classifiers, done, seeds,
                            budget_text, finished, time.perf_counter() - start)
    writers.replace_atomically(os.path.join(workdir, "table.md"), lambda f: f.write(text))
    if finished:
      print(text)
      figures = [os.path.join(workdir, f"{data}.png") for data in columns
                 if any((method, data) in done for method in methods)]
      print(f"table: {os.path.join(workdir, 'table.md')}; figures: "
            f"{', '.join(figures) or 'none (no cell finished)'}", flush=True)

  def record(key: tuple, outcome: CellOutcome) -> None:
    if key[0] == "classifier":
      for data in columns:
        if table["classifiers"].get(data) == key[1]:
          classifiers[data] = outcome
      print(f"classifier {key[1]}: {100 * outcome.results['eval/accuracy']:.1f}% test accuracy, "
            f"{outcome.seconds:.0f} s{' (read back)' if outcome.read_back else ''}", flush=True)
      return
    method, data, seed = key
    seed_results[key] = outcome
    print(f"{method} on {data}, seed {seed}: {outcome.seconds:.0f} s"
          f"{' (read back)' if outcome.read_back else ''}", flush=True)
    if all((method, data, s) in seed_results for s in seeds):
      per_seed = [seed_results[method, data, s] for s in seeds]
      metrics = [{k: float(v) for k, v in seed.results.items() if isinstance(v, (int, float))}
                 for seed in per_seed]
      summary = metrics[0] if len(seeds) == 1 else summarise_seeds(metrics)
      done[method, data] = CellOutcome(summary, sum(seed.seconds for seed in per_seed),
                                       per_seed[0].steps, per_seed[0].devices,
                                       all(seed.read_back for seed in per_seed))
      image_figure(os.path.join(workdir, f"{data}.png"),
                   {m: os.path.join(workdir, f"{m}_{data}", f"seed{seeds[0]}")
                    for m in methods if (m, data) in done})
    write(finished=False)

  specs = sorted({table["classifiers"][data] for data in columns if data in table["classifiers"]})
  classifier_cells = [(("classifier", spec), run_classifier, (spec, _CLASSIFIER_STEPS.value, workdir))
                      for spec in specs]
  classifier_dirs = {data: os.path.join(workdir, classifier_name(table["classifiers"][data]))
                     for data in columns if data in table["classifiers"]}
  seed_cells = [((method, data, seed), run_image_seed,
                 (table_name, method, data, column_budget(table, data), _STEPS.value, seed,
                  classifier_dirs.get(data), _INCEPTION_WEIGHTS.value, workdir, tuple(_SET.value)))
                for data in columns for method in methods for seed in seeds]
  for cells in (classifier_cells, seed_cells):  # The classifiers before the cells that use them.
    run_cells(cells, record)
  write(finished=True)


def core_groups(cores: Sequence[int], jobs: int) -> list[tuple[int, ...]] | None:
  """`cores` split into `jobs` disjoint groups of consecutive cores, as even as possible; None
  where there are fewer cores than jobs (then nothing is pinned)."""
  if jobs > len(cores):
    return None
  cores = sorted(cores)
  return [tuple(cores[i * len(cores) // jobs:(i + 1) * len(cores) // jobs]) for i in range(jobs)]


_free_core_groups = None  # In a --jobs process: the queue of the core groups no running cell holds.


def _keep_core_groups(queue) -> None:
  """A --jobs process's initializer: the queue of free core groups, shared by the processes."""
  global _free_core_groups  # pylint: disable=global-statement
  _free_core_groups = queue


def _on_own_cores(function, arguments: tuple):
  """`function(*arguments)` in a --jobs process, on a core group no other running cell holds
  (pinned before the cell starts JAX's backend, whose thread pool then fits the group); the
  group is free again once it returns. At most --jobs cells run at once, one per group."""
  group = _free_core_groups.get()
  os.sched_setaffinity(0, group)
  try:
    return function(*arguments)
  finally:
    _free_core_groups.put(group)


def run_cells(cells: list[tuple], record) -> None:
  """Runs each (key, function, arguments) of `cells`, `--jobs` at a time in fresh processes (or
  in this one), calling `record(key, outcome)` as each finishes; with `--pin_cores`, each
  process on its own group of this machine's cores (`core_groups`): with fewer cells than
  --jobs (a table's one classifier), the cores are split among the cells, none left idle."""
  if not cells:
    return
  if _JOBS.value == 1:
    for key, function, arguments in cells:
      record(key, function(*arguments))
    return
  # Each process would otherwise take 75% of a GPU's memory at its start.
  os.environ.setdefault("XLA_PYTHON_CLIENT_MEM_FRACTION", f"{0.9 / _JOBS.value:.2f}")
  context = multiprocessing.get_context("spawn")
  jobs = min(_JOBS.value, len(cells))
  groups = (core_groups(os.sched_getaffinity(0), jobs)
            if _PIN_CORES.value and hasattr(os, "sched_setaffinity") else None)
  pool_options = {}
  if groups:
    queue = context.Queue()
    for group in groups:
      queue.put(group)
    pool_options = dict(initializer=_keep_core_groups, initargs=(queue,))
    cells = [(key, _on_own_cores, (function, arguments)) for key, function, arguments in cells]
  with concurrent.futures.ProcessPoolExecutor(
      jobs, mp_context=context, max_tasks_per_child=1, **pool_options) as pool:
    futures = {pool.submit(function, *arguments): key for key, function, arguments in cells}
    for future in concurrent.futures.as_completed(futures):
      record(futures[future], future.result())


def check_arguments(table_name: str) -> tuple[dict, list[str], list[str]]:
  """The table, its rows and its columns as the flags name them; one line and exit status 2
  for anything unknown, before anything is written."""
  if table_name not in TABLES:
    _fail(f"--table={table_name}: unknown; choose one of {', '.join(TABLES)}")
  table = TABLES[table_name]
  if _BUDGET.value != "config" and _BUDGET.value not in table["budgets"]:
    _fail(f"--budget={_BUDGET.value}: choose config or one of {sorted(table['budgets'])}")
  methods = list(_METHODS.value or table["methods"])
  if methods == ["all"]:
    methods = list(table["methods"] + table["extra_methods"])
  datasets = list(_DATASETS.value or table["datasets"])
  if table["kind"] == "mixtures":
    if _INCEPTION_WEIGHTS.value:
      _fail(f"--inception_weights: table {table_name} has no image columns")
    missing = [f"configs/{method}_{data}.py" for method in methods for data in datasets
               if not os.path.exists(os.path.join(REPO, "configs", f"{method}_{data}.py"))]
    if missing:
      _fail(f"no config for {', '.join(missing)}: rows are {table['methods']} "
            f"and {table['extra_methods']}, columns {table['datasets']}")
    return table, methods, datasets
  rows = table["methods"] + table["extra_methods"]
  unknown_rows = [method for method in methods if method not in rows]
  if unknown_rows:
    _fail(f"--methods: {', '.join(unknown_rows)} not a row of {table_name}; its rows are "
          f"{', '.join(rows)}")
  columns = table["datasets"] + table.get("extra_datasets", ())
  unknown_columns = [data for data in datasets if data not in columns]
  if unknown_columns:
    _fail(f"--datasets: {', '.join(unknown_columns)} not a column of {table_name}; its columns "
          f"are {', '.join(columns)}")
  if _INCEPTION_WEIGHTS.value:
    try:
      inception.load_variables(_INCEPTION_WEIGHTS.value)
    except WeightsFileError as error:
      _fail(f"--inception_weights: {error}")
  return table, methods, datasets


def check_cells(table: dict, table_name: str, methods: list[str], datasets: list[str]) -> None:
  """Every cell's config as the cell will build it (--steps, --budget, --set applied) passes
  the config checks, or one line names the cell and the problem, before anything is written:
  e.g. --steps=150 for cells that run 100 iterations per call."""
  for method in methods:
    for data in datasets:
      if table["kind"] == "mixtures":
        config = mixture_config(method, data, cell_steps(table, data), _SEED.value, 1,
                                tuple(_SET.value))
      else:
        config = image_config(table_name, method, data, column_budget(table, data), _STEPS.value,
                              _SEED.value, None,
                              tuple(_SET.value))
      try:
        configuration.validate(config, 1)
      except configuration.ConfigError as error:
        _fail(f"{method} on {data}: {error}")


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    _fail(f"unexpected arguments: {' '.join(argv[1:])}")
  compilation_cache.enable_from_flag()  # Inherited by the --jobs processes through the environment.
  logging.set_verbosity(logging.WARNING)
  table, methods, datasets = check_arguments(_TABLE.value)
  check_cells(table, _TABLE.value, methods, datasets)
  workdir = _WORKDIR.value or os.path.join("runs", f"table_{_TABLE.value}")
  if os.path.exists(workdir) and not os.path.isdir(workdir):
    _fail(f"--workdir={workdir} is a file")
  num_seeds = _SEEDS.value or table["seeds"]
  os.makedirs(workdir, exist_ok=True)
  if table["kind"] == "images":
    run_image_table(_TABLE.value, methods, datasets,
                    list(range(_SEED.value, _SEED.value + num_seeds)), workdir)
  else:
    run_mixture_table(table, methods, datasets, num_seeds, workdir)


def run_mixture_table(table: dict, methods: list[str], datasets: list[str], num_seeds: int,
                      workdir: str) -> None:
  """A mixture table: every (row, column) cell with its seeds vmapped, table.md rewritten
  after every cell."""
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
        results, wall = done[method, data].results, done[method, data].seconds
        modes, hq, kl = _modes_hq_kl(results, num_seeds)
        paper_modes, paper_hq = table["paper"].get(method, {}).get(data, ("-", "-"))
        cells += [f"{modes} ({paper_modes})", f"{hq} ({paper_hq})", kl, f"{wall:.0f}"]
      rows.append("| " + " | ".join(cells) + " |")
    steps_by_data = {}  # data -> the iterations of its cells done so far
    for (_, data), outcome in done.items():
      steps_by_data.setdefault(data, set()).add(outcome.steps)
    iterations = ", ".join(f"{data} {'/'.join(f'{n:,}' for n in sorted(steps_by_data[data]))}"
                           for data in datasets if data in steps_by_data)
    devices = sorted({outcome.devices for outcome in done.values()})
    text = "\n".join(rows) + (
        f"\n\nmean ± sample std (ddof 1) over {num_seeds} seeds (from {_SEED.value}), vmapped in one process per "
        f"cell{f', {_JOBS.value} cells at a time' if _JOBS.value > 1 else ''}; iterations per cell: "
        f"{iterations}; {', '.join(devices)}, {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}; "
        f"{elapsed_text(finished, time.perf_counter() - start, list(done.values()))}.\n")
    writers.replace_atomically(os.path.join(workdir, "table.md"), lambda f: f.write(text))
    return text

  def record(key: tuple[str, str], outcome: CellOutcome) -> None:
    done[key] = outcome
    modes, hq, kl = _modes_hq_kl(outcome.results, num_seeds)
    print(f"{key[0]} on {key[1]}: {modes} modes, {hq} % HQ, mode KL {kl}, {outcome.seconds:.0f} s"
          f"{' (read back)' if outcome.read_back else ''}", flush=True)
    write(finished=False)

  run_cells([((method, data), run_cell,
              (method, data, cell_steps(table, data), _SEED.value, num_seeds, workdir,
               tuple(_SET.value)))
             for method in methods for data in datasets], record)
  print(write(finished=True))
  print(f"table: {os.path.join(workdir, 'table.md')}; figures: each cell's samples in "
        f"{os.path.join(workdir, '<method>_<data>', 'samples')}/", flush=True)


if __name__ == "__main__":
  app.run(main)
