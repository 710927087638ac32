"""metrics.jsonl rows and TensorBoard scalars: one per logged step, also across a resume;
whole files replaced atomically."""

import json
import os
import struct
import time

import pytest

from aegan import writers
from aegan.writers import MetricWriter, replace_atomically, write_json


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


def _events(directory):
  """Every event of the TensorBoard files in `directory`, file by file in creation order
  (TFRecord framing: length u64, its crc u32, the Event proto, its crc u32)."""
  from tensorboardX.proto.event_pb2 import Event  # pylint: disable=import-outside-toplevel
  paths = sorted(directory.glob("events.out.tfevents.*"), key=lambda p: p.stat().st_mtime_ns)
  for path in paths:
    data = path.read_bytes()
    offset = 0
    while offset < len(data):
      length = struct.unpack("<Q", data[offset:offset + 8])[0]
      yield Event.FromString(data[offset + 12:offset + 12 + length])
      offset += 12 + length + 4


def _visible_scalars(directory, tag):
  """(step, value) of `tag` as TensorBoard shows it: a session START at step s (a purge
  marker) hides the scalars logged before it at steps >= s."""
  from tensorboardX.proto.event_pb2 import SessionLog  # pylint: disable=import-outside-toplevel
  visible = []
  for event in _events(directory):
    if event.HasField("session_log") and event.session_log.status == SessionLog.START:
      visible = [(step, value) for step, value in visible if step < event.step]
    if event.HasField("summary"):
      visible += [(event.step, value.simple_value) for value in event.summary.value
                  if value.tag == tag]
  return visible


def test_tensorboard_hides_what_the_interrupted_run_logged_after_its_checkpoint(tmp_path):
  writer = MetricWriter(str(tmp_path))
  for step in (100, 200, 300):
    writer.write(step, {"train/loss": float(step)})
  writer.close()
  time.sleep(1.1)  # tensorboardX names event files by the second.
  resumed = MetricWriter(str(tmp_path), resume_step=200)
  resumed.write(300, {"train/loss": 3.0})
  resumed.close()
  assert _visible_scalars(tmp_path, "train/loss") == [(100, 100.0), (200, 200.0), (300, 3.0)]


def test_an_interrupted_atomic_write_leaves_the_previous_file_whole(tmp_path):
  path = str(tmp_path / "results.json")
  write_json(path, {"eval/modes": 8})

  def dies_half_way(f):
    f.write('{"eval/modes": ')
    raise KeyboardInterrupt  # A signal in the middle of writing.

  with pytest.raises(KeyboardInterrupt):
    replace_atomically(path, dies_half_way)
  assert json.load(open(path)) == {"eval/modes": 8}
  assert os.listdir(tmp_path) == ["results.json"]  # No temporary file left behind.


def test_metrics_markdown_is_the_feature_network_and_a_table_of_eval_metrics():
  results = {"step": 100, "eval/modes": 7.0, "eval/fid": 12.345678, "eval/mode_kl": None,
             "feature_network": {"network": "classifier", "resize": "none", "samples": 500,
                                 "reference": "500 test images"}}
  assert writers.metrics_markdown(results) == [
      "Feature metrics: classifier; resize: none; 500 samples against 500 test images.", "",
      "| metric | value |", "|---|---|",
      "| eval/modes | 7 |", "| eval/fid | 12.3457 |", "| eval/mode_kl | None |"]
