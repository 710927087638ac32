"""launch/main.py on several processes: 2 processes x 2 CPU devices over loopback (CPU
collectives through gloo) stand in for two hosts, and train to the parameters of 1 process x
4 devices (both in float64, where they differ only in the order of their reductions: equal to
float32's resolution, tests/precision.py)."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import jax
import numpy as np
import orbax.checkpoint as ocp
import pytest

from tests.precision import assert_equal_to_float32_resolution

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAIN = os.path.join(REPO, "launch", "main.py")
TINY_GAN = ["--config=configs/gan_ring.py", "--config.model.latent_dim=4",
            "--config.model.generator.hidden=(16,)", "--config.model.discriminator.hidden=(16,)",
            "--config.train.batch_size=32", "--config.train.steps=200",
            "--config.train.steps_per_call=100", "--config.train.log_every=100",
            "--config.eval.every=200", "--config.eval.num_samples=256",
            "--config.checkpoint.every=200"]


# launch/main.py in float64, as tests/conftest.py `float64` runs a test: jax's x64 mode, the
# networks computing in float64 and the initial state cast to float64.
IN_FLOAT64 = textwrap.dedent("""
    import runpy, sys
    import jax.numpy as jnp
    from aegan import experiment, models, train
    from tests.precision import as_float64
    models.compute_dtype = lambda config: jnp.float64
    train.init_state = lambda *args: as_float64(experiment.init_state(*args))
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
""")


def launch(devices: int, *args: str, float64: bool = False) -> subprocess.Popen:
  """launch/main.py with `args` on `devices` CPU devices; `float64`: in float64 (IN_FLOAT64)."""
  env = dict(os.environ, JAX_NUM_CPU_DEVICES=str(devices))
  command = [sys.executable, MAIN, *args]
  if float64:
    env["JAX_ENABLE_X64"] = "1"
    command = [sys.executable, "-c", IN_FLOAT64, MAIN, *args]
  return subprocess.Popen(command, cwd=REPO, env=env, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)


def free_port() -> int:
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def newest_checkpoint(directory) -> tuple[int, dict]:
  """The newest checkpoint's step and state as numpy arrays, whatever devices saved it."""
  step = ocp.CheckpointManager(str(directory)).latest_step()
  path = os.path.join(directory, str(step), "default")
  with ocp.StandardCheckpointer() as checkpointer:
    metadata = checkpointer.metadata(path).item_metadata
    target = jax.tree.map(lambda leaf: np.zeros(leaf.shape, leaf.dtype), metadata)
    return step, checkpointer.restore(path, target)


def metric_rows(workdir) -> list[dict]:
  with open(workdir / "metrics.jsonl") as f:
    return [json.loads(line) for line in f]


def test_two_processes_train_to_the_parameters_of_one(tmp_path):
  one, two = tmp_path / "one_process", tmp_path / "two_processes"
  cluster = [f"--coordinator_address=127.0.0.1:{free_port()}", "--num_processes=2"]
  runs = [launch(4, *TINY_GAN, f"--workdir={one}", float64=True),
          *(launch(2, *TINY_GAN, f"--workdir={two}", *cluster, f"--process_id={i}", float64=True)
            for i in range(2))]
  outputs = [run.communicate(timeout=300) for run in runs]
  for run, (_, stderr) in zip(runs, outputs):
    assert run.returncode == 0, stderr
  process_0_log, process_1_log = outputs[1][1], outputs[2][1]
  assert "gan on ring, 4 device(s)" in process_0_log and "step 200/200" in process_0_log
  assert "step 200/200" not in process_1_log and "eval/modes" not in process_1_log

  step_one, state_one = newest_checkpoint(one / "checkpoints")
  step_two, state_two = newest_checkpoint(two / "checkpoints")
  assert step_one == step_two == 200 and int(state_two["step"]) == 200
  np.testing.assert_array_equal(state_two["key"], state_one["key"])
  # Gloo sums the devices' gradients in another order than one process does; in float64 the
  # states differ by ~1e-16 of each leaf after the 200 steps (measured), and agree to float32's
  # resolution (tests/precision.py); the Adam counts exactly.
  is_float = lambda leaf: np.issubdtype(leaf.dtype, np.floating)
  pairs = list(zip(jax.tree.leaves((state_two["params"], state_two["opt_state"])),
                   jax.tree.leaves((state_one["params"], state_one["opt_state"]))))
  assert_equal_to_float32_resolution(*zip(*[(a, b) for a, b in pairs if is_float(b)]))
  for a, b in pairs:
    if not is_float(b):
      np.testing.assert_array_equal(a, b)

  # Process 0 alone wrote the logs: each step once, the values of the one-process run.
  rows_one, rows_two = metric_rows(one), metric_rows(two)
  assert [sorted(row) for row in rows_two] == [sorted(row) for row in rows_one]
  assert [row["step"] for row in rows_two] == [100, 200, 200]
  for row_one, row_two in zip(rows_one, rows_two):
    # None is a metric without a value (e.g. the mode KL of a run with no high-quality sample).
    assert [k for k in row_two if row_two[k] is None] == [k for k in row_one if row_one[k] is None]
    valued = lambda row: {k: np.float64(v) for k, v in row.items() if row_one[k] is not None}
    assert_equal_to_float32_resolution(valued(row_two), valued(row_one))
  assert len([name for name in os.listdir(two) if name.startswith("events.out.tfevents")]) == 1
  with open(one / "results.json") as f, open(two / "results.json") as g:
    assert json.load(g)["eval/modes"] == json.load(f)["eval/modes"]
  assert sorted(os.listdir(two / "samples")) == ["final.npz", "samples_00000200.png"]


@pytest.mark.parametrize("flags, message", [
    (["--process_id=1"], "error: a multi-process run needs --coordinator_address (or "
     "JAX_COORDINATOR_ADDRESS), --num_processes and --process_id on every process; missing "
     "--coordinator_address, --num_processes\n"),
    (["--coordinator_address=127.0.0.1:1234", "--num_processes=2", "--process_id=2"],
     "error: --process_id must be in [0, --num_processes) and --num_processes at least 1, got "
     "--process_id=2 --num_processes=2\n"),
])
def test_incomplete_or_inconsistent_process_flags_fail_in_one_line(flags, message, tmp_path):
  run = launch(4, *TINY_GAN, f"--workdir={tmp_path}", *flags)
  _, stderr = run.communicate(timeout=120)
  assert run.returncode == 2 and stderr == message
  assert os.listdir(tmp_path) == []
