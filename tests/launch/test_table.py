"""launch/table.py as a user runs it: a real subprocess writing a small table."""

import importlib
import json
import os
import re
import subprocess
import sys

import ml_collections
import numpy as np
import PIL.Image

from aegan import plots
from aegan.data import make_dataset
from aegan.evaluation.mixtures import mode_metrics
from configs import tables
from tests.run_commands import run_in_one_process
from tests.test_documented_commands import image_table_fields

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TABLE = os.path.join(REPO, "launch", "table.py")


def run_table(*args: str) -> subprocess.CompletedProcess:
  return subprocess.run([sys.executable, TABLE, "--table=veegan1", *args], cwd=REPO,
                        env=dict(os.environ, JAX_NUM_CPU_DEVICES="1"), capture_output=True,
                        text=True, timeout=600, check=False)


def rows_without_wall_time(table: str) -> list[list[str]]:
  rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()
          if line.startswith("|")]
  return [row[:5] for row in rows]


def test_a_small_table_has_each_cell_with_the_papers_number(tmp_path):
  """Two cells of two seeds: each cell is the mean ± sample std of its seeds' own counts, beside
  the paper's number; --jobs=2 (the cells at once, in spawned processes) gives the same numbers
  as one after the other in the table's own process (same seeds, same programs); run again, the
  cells are read back."""
  # 20 iterations of 16-unit networks (the table's --set; the cells' numbers are only read).
  args = ["--methods=gan,veegan", "--datasets=ring", "--seeds=2", "--steps=20",
          "--set=train.steps_per_call=10", "--set=model.generator.hidden=(16,)",
          "--set=model.discriminator.hidden=(16,)"]
  result = run_table(*args, f"--workdir={tmp_path}")
  parallel = run_table(*args, "--jobs=2", f"--workdir={tmp_path / 'parallel'}")
  assert result.returncode == 0, result.stderr
  assert parallel.returncode == 0, parallel.stderr
  table = (tmp_path / "table.md").read_text()
  table_parallel = (tmp_path / "parallel" / "table.md").read_text()
  assert rows_without_wall_time(table_parallel) == rows_without_wall_time(table)
  # --jobs=2 pins each process to its own half of the cores (--pin_cores); alone, a cell has all.
  cores = lambda run: json.load(open(run / "table_seconds.json"))["cores"]
  ours = sorted(os.sched_getaffinity(0))
  assert cores(tmp_path / "gan_ring") == cores(tmp_path / "veegan_ring") == ours
  if len(ours) >= 2:
    pinned = [cores(tmp_path / "parallel" / run) for run in ("gan_ring", "veegan_ring")]
    halves = [ours[:len(ours) // 2], ours[len(ours) // 2:]]
    assert all(run_cores in halves for run_cores in pinned), (pinned, halves)
  assert "2 cells at a time" in table_parallel and "cells at a time" not in table
  header, rule, row, veegan_row, *rest = table.splitlines()
  assert header == ("| method | recipe | ring modes (paper) | ring % HQ (paper) | ring mode KL "
                    "| ring wall s |")
  assert veegan_row.startswith("| veegan | ")
  cells = [cell.strip() for cell in row.strip("|").split("|")]
  assert cells[0] == "gan"
  config = importlib.import_module("configs.gan_ring").get_config()
  assert cells[1] == (f"D {config.optimizer.discriminator.learning_rate:g}, "
                      f"{config.optimizer.discriminator.schedule}")
  modes = re.fullmatch(r"(\d+\.\d) ± (\d+\.\d) \(1\)", cells[2])  # Paper: GAN 1 mode on the ring.
  hq = re.fullmatch(r"(\d+\.\d) ± (\d+\.\d) \(99\.3\)", cells[3])
  kl = re.fullmatch(r"(\d+\.\d\d|nan) ± (\d+\.\d\d|nan)( \(\d of 2 seeds\))?", cells[4])
  assert modes and hq and kl, row
  assert "mean ± sample std (ddof 1) over 2 seeds" in table
  assert "iterations per cell: ring 20;" in table
  # Both seeds' results are in the cell's workdir, and the cell is their mean.
  results = json.load(open(tmp_path / "gan_ring" / "results.json"))
  per_seed = [results[f"eval/seed{i}/modes"] for i in range(2)]
  # Each seed's count is its saved final samples' (learning floors: tests/methods/test_learning.py).
  ring = make_dataset(ml_collections.ConfigDict(
      json.load(open(tmp_path / "gan_ring" / "config.json"))["data"])).in_data_units()
  samples = np.load(tmp_path / "gan_ring" / "samples" / "final.npz")["x"]
  counts = [mode_metrics(seed_samples, ring.means, ring.hq_unit, threshold=3.0)["eval/modes"]
            for seed_samples in samples]
  assert per_seed == [int(count) for count in counts]
  assert f"{sum(per_seed) / 2:.1f}" == modes[1]
  # ± the sample std: |a - b| / √2 for two seeds.
  assert f"{abs(per_seed[0] - per_seed[1]) / 2**0.5:.1f}" == modes[2]
  kls = [float(mode_metrics(seed_samples, ring.means, ring.hq_unit)["eval/mode_kl"])
         for seed_samples in samples]
  if all(np.isfinite(kls)):
    assert f"{sum(kls) / 2:.2f}" == kl[1] and f"{abs(kls[0] - kls[1]) / 2**0.5:.2f}" == kl[2]
    assert kl[3] is None
  else:  # A seed with no high-quality sample leaves its KL undefined, and the mean says so.
    assert kl[3] == f" ({int(np.isfinite(kls).sum())} of 2 seeds)"
  # The cell's progress as launch/main.py logs it, and a last line naming what was written.
  assert re.search(r"step 20/20 \| [\d.]+ it/s \| ETA", result.stderr), result.stderr
  assert result.stdout.splitlines()[-1] == (f"table: {tmp_path / 'table.md'}; figures: each "
                                            f"cell's samples in {tmp_path / '<method>_<data>' / 'samples'}/")
  assert re.search(r"; whole table \d+\.\d min\.$", table.strip())
  # Again: the cells are read back, with the wall time of the invocation that trained them,
  # and the table's own time is this invocation's.
  again = run_table(*args, f"--workdir={tmp_path}")
  assert again.returncode == 0, again.stderr
  table_again = (tmp_path / "table.md").read_text()
  assert table_again.splitlines()[:4] == table.splitlines()[:4]  # Wall s included.
  assert re.search(r"; this invocation \d+\.\d min, 2 of 2 cells read back from an earlier one "
                   r"\(cells' wall times added up: \d+\.\d min\)\.$", table_again.strip())


def test_core_groups_split_the_cores_evenly_and_pin_nothing_with_more_jobs_than_cores():
  """launch/table.py's `core_groups`, in a process of its own (its flags would clash)."""
  code = ("import json; from launch import table; print(json.dumps([table.core_groups(c, j) for "
          "c, j in [([0, 1], 2), (range(16), 3), ([3, 1], 1), ([0, 1], 3), ([4, 5, 6, 7], 2)]]))")
  result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=True)
  assert json.loads(result.stdout) == [[[0], [1]], [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9],
                                                    [10, 11, 12, 13, 14, 15]],
                                       [[1, 3]], None, [[4, 5], [6, 7]]]


def test_jobs_give_a_lone_cell_every_core():
  """--jobs=2 with one cell (a table's classifier) runs it on all the cores, not on one half
  while the other idles (test_a_small_table_... checks two cells on the two halves). The cell
  reports the cores it ran on (`os.sched_getaffinity`)."""
  code = ("import json, os; from absl import flags; from launch import table\n"
          "flags.FLAGS(['table', '--jobs=2'])\n"
          "ran = {}\n"
          "table.run_cells([(0, os.sched_getaffinity, (0,))],\n"
          "                lambda key, cores: ran.__setitem__(key, sorted(cores)))\n"
          "print(json.dumps(ran[0]))")
  result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
  assert result.returncode == 0, result.stderr
  assert json.loads(result.stdout) == sorted(os.sched_getaffinity(0))


# The image tables (configs/tables.py, kind "images"): one cell each, a few iterations, with a
# classifier trained for 10 iterations (its accuracy is what it is; the table reports it).
def run_image_table(table: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
  return subprocess.run([sys.executable, TABLE, f"--table={table}", *args], cwd=REPO,
                        env=dict(os.environ, JAX_NUM_CPU_DEVICES="1", **(env or {})),
                        capture_output=True, text=True, timeout=600, check=False)


def column_table(table: str, data: str) -> list[list[str]]:
  """The rows (header first) of column `data`'s table in table.md."""
  section = table.split(f"## {data}")[1].split("\n## ")[0]
  return [[cell.strip() for cell in line.strip("|").split("|")] for line in section.splitlines()
          if line.startswith("|") and not line.startswith("|---")]


def test_veegan2_cell_is_the_mean_and_std_of_its_seeds_runs_beside_the_papers(tmp_path):
  # The protocol's sizes shrunk as the documented commands are (26,000 classified samples and
  # IvOM on 256 images take minutes; this test checks how the table assembles a cell).
  sizes = [f"--set={path}={value}" for path, value in
           image_table_fields("veegan2", "stacked_mnist5k").items()]
  args = ["--methods=veegan", "--datasets=stacked_mnist5k", "--seeds=2", "--budget=short",
          "--steps=4", "--classifier_steps=10", f"--workdir={tmp_path}", *sizes]
  result = run_image_table("veegan2", *args)
  assert result.returncode == 0, result.stderr
  table = (tmp_path / "table.md").read_text()
  header, row = column_table(table, "stacked_mnist5k")
  assert header == ["method", "modes (paper's stacked_mnist)", "KL (paper's stacked_mnist)",
                    "confident modes", "gate FID", "IvOM on [-1, 1]", "wall s (all seeds)"]
  assert "IvOM: ours is the mean squared error per pixel value on the [-1, 1] scale" in table
  # Each cell's progress, as launch/main.py logs it; none of Orbax's notes on the classifier's
  # read-only checkpoints; a last line naming table.md and the figure.
  assert re.search(r"step 4/4 \| [\d.]+ it/s \| ETA", result.stderr), result.stderr
  assert "read only" not in result.stderr and "read_only" not in result.stderr, result.stderr
  assert result.stdout.splitlines()[-1] == (f"table: {tmp_path / 'table.md'}; figures: "
                                            f"{tmp_path / 'stacked_mnist5k.png'}")
  seeds = [json.load(open(tmp_path / "veegan_stacked_mnist5k" / f"seed{i}" / "results.json"))
           for i in range(2)]

  def mean_std(name, digits):
    a, b = (seed[name] for seed in seeds)
    return f"{(a + b) / 2:.{digits}f} ± {abs(a - b) / 2**0.5:.{digits}f}"

  # The mode measures carry the quality gate's mark where a seed's samples failed it.
  mark = " †" if any(seed["eval/gate_passed"] == 0 for seed in seeds) else ""
  assert row[:6] == ["veegan", mean_std("eval/modes", 1) + mark + " (150)",
                     mean_std("eval/mode_kl", 2) + mark + " (2.95)",
                     mean_std("eval/confident_modes", 1) + mark, mean_std("eval/gate_fid", 0),
                     mean_std("eval/ivom", 4)]
  assert "gate FID: the samples' FID on the classifier's features to 32 real test stacks" in table
  assert ("† samples failing the quality gate: veegan" in table) == bool(mark)
  # Each seed is its own run of the row's config at the short budget's width, with the table's
  # protocol: the classifier the table trained first counts the modes, IvOM at the end.
  config = json.load(open(tmp_path / "veegan_stacked_mnist5k" / "seed1" / "config.json"))
  assert config["seed"] == 1 and config["train"]["num_seeds"] == 1
  assert config["train"]["steps"] == 4 and config["model"]["generator"]["width"] == 16
  assert config["eval"]["classifier"]["workdir"] == str(tmp_path / "classifier_mnist5k")
  assert config["eval"]["ivom"]["final_only"]
  # The cells share one cache of the real stacks' features and the gate's reference: seed 0
  # computes them, seed 1 reads them.
  cache = tmp_path / "reference_features"
  assert config["eval"]["classifier"]["cache_dir"] == config["eval"]["features"]["cache_dir"] == str(cache)
  files = sorted(path.name for path in cache.iterdir())
  assert len(files) == 2 and sum("_gate_" in name for name in files) == 1, files
  for name, what in zip(files, ("quality gate reference", "reference features")):
    assert f"{what}: {cache / name}" in result.stderr, (name, result.stderr[-3000:])
  assert not list(tmp_path.glob("veegan_stacked_mnist5k/seed*/reference_features"))
  classifier = json.load(open(tmp_path / "classifier_mnist5k" / "results.json"))
  assert (f"classifier classifier_mnist5k: {100 * classifier['eval/accuracy']:.1f}% test "
          "accuracy after 10 iterations") in table
  # The column's figure: the first seed's 32 samples (2 rows of 16 tiles, 28 px upscaled 3x)
  # under a title, then its real/reconstruction pairs.
  figure = np.asarray(PIL.Image.open(tmp_path / "stacked_mnist5k.png"))
  samples = plots.grid(np.load(tmp_path / "veegan_stacked_mnist5k" / "seed0" / "samples" /
                               "final.npz")["x"][:32], columns=16)
  np.testing.assert_array_equal(figure[plots.LABEL_HEIGHT:plots.LABEL_HEIGHT + samples.shape[0]],
                                samples)
  assert figure.shape[0] > 2 * plots.LABEL_HEIGHT + samples.shape[0]  # The pairs below.
  # Run again, the table is read back from the finished runs: the same rows, wall times too,
  # the classifier's included, and the table's own time is this invocation's.
  again = run_image_table("veegan2", *args)
  assert again.returncode == 0, again.stderr
  table_again = (tmp_path / "table.md").read_text()
  assert column_table(table_again, "stacked_mnist5k") == [header, row]
  classifier_line = [line for line in table.splitlines() if line.startswith("classifier ")]
  assert classifier_line == [line for line in table_again.splitlines()
                             if line.startswith("classifier ")]
  assert re.search(r"; this invocation \d+\.\d min, 2 of 2 cells read back from an earlier one",
                   table_again)


def test_alpha_gan_cell_has_the_battery_and_the_real_datas_reference(tmp_path):
  # The protocol's evaluation sizes (5,000 samples, a 1,000-step critic) are the table's
  # (asserted below on the config it writes); they are run shrunk, as the documented commands
  # run them (minutes of evaluation otherwise; this test checks how the cell is assembled).
  sizes = [f"--set={path}={value}" for path, value in
           image_table_fields("alpha_gan", "color_mnist5k").items()]
  result = run_image_table("alpha_gan", "--methods=alpha_gan", "--datasets=color_mnist5k",
                           "--seeds=1", "--budget=short", "--steps=4", "--classifier_steps=10",
                           f"--workdir={tmp_path}", *sizes)
  assert result.returncode == 0, result.stderr
  table = (tmp_path / "table.md").read_text()
  header, row = column_table(table, "color_mnist5k")
  # Without --inception_weights the FID Inception's columns are not shown.
  assert header == ["method", "IS (classifier)", "FID (classifier)", "KID (classifier)",
                    "MS-SSIM", "critic", "recon L1", "wall s (all seeds)"]
  results = json.load(open(tmp_path / "alpha_gan_color_mnist5k" / "seed0" / "results.json"))
  assert row[:7] == ["alpha_gan", f"{results['eval/inception_score']:.2f}",
                     f"{results['eval/fid']:.2f}", f"{results['eval/kid']:.0f}",
                     f"{results['eval/ms_ssim']:.3f}", f"{results['eval/critic_distance']:.3f}",
                     f"{results['eval/recon_l1']:.3f}"]
  assert (f"MS-SSIM of real pairs {results['eval/ms_ssim_real']:.3f}; IS (classifier) of real "
          f"data {results['eval/inception_score_real']:.2f}") in table
  config = json.load(open(tmp_path / "alpha_gan_color_mnist5k" / "seed0" / "config.json"))
  assert config["eval"]["features"]["network"] == "classifier"
  assert config["eval"]["features"]["workdir"] == str(tmp_path / "classifier_mnist5k_color_mnist5k")
  assert (config["eval"]["critic"]["num_test"], config["eval"]["num_samples"]) == (32, 64)
  protocol = tables.alpha_gan_protocol(
      importlib.import_module("configs.alpha_gan_images").get_config("color_mnist5k"), "clf")
  assert (protocol.eval.critic.num_test, protocol.eval.critic.steps,
          protocol.eval.num_samples) == (1_000, 1_000, 5_000)


# table.md's text from given outcomes, in a process of its own (launch/table.py's flags would
# clash with those of benchmarks imported by other tests).
RENDER = """
import json, math
from aegan.evaluation.evaluator import summarise_seeds
from launch import table
nan = math.nan
per_seed = [{"eval/ivom": 0.1, "inception/fid": 50.0, "inception/kid": nan},
            {"eval/ivom": 0.2, "inception/fid": 60.0, "inception/kid": nan},
            {"eval/ivom": 0.3, "inception/fid": nan, "inception/kid": nan}]
done = {("veegan", "cifar10"): table.CellOutcome(summarise_seeds(per_seed), 30.0, 20, "1 cpu", True),
        ("dcgan", "cifar10"): table.CellOutcome(
            table.inception_metrics({"eval/fid": None, "eval/kid": 0.5, "samples": "x.npz"}),
            12.0, 20, "1 cpu", False)}
print(json.dumps({
    "three": table.image_table_text("veegan2", ["cifar10"], ["veegan"], {}, {},
                                    {k: v for k, v in done.items() if k[0] == "veegan"},
                                    [0, 1, 2], "budget short", True, 60.0),
    "one": table.image_table_text("veegan2", ["cifar10"], ["dcgan"], {}, {},
                                  {k: v for k, v in done.items() if k[0] == "dcgan"}, [0],
                                  "budget short", True, 60.0)}))
"""


def test_image_table_text_shows_nan_inception_numbers_and_the_seeds_a_mean_is_over():
  """veegan2 with --inception_weights: the Inception's columns as alpha_gan's; a metric no seed
  defines is nan, one some seeds define says over how many; IvOM's pixel scale beside the
  paper's; a table read back says its time is this invocation's."""
  result = subprocess.run([sys.executable, "-c", RENDER], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=True)
  texts = json.loads(result.stdout)
  header, row = column_table(texts["three"], "cifar10")
  assert header == ["method", "IvOM on [-1, 1] (paper)", "FID (Inception)", "KID (Inception)",
                    "wall s (all seeds)"]
  # IvOM: mean 0.2, sample std 0.1; FID over seeds 0 and 1: 55 ± |50 - 60| / √2 = 7.07.
  assert row == ["veegan", "0.2000 ± 0.1000 (0.0068 ± 0.0001)", "55.0 ± 7.1 (2 of 3 seeds)",
                 "nan ± nan (0 of 3 seeds)", "30"]
  assert ("IvOM: ours is the mean squared error per pixel value on the [-1, 1] scale the networks "
          "work in, 4x the same error on [0, 1] pixels") in texts["three"]
  assert "the paper's CIFAR-10 numbers do not say which pixel scale they use" in texts["three"]
  assert texts["three"].strip().endswith(
      "this invocation 1.0 min, 1 of 1 cells read back from an earlier one (cells' wall times "
      "added up: 0.5 min).")
  # One seed whose Inception scoring left FID undefined (None in its results.json): nan.
  header, row = column_table(texts["one"], "cifar10")
  assert header == ["method", "FID (Inception)", "KID (Inception)", "wall s (all seeds)"]
  assert row == ["dcgan", "nan", "0.5000", "12"]
  assert "IvOM:" not in texts["one"] and texts["one"].strip().endswith("whole table 1.0 min.")


# A stacked column whose rows have the quality gate: one row's seeds both pass, the other's
# second seed fails (aegan/evaluation/quality_gate.py).
GATED_RENDER = """
from aegan.evaluation.evaluator import summarise_seeds
from launch import table
gate = {"eval/gate_fid_real": 300.0, "eval/gate_fid_shuffled": 50000.0, "eval/gate_samples": 5000.0}
seeds = {"dcgan": [(990.0, 0.2, 950.0, 900.0, 1.0), (996.0, 0.3, 960.0, 1000.0, 1.0)],
         "veegan": [(961.0, 0.5, 842.0, 20000.0, 1.0), (900.0, 0.7, 800.0, 45000.0, 0.0)]}
names = ("eval/modes", "eval/mode_kl", "eval/confident_modes", "eval/gate_fid", "eval/gate_passed")
done = {(method, "stacked_mnist5k"): table.CellOutcome(
            summarise_seeds([{**dict(zip(names, values)), **gate, "eval/ivom": 0.1}
                             for values in runs]), 10.0, 20, "1 cpu", False)
        for method, runs in seeds.items()}
print(table.image_table_text("veegan2", ["stacked_mnist5k"], ["dcgan", "veegan"], {}, {}, done,
                             [0, 1], "budget short", True, 60.0))
"""


def test_a_stacked_cell_whose_samples_fail_the_quality_gate_is_marked():
  """The gate's FID beside the mode counts, and the counts of a row with a failing seed marked,
  with the lines under the column that say what the mark means."""
  text = subprocess.run([sys.executable, "-c", GATED_RENDER], cwd=REPO, capture_output=True,
                        text=True, timeout=300, check=True).stdout
  header, dcgan, veegan = column_table(text, "stacked_mnist5k")
  assert header == ["method", "modes (paper's stacked_mnist)", "KL (paper's stacked_mnist)",
                    "confident modes", "gate FID", "IvOM on [-1, 1]", "wall s (all seeds)"]
  # Mean ± sample std of two seeds: |a - b| / √2.
  assert dcgan == ["dcgan", "993.0 ± 4.2 (99)", "0.25 ± 0.07 (3.4)", "955.0 ± 7.1", "950 ± 71",
                   "0.1000 ± 0.0000", "10"]
  assert veegan == ["veegan", "930.5 ± 43.1 † (150)", "0.60 ± 0.14 † (2.95)", "821.0 ± 29.7 †",
                    "32500 ± 17678", "0.1000 ± 0.0000", "10"]
  assert ("gate FID: the samples' FID on the classifier's features to 5,000 real test stacks; "
          "real against other real stacks 300, against pixel-shuffled ones 50000: samples above "
          "25150 fail the quality gate (docs/evaluation.md#the-quality-gate-of-stacked-mode-counts)."
          ) in text.splitlines()
  assert ("† samples failing the quality gate: veegan 1 of 2 seeds; their mode counts are counts "
          "of noise, not coverage.") in text.splitlines()


def test_image_table_skips_a_column_whose_data_is_missing_with_one_line(tmp_path):
  result = run_image_table("veegan2", "--datasets=cifar10", f"--workdir={tmp_path / 'table'}",
                           env={"TFDS_DATA_DIR": str(tmp_path / "empty")})
  assert result.returncode == 0, result.stderr
  skipped = [line for line in result.stdout.splitlines() if line.startswith("cifar10: skipped")]
  assert len(skipped) == 1 and "tfds build cifar10" in skipped[0]
  assert sorted(os.listdir(tmp_path / "table")) == ["table.md"]  # Nothing trained.
  assert "skipped: cifar10 is not prepared" in (tmp_path / "table" / "table.md").read_text()


def test_table_bad_input_is_one_line_and_writes_nothing(tmp_path):
  junk = tmp_path / "weights.pth"
  junk.write_bytes(b"not a torch file")
  cases = {("--table=veegan3",): "--table=veegan3: unknown",
           ("--table=veegan1", "--methods=gan,vae", "--datasets=ring"):
               "no config for configs/vae_ring.py",
           ("--table=stacked_m", "--datasets=d_tenth_g"):
               "--datasets: d_tenth_g not a column of stacked_m; its columns are d_quarter_g, "
               "d_half_g, d_quarter_g_stacked_mnist, d_half_g_stacked_mnist",
           ("--table=veegan2", "--methods=gan"): "--methods: gan not a row of veegan2",
           ("--table=alpha_gan", "--datasets=ring"): "--datasets: ring not a column of alpha_gan",
           ("--table=veegan2", "--budget=long"): "--budget=long",
           ("--table=alpha_gan", f"--inception_weights={junk}"): "--inception_weights:",
           ("--table=veegan1", f"--inception_weights={junk}"): "has no image columns",
           # A cell's own config check, before any cell trains (once a traceback mid-table).
           ("--table=veegan1", "--methods=gan,veegan", "--datasets=ring", "--steps=150"):
               "gan on ring: config.train.steps=150 is not a multiple of config.train.steps_per_call=100",
           ("--table=veegan2", "--methods=dcgan", "--datasets=stacked_mnist5k", "--steps=3",
            "--set=train.steps_per_call=2"):
               "dcgan on stacked_mnist5k: config.train.steps=3 is not a multiple of"}
  workdir = tmp_path / "table"  # All launched in one process (tests/run_commands.py).
  completed = run_in_one_process([[TABLE, *args, f"--workdir={workdir}"] for args in cases], REPO)
  for (args, message), result in zip(cases.items(), completed):
    assert result.returncode == 2, (args, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], (args, result.stderr)
    assert not workdir.exists(), args


def test_stacked_m_cell_prints_the_published_numbers_beside_ours(tmp_path):
  """One seed of protocol M's DCGAN at D = 1/4 G, 2 iterations at the documented commands'
  evaluation sizes: the row holds our modes and KL (this run's results.json) beside Metz et al.'s
  and PacGAN's, and the footer names the sources (an unknown column: the bad-input test)."""
  sizes = [f"--set={path}={value}" for path, value in
           image_table_fields("stacked_m", "d_quarter_g").items()]
  result = run_image_table("stacked_m", "--methods=dcgan", "--seeds=1", "--budget=short",
                           "--steps=2", "--classifier_steps=2", f"--workdir={tmp_path}", *sizes)
  assert result.returncode == 0, result.stderr
  table = (tmp_path / "table.md").read_text()
  header, row = column_table(table, "d_quarter_g")
  assert header[:4] == ["method", "modes (paper)", "KL (paper)", "confident modes"]
  seed = json.load(open(tmp_path / "dcgan_d_quarter_g" / "seed0" / "results.json"))
  assert row[0] == "dcgan"  # Ours, a sample-quality mark (†) where the gate fails, the papers'.
  assert re.fullmatch(rf"{seed['eval/modes']:.1f}( †)? \(30\.6 ± 20\.73 \[Metz\]; 78\.5 ± "
                      r"17\.56 \[PacGAN\]\)", row[1]), row
  assert re.fullmatch(rf"{seed['eval/mode_kl']:.2f}( †)? \(5\.99 ± 0\.42 \[Metz\]; 5\.21 ± "
                      r"0\.19 \[PacGAN\]\)", row[2]), row
  assert "PacGAN Table 3 (Lin et al. 2018, arXiv 1712.04086)" in table
  config = json.load(open(tmp_path / "dcgan_d_quarter_g" / "seed0" / "config.json"))
  assert config["model"]["discriminator"]["width"] == 2  # The protocol's, not a budget's width.
