"""The same small tuning budget for every row of VEEGAN Table 1: each method's ring config with
its discriminator's learning rate in {1e-2, 1e-3, 1e-4} and every learning rate either decaying
on a cosine over the run or constant (six settings), 3 seeds each, at the table's short budget
(5k iterations). Prints modes, % high quality, mode KL and held modes per setting (mean ±
sample std, ddof 1) and the setting kept per method (`kept_setting`): the most held modes, then
the most modes, then the lowest mode KL, then the most high-quality samples. A mode is *held*
when at least 1% of the samples are high-quality samples of it (`held_modes`; a fair share is
12.5% on the ring): a mode touched by a few samples is captured by VEEGAN's protocol but not
held, so a setting cannot win by scattering its samples over the plane (VEEGAN's discriminator
at 1e-3 captured all 8 modes with 2% of its samples near one). The kept settings are the
configs' defaults (docs/results.md).

  python benchmarks/baseline_sweep.py                          # the four rows, ~40 min on 2 cores
  python benchmarks/baseline_sweep.py --methods=gan --seeds=2

Cells are runs of benchmarks/mixture_cells.py's `cell_config` in `<workdir>/<method>_<setting>`,
resumed when finished.
"""

import json
import math
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import ml_collections  # pylint: disable=wrong-import-position
import numpy as np  # pylint: disable=wrong-import-position
from absl import app, flags, logging  # pylint: disable=wrong-import-position

from aegan import train, writers  # pylint: disable=wrong-import-position
from aegan.data import make_dataset  # pylint: disable=wrong-import-position
from aegan.evaluation.evaluator import mean_std_text, summarise_seeds  # pylint: disable=wrong-import-position
from aegan.evaluation.mixtures import high_quality_counts  # pylint: disable=wrong-import-position
from benchmarks.mixture_cells import cell_config, check_configs, seeds_covering  # pylint: disable=wrong-import-position

DISCRIMINATOR_RATES = (1e-2, 1e-3, 1e-4)
SCHEDULES = ("cosine", "constant")

_METHODS = flags.DEFINE_list("methods", ["gan", "ali", "unrolled_gan", "veegan"], "Rows to tune.")
_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds per setting, vmapped in one process.")
_STEPS = flags.DEFINE_integer("steps", 5_000, "Iterations per setting (Table 1's short budget).")
_WORKDIR = flags.DEFINE_string("workdir", "runs/baseline_sweep", "Where the runs go.")
_SET = flags.DEFINE_multi_string("set", [], "path=value: a config field for every cell, after "
                                 "the setting's (e.g. train.steps_per_call=10 for a quick look).")


def setting_overrides(method: str, rate: float, schedule: str) -> list[str]:
  """`cell_config` overrides: the discriminator's rate and every network's schedule."""
  networks = cell_config(method, "ring", [], 1, 1).optimizer.keys()
  return ([f"optimizer.discriminator.learning_rate={rate!r}"]
          + [f"optimizer.{network}.schedule={schedule!r}" for network in networks])


HELD_SHARE = 0.01  # A mode is held when this share of the samples are high-quality samples of it.


def held_modes(samples: np.ndarray, means: np.ndarray, unit: float, threshold: float) -> int:
  """How many modes hold at least HELD_SHARE of `samples` [N, D] as high-quality samples (within
  threshold·unit of the mode's mean, their nearest: the evaluation's `high_quality_counts`)."""
  counts, _ = high_quality_counts(samples, means, unit, threshold)
  return int(np.sum(np.asarray(counts) >= HELD_SHARE * len(samples)))


def cell_held_modes(workdir: str) -> list[int]:
  """Each seed's held modes in a finished cell, from the samples its final evaluation scored."""
  config = ml_collections.ConfigDict(json.load(open(os.path.join(workdir, "config.json"))))
  mixture = make_dataset(config.data).in_data_units()  # final.npz is in the config's units.
  samples = np.load(os.path.join(workdir, "samples", "final.npz"))["x"]
  samples = samples.reshape((-1,) + samples.shape[-2:])  # [seeds, N, D], one seed or several.
  return [held_modes(seed, mixture.means, mixture.hq_unit, config.eval.hq_threshold)
          for seed in samples]


def rank(results: dict) -> tuple[float, float, float, float]:
  """Larger is better: mean held modes, then mean modes, then minus mode KL (undefined: worst),
  then % high quality."""
  kl = results.get("eval/mode_kl")  # None (results.json's null) or NaN: no high-quality sample.
  defined = kl is not None and math.isfinite(kl)
  return (results["held_modes"], results["eval/modes"], -kl if defined else -math.inf,
          results["eval/hq_fraction"])


def kept_setting(outcomes: dict) -> tuple:
  """The setting of `outcomes` (setting -> final results with "held_modes") with the best `rank`."""
  return max(outcomes, key=lambda setting: rank(outcomes[setting]))


def main(argv: list[str]) -> None:
  del argv
  logging.set_verbosity(logging.WARNING)
  start = time.perf_counter()
  rows = ["| method | D rate | schedule | held modes /8 | modes /8 | % HQ | mode KL | seeds covering | kept |",
          "|---|---|---|---|---|---|---|---|---|"]
  configs = {(method, rate, schedule): cell_config(
      method, "ring", [*setting_overrides(method, rate, schedule), *_SET.value], _STEPS.value,
      _SEEDS.value)
             for method in _METHODS.value for rate in DISCRIMINATOR_RATES
             for schedule in SCHEDULES}
  check_configs((f"{method}, D rate {rate:g}, {schedule}", config)
                for (method, rate, schedule), config in configs.items())
  for method in _METHODS.value:
    outcomes = {}
    for rate in DISCRIMINATOR_RATES:
      for schedule in SCHEDULES:
        config = configs[method, rate, schedule]
        workdir = os.path.join(_WORKDIR.value, f"{method}_d{rate:g}_{schedule}")
        results = dict(train.train_and_evaluate(config, workdir))
        held = [{"held_modes": float(modes)} for modes in cell_held_modes(workdir)]
        # One seed has no spread: its row shows the value alone.
        results.update(summarise_seeds(held) if len(held) > 1 else held[0])
        outcomes[rate, schedule] = results
        print(method, rate, schedule, results["eval/modes"], results["held_modes"], flush=True)
    kept = kept_setting(outcomes)
    for (rate, schedule), results in outcomes.items():
      rows.append(
          f"| {method} | {rate:g} | {schedule} | {mean_std_text(results, 'held_modes')} | "
          f"{mean_std_text(results, 'eval/modes')} | "
          f"{mean_std_text(results, 'eval/hq_fraction', 100)} | {mean_std_text(results, 'eval/mode_kl', digits=2)} | "
          f"{seeds_covering(results, 8, _SEEDS.value)} / {_SEEDS.value} | "
          f"{'**kept**' if (rate, schedule) == kept else ''} |")
  text = "\n".join(rows) + (
      f"\n\nring, {_STEPS.value:,} iterations, mean ± sample std (ddof 1) over {_SEEDS.value} seeds; "
      f"{(time.perf_counter() - start) / 60:.1f} min.\n")
  os.makedirs(_WORKDIR.value, exist_ok=True)
  writers.replace_atomically(os.path.join(_WORKDIR.value, "sweep.md"), lambda f: f.write(text))
  print(text)


if __name__ == "__main__":
  app.run(main)
