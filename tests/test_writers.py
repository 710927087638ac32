"""metrics.jsonl rows: one per logged step, also across a resume."""

import json

from aegan.writers import MetricWriter


def read_rows(path):
  return [json.loads(line) for line in open(path)]


def test_rows_and_non_finite_values(tmp_path):
  writer = MetricWriter(str(tmp_path))
  writer.write(10, {"train/loss": 1.5, "eval/mode_kl": float("nan")})
  writer.close()
  assert read_rows(tmp_path / "metrics.jsonl") == [{"step": 10, "train/loss": 1.5, "eval/mode_kl": None}]


def test_resume_drops_rows_the_interrupted_run_logged_after_its_checkpoint(tmp_path):
  writer = MetricWriter(str(tmp_path))
  for step in (100, 200, 300):
    writer.write(step, {"train/loss": float(step)})
  writer.close()
  resumed = MetricWriter(str(tmp_path), resume_step=200)  # checkpoint at 200, killed after 300.
  resumed.write(300, {"train/loss": 3.0})
  resumed.close()
  rows = read_rows(tmp_path / "metrics.jsonl")
  assert [(r["step"], r["train/loss"]) for r in rows] == [(100, 100.0), (200, 200.0), (300, 3.0)]


def test_a_row_cut_short_by_a_kill_is_dropped_on_resume(tmp_path, caplog):
  writer = MetricWriter(str(tmp_path))
  for step in (100, 200):
    writer.write(step, {"train/loss": float(step)})
  writer.close()
  with open(tmp_path / "metrics.jsonl", "a") as f:
    f.write('{"step": 300, "train/lo')  # SIGKILL in the middle of writing step 300's row.
  resumed = MetricWriter(str(tmp_path), resume_step=200)
  resumed.write(300, {"train/loss": 3.0})
  resumed.close()
  rows = read_rows(tmp_path / "metrics.jsonl")
  assert [(r["step"], r["train/loss"]) for r in rows] == [(100, 100.0), (200, 200.0), (300, 3.0)]
  assert [r.getMessage() for r in caplog.records] == [
      "metrics.jsonl: dropped a partial row (the run was killed while writing it): "
      "'{\"step\": 300, \"train/lo'"]
