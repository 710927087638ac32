"""launch/table.py as a user runs it: a real subprocess writing a small table."""

import importlib
import os
import re
import subprocess
import sys

import ml_collections
import numpy as np

from aegan.data import make_dataset
from aegan.evaluation.mixtures import mode_metrics

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
  result = run_table("--methods=gan", "--datasets=ring", "--seeds=2", "--steps=200",
                     f"--workdir={tmp_path}")
  assert result.returncode == 0, result.stderr
  table = (tmp_path / "table.md").read_text()
  header, rule, row, *rest = table.splitlines()
  assert header == ("| method | recipe | ring modes (paper) | ring % HQ (paper) | ring mode KL "
                    "| ring wall s |")
  cells = [cell.strip() for cell in row.strip("|").split("|")]
  assert cells[0] == "gan"
  config = importlib.import_module("configs.gan_ring").get_config()
  assert cells[1] == (f"D {config.optimizer.discriminator.learning_rate:g}, "
                      f"{config.optimizer.discriminator.schedule}")
  modes = re.fullmatch(r"(\d+\.\d) ± (\d+\.\d) \(1\)", cells[2])  # Paper: GAN 1 mode on the ring.
  hq = re.fullmatch(r"(\d+\.\d) ± (\d+\.\d) \(99\.3\)", cells[3])
  kl = re.fullmatch(r"(\d+\.\d\d|nan) ± (\d+\.\d\d|nan)", cells[4])
  assert modes and hq and kl, row
  assert "mean ± sample std (ddof 1) over 2 seeds" in table
  assert "iterations per cell: ring 200;" in table
  # Both seeds' results are in the cell's workdir, and the cell is their mean.
  import json  # pylint: disable=import-outside-toplevel
  results = json.load(open(tmp_path / "gan_ring" / "results.json"))
  per_seed = [results[f"eval/seed{i}/modes"] for i in range(2)]
  # Each seed's count is its saved final samples' (learning floors: tests/methods/test_learning.py).
  ring = make_dataset(ml_collections.ConfigDict(
      json.load(open(tmp_path / "gan_ring" / "config.json"))["data"]))
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


def test_cells_in_parallel_processes_give_the_same_table(tmp_path):
  """--jobs=2 trains the two cells at once in spawned processes: the same numbers as one after
  the other in the table's own process (same seeds, same programs), cell for cell."""
  args = ["--methods=gan,veegan", "--datasets=ring", "--seeds=1", "--steps=100"]
  one = run_table(*args, f"--workdir={tmp_path / 'one'}")
  two = run_table(*args, "--jobs=2", f"--workdir={tmp_path / 'two'}")
  assert one.returncode == 0, one.stderr
  assert two.returncode == 0, two.stderr
  table_one = (tmp_path / "one" / "table.md").read_text()
  table_two = (tmp_path / "two" / "table.md").read_text()
  assert rows_without_wall_time(table_two) == rows_without_wall_time(table_one)
  assert [row[0] for row in rows_without_wall_time(table_two)[2:]] == ["gan", "veegan"]
  assert "2 cells at a time" in table_two and "cells at a time" not in table_one


def test_a_row_without_configs_is_refused_before_training(tmp_path):
  result = run_table("--methods=gan,vae", "--datasets=ring", f"--workdir={tmp_path}")
  assert result.returncode != 0
  assert "no config for configs/vae_ring.py" in result.stderr
  assert not (tmp_path / "gan_ring").exists()
