"""Checkpoints that a crash or a bad disk left unusable are reported, set aside and skipped;
a run SIGKILLed while writing a checkpoint resumes to the uninterrupted run's final state."""

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time

import jax.numpy as jnp
import numpy as np
import pytest

from aegan import checkpoint
from aegan.checkpoint import Checkpointer, CheckpointNotFoundError, digest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAIN = os.path.join(REPO, "launch", "main.py")
STEPS = (100, 200, 300)


def state_at(step: int) -> dict:
  return {"step": jnp.asarray(step, jnp.int32),
          "params": {"w": jnp.arange(4000.0).reshape(40, 100) + step, "b": jnp.full(3, step / 7)}}


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> str:
  """A checkpoint directory holding the states of STEPS, written once for the module."""
  directory = str(tmp_path_factory.mktemp("saved") / "checkpoints")
  checkpointer = Checkpointer(directory, keep=3)
  for step in STEPS:
    checkpointer.save(step, state_at(step))
  checkpointer.close()
  return directory


@pytest.fixture
def checkpoints(saved, tmp_path) -> str:
  """A fresh copy of `saved` to damage."""
  return shutil.copytree(saved, str(tmp_path / "checkpoints"))


def warnings(caplog) -> list[str]:
  """This project's warnings (launch/main.py hides orbax's own log lines)."""
  return [record.getMessage() for record in caplog.records
          if record.levelno == logging.WARNING and "/orbax/" not in record.pathname]


def assert_is_state_at(restored, step: int) -> None:
  assert int(restored["step"]) == step
  np.testing.assert_array_equal(restored["params"]["w"], state_at(step)["params"]["w"])
  np.testing.assert_array_equal(restored["params"]["b"], state_at(step)["params"]["b"])


def largest_file(directory: str) -> str:
  paths = [os.path.join(root, name) for root, _, names in os.walk(directory) for name in names]
  return max(paths, key=os.path.getsize)  # The array data of params.w.


def truncate_array_data(step_dir: str) -> None:
  path = largest_file(step_dir)
  os.truncate(path, os.path.getsize(path) // 2)


def flip_a_byte_of_array_data(step_dir: str) -> None:
  with open(largest_file(step_dir), "r+b") as f:
    f.seek(os.path.getsize(f.name) // 2)
    byte = f.read(1)[0]
    f.seek(-1, os.SEEK_CUR)
    f.write(bytes([byte ^ 0xFF]))


def empty_the_tree_metadata(step_dir: str) -> None:
  os.truncate(os.path.join(step_dir, "default", "_METADATA"), 0)


def delete_the_step_metadata(step_dir: str) -> None:
  os.remove(os.path.join(step_dir, "_CHECKPOINT_METADATA"))


def empty_the_step_directory(step_dir: str) -> None:
  shutil.rmtree(step_dir)
  os.mkdir(step_dir)


@pytest.mark.parametrize("damage, reason", [
    (truncate_array_data, "is not valid for value of size"),
    (flip_a_byte_of_array_data, "does not match the digest taken when it was saved"),
    (empty_the_tree_metadata, "JSONDecodeError"),
    (delete_the_step_metadata, "has no state digest"),
    (empty_the_step_directory, "Item \"default\" was not found in the checkpoint"),
])
def test_a_damaged_newest_checkpoint_is_reported_in_one_line_and_the_previous_one_used(
    checkpoints, caplog, damage, reason):
  damage(os.path.join(checkpoints, "300"))
  checkpointer = Checkpointer(checkpoints, keep=3)
  with caplog.at_level(logging.WARNING):
    restored = checkpointer.restore(state_at(0))
  assert_is_state_at(restored, 200)
  [line] = warnings(caplog)
  assert line.startswith("checkpoint step 300 is unusable (") and reason in line, line
  assert line.endswith(f"moved it to {checkpoints}/300.unusable; trying step 200"), line
  assert "\n" not in line
  assert sorted(os.listdir(checkpoints)) == ["100", "200", "300.unusable"]

  # The resumed run saves step 300 again, and that checkpoint is the one restored next.
  checkpointer.save(300, state_at(300))
  checkpointer.close()
  assert_is_state_at(Checkpointer(checkpoints, keep=3).restore(state_at(0)), 300)


def test_when_no_checkpoint_is_usable_the_run_starts_from_scratch(checkpoints, caplog):
  for step in STEPS:
    truncate_array_data(os.path.join(checkpoints, str(step)))
  with caplog.at_level(logging.WARNING):
    assert Checkpointer(checkpoints, keep=3).restore(state_at(0)) is None
  lines = warnings(caplog)
  assert [line.split(" is unusable")[0] for line in lines[:3]] == [
      "checkpoint step 300", "checkpoint step 200", "checkpoint step 100"]
  assert lines[2].endswith("no checkpoint is left")
  assert lines[3] == f"none of the 3 checkpoints in {checkpoints} is usable: starting from scratch"


def test_a_save_interrupted_by_a_kill_is_ignored_and_cleaned_up(checkpoints, caplog):
  # What a SIGKILL during orbax's write of step 400 leaves: its temporary directory.
  leftover = os.path.join(checkpoints, "400.orbax-checkpoint-tmp-1712345678901234")
  shutil.copytree(os.path.join(checkpoints, "300"), leftover)
  truncate_array_data(leftover)
  checkpointer = Checkpointer(checkpoints, keep=3)
  with caplog.at_level(logging.WARNING):
    assert_is_state_at(checkpointer.restore(state_at(0)), 300)
  checkpointer.close()
  assert not warnings(caplog)
  assert sorted(os.listdir(checkpoints)) == ["100", "200", "300"]


def test_read_only_restores_change_nothing_on_disk(checkpoints, caplog):
  """Evaluating a run that may still be training: its save in progress is not deleted and a
  damaged checkpoint is skipped, not moved."""
  in_progress = os.path.join(checkpoints, "400.orbax-checkpoint-tmp-1712345678901234")
  shutil.copytree(os.path.join(checkpoints, "300"), in_progress)
  flip_a_byte_of_array_data(os.path.join(checkpoints, "300"))
  before = sorted(os.listdir(checkpoints))
  checkpointer = Checkpointer(checkpoints, keep=3, read_only=True)
  with caplog.at_level(logging.WARNING):
    assert_is_state_at(checkpointer.restore(state_at(0)), 200)
    assert_is_state_at(checkpointer.restore(state_at(0), step=100), 100)
  checkpointer.close()
  [line] = warnings(caplog)
  assert line.startswith("checkpoint step 300 is unusable (ValueError: the restored state does not")
  assert line.endswith("; left in place; trying step 200"), line
  assert sorted(os.listdir(checkpoints)) == before


def test_restoring_a_step_that_is_not_there_names_those_that_are(checkpoints):
  with pytest.raises(CheckpointNotFoundError, match=r"has no checkpoint of step 250; it has "
                                                    r"100, 200, 300$"):
    Checkpointer(checkpoints, keep=3).restore(state_at(0), step=250)
  assert_is_state_at(Checkpointer(checkpoints, keep=3).restore(state_at(0), step=200), 200)


def test_the_digest_tells_bitwise_equal_states_apart():
  assert digest(state_at(300)) == digest(state_at(300))
  changed = state_at(300)
  changed["params"]["b"] = changed["params"]["b"].at[1].set(np.nextafter(np.float32(300 / 7), 0))
  assert digest(changed) != digest(state_at(300))


# A tiny VEEGAN run of 6 checkpoints: a kill lands in one of its writes.
TINY_RUN = ["--config.model.latent_dim=4", "--config.model.generator.hidden=(16,)",
            "--config.model.reconstructor.hidden=(16,)", "--config.model.discriminator.hidden=(16,)",
            "--config.train.batch_size=32", "--config.train.steps=600",
            "--config.train.steps_per_call=50", "--config.train.log_every=100",
            "--config.eval.every=600", "--config.eval.num_samples=200",
            "--config.checkpoint.every=100"]


def launch(workdir, log) -> subprocess.Popen:
  """launch/main.py on TINY_RUN in `workdir`, its output going to the file `log`."""
  with open(log, "w") as output:
    return subprocess.Popen([sys.executable, MAIN, f"--workdir={workdir}", *TINY_RUN], cwd=REPO,
                            env=dict(os.environ, JAX_NUM_CPU_DEVICES="4"), stdout=output,
                            stderr=subprocess.STDOUT)


def final_digest(workdir) -> str:
  with open(os.path.join(workdir, "checkpoints", "600", "_CHECKPOINT_METADATA")) as f:
    return json.load(f)["custom_metadata"]["state_sha256"]


def test_sigkill_during_a_checkpoint_write_resumes_to_the_uninterrupted_final_state(tmp_path):
  logs = {run: tmp_path / f"{run}.log" for run in ("uninterrupted", "killed", "restarted")}
  uninterrupted = launch(tmp_path / "uninterrupted", logs["uninterrupted"])  # Side by side.
  try:
    checkpoints = tmp_path / "killed" / "checkpoints"
    killed = launch(tmp_path / "killed", logs["killed"])
    writing = []
    while not writing and killed.poll() is None:  # Kill while a save after the first is written.
      names = os.listdir(checkpoints) if checkpoints.exists() else []
      writing = [name for name in names if ".orbax-checkpoint-tmp" in name
                 and int(name.split(".")[0]) >= 200]
      time.sleep(0.001)
    killed.send_signal(signal.SIGKILL)
    assert killed.wait(timeout=60) == -signal.SIGKILL, logs["killed"].read_text()
    assert os.listdir(checkpoints).count(writing[0]) == 1  # Killed mid-write: a partial save.
    resumed_from = max(int(name) for name in os.listdir(checkpoints) if name.isdigit())

    assert launch(tmp_path / "killed", logs["restarted"]).wait(timeout=300) == 0, (
        logs["restarted"].read_text())
    restarted = logs["restarted"].read_text()
    assert f"resuming from step {resumed_from}" in restarted and "unusable" not in restarted, restarted
    assert not [name for name in os.listdir(checkpoints) if ".orbax-checkpoint-tmp" in name]
    assert uninterrupted.wait(timeout=300) == 0, logs["uninterrupted"].read_text()
  finally:
    uninterrupted.kill()  # Only if a failed assertion left it running.

  assert final_digest(tmp_path / "killed") == final_digest(tmp_path / "uninterrupted")
  finals = [np.load(tmp_path / run / "samples" / "final.npz")["x"] for run in ("uninterrupted", "killed")]
  np.testing.assert_array_equal(finals[0], finals[1])
  rows = [json.loads(line) for line in open(tmp_path / "killed" / "metrics.jsonl")]
  assert [row["step"] for row in rows if "train/discriminator_loss" in row] == list(range(100, 700, 100))


def test_only_asyncio_reports_of_abandoned_reads_are_dropped(tmp_path):
  def record(message: str) -> logging.LogRecord:
    return logging.LogRecord("asyncio", logging.ERROR, "base_events.py", 1771, message, None, None)

  abandoned = ("Task exception was never retrieved\nfuture: <Task finished name='Task-337' "
               "coro=<async_deserialize() done, defined at serialization.py:394> exception=...>")
  other_task = ("Task exception was never retrieved\nfuture: <Task finished name='Task-9' "
                "coro=<fetch() done> exception=...>")
  assert not checkpoint._drop_abandoned_read_tasks(record(abandoned))
  assert checkpoint._drop_abandoned_read_tasks(record(other_task))
  assert checkpoint._drop_abandoned_read_tasks(record("Unclosed client session"))
  directory = str(tmp_path / "checkpoints")
  future = ("Future exception was never retrieved\nfuture: <Future finished exception=ValueError("
            f"'OUT_OF_RANGE: Error reading ... local file \"{directory}/200/default/\"')>")
  assert checkpoint._drop_abandoned_read_tasks(record(future))  # No Checkpointer reads there...
  Checkpointer(directory, 1, read_only=True)
  assert not checkpoint._drop_abandoned_read_tasks(record(future))  # ...until one does.
