"""launch/table.py as a user runs it: a real subprocess writing a small table."""

import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_a_small_table_has_each_cell_with_the_papers_number(tmp_path):
  env = dict(os.environ, JAX_NUM_CPU_DEVICES="1")
  result = subprocess.run(
      [sys.executable, os.path.join(REPO, "launch", "table.py"), "--table=veegan1",
       "--methods=gan", "--datasets=ring", "--seeds=2", "--steps=200", f"--workdir={tmp_path}"],
      cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
  assert result.returncode == 0, result.stderr
  table = (tmp_path / "table.md").read_text()
  header, rule, row, *rest = table.splitlines()
  assert header == "| method | ring modes (paper) | ring % HQ (paper) | ring wall s |"
  cells = [cell.strip() for cell in row.strip("|").split("|")]
  assert cells[0] == "gan"
  modes = re.fullmatch(r"(\d+\.\d) ± (\d+\.\d) \(1\)", cells[1])  # Paper: GAN 1 mode on the ring.
  hq = re.fullmatch(r"(\d+\.\d) ± (\d+\.\d) \(99\.3\)", cells[2])
  assert modes and hq, row
  assert 0 <= float(modes[1]) <= 8 and 0 <= float(hq[1]) <= 100
  assert "mean ± std over 2 seeds" in table and "iterations per cell: ring 200;" in table
  # Both seeds' results are in the cell's workdir, and the cell is their mean.
  import json  # pylint: disable=import-outside-toplevel
  results = json.load(open(tmp_path / "gan_ring" / "results.json"))
  per_seed = [results[f"eval/seed{i}/modes"] for i in range(2)]
  assert f"{sum(per_seed) / 2:.1f}" == modes[1]
