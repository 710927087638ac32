"""launch/main.py as a user runs it: a real subprocess."""

import io
import json
import os
import pathlib
import shutil
import signal
import struct
import subprocess
import sys

import ml_collections
import numpy as np
import PIL.Image
import pytest
from tensorboardX.proto import event_pb2

from aegan.data import make_dataset
from aegan.evaluation.mixtures import mode_metrics
from tests.datasets import prepare
from tests.run_commands import run_in_one_process

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAIN = os.path.join(REPO, "launch", "main.py")
TINY = ["--config.model.latent_dim=4", "--config.model.generator.hidden=(16,)",
        "--config.model.reconstructor.hidden=(16,)", "--config.model.discriminator.hidden=(16,)",
        "--config.train.batch_size=32", "--config.train.steps_per_call=50",
        "--config.train.log_every=100", "--config.eval.every=200", "--config.eval.num_samples=500",
        "--config.checkpoint.every=100"]


def run(*args, cwd=REPO):
  """launch/main.py with `args` on 4 CPU devices."""
  return subprocess.run([sys.executable, MAIN, *args], cwd=cwd,
                        env=dict(os.environ, JAX_NUM_CPU_DEVICES="4"), capture_output=True,
                        text=True, timeout=300, check=False)


TRAINED = ["--config.train.steps=300", *TINY]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[pathlib.Path, subprocess.CompletedProcess]:
  """A finished tiny VEEGAN ring run of 300 iterations (checkpoints 100, 200, 300; evaluations
  at 200 and 300) and its launch: tests that read it work on a copy (`copy_of_trained`)."""
  workdir = tmp_path_factory.mktemp("trained") / "run"
  return workdir, run(f"--workdir={workdir}", *TRAINED)


def copy_of_trained(trained, tmp_path) -> pathlib.Path:
  workdir, result = trained
  assert result.returncode == 0, result.stderr
  shutil.copytree(workdir, tmp_path / "run")
  return tmp_path / "run"


def test_training_run_writes_the_workdir_and_a_rerun_writes_nothing(trained, tmp_path):
  workdir = copy_of_trained(trained, tmp_path)
  result = trained[1]
  assert str(trained[0]) in result.stderr  # (Its messages name the workdir it trained in.)
  result.stderr = result.stderr.replace(str(trained[0]), str(workdir))
  assert "step 300/300" in result.stderr and "it/s" in result.stderr and "ETA" in result.stderr
  with open(workdir / "config.json") as f:
    assert json.load(f)["train"]["steps"] == 300
  rows = [json.loads(line) for line in open(workdir / "metrics.jsonl")]
  assert [r["step"] for r in rows if "train/discriminator_loss" in r] == [100, 200, 300]
  assert [r["step"] for r in rows if "eval/modes" in r] == [200, 300]
  results = json.load(open(workdir / "results.json"))
  assert results["step"] == 300
  samples = np.load(workdir / "samples" / "final.npz")["x"]
  assert samples.shape == (500, 2) and np.all(np.isfinite(samples))
  # The results score the saved samples (learning floors: tests/methods/test_learning.py).
  ring = make_dataset(ml_collections.ConfigDict(
      json.load(open(workdir / "config.json"))["data"])).in_data_units()  # final.npz's units.
  expected = mode_metrics(samples, ring.means, ring.hq_unit, threshold=3.0)
  assert results["eval/modes"] == int(expected["eval/modes"])
  assert results["eval/hq_fraction"] == pytest.approx(float(expected["eval/hq_fraction"]))
  assert (workdir / "samples" / "samples_00000200.png").stat().st_size > 1000
  assert any(name.startswith("events.out.tfevents") for name in os.listdir(workdir))
  assert sorted(os.listdir(workdir / "checkpoints")) == ["100", "200", "300"]

  # The last line says where the results are.
  assert result.stderr.strip().splitlines()[-1].endswith(
      f"finished at step 300: results in {workdir}/results.json, samples and figures in "
      f"{workdir}/samples/, curves: tensorboard --logdir {workdir}"), result.stderr
  # TensorBoard holds the scatter plot of each evaluation, the PNG's picture.
  images = tensorboard_images(workdir)
  assert sorted(images) == [("samples", 200), ("samples", 300)]
  np.testing.assert_array_equal(
      images["samples", 200], np.asarray(PIL.Image.open(workdir / "samples" / "samples_00000200.png")))

  # Run again: the finished run says so in one line and writes nothing (no metrics row, no
  # event file, no evaluation); a longer run extends it (tests/launch/test_extend.py).
  before = snapshot(workdir)
  result = run(f"--workdir={workdir}", *TRAINED)
  assert result.returncode == 0, result.stderr
  lines = result.stderr.strip().splitlines()
  assert len(lines) == 1 and "already at step 300 (config.train.steps=300): nothing to train or " \
      f"evaluate; results in {workdir}/results.json" in lines[0], result.stderr
  assert snapshot(workdir) == before


def snapshot(directory) -> dict[str, tuple[int, bytes]]:
  """Every file under `directory`: relative path -> (modification time in ns, contents)."""
  return {os.path.relpath(os.path.join(root, name), directory):
          (os.stat(os.path.join(root, name)).st_mtime_ns, open(os.path.join(root, name), "rb").read())
          for root, _, names in os.walk(directory) for name in names}


def tensorboard_images(workdir) -> dict[tuple[str, int], np.ndarray]:
  """(tag, step) -> RGB picture of every image in `workdir`'s TensorBoard event files, read
  as TFRecords (u64 length, u32 CRC, Event proto, u32 CRC) with tensorboardX's protos."""
  images = {}
  for name in os.listdir(workdir):
    if not name.startswith("events.out.tfevents"):
      continue
    data = (workdir / name).read_bytes()
    offset = 0
    while offset < len(data):
      length = struct.unpack("<Q", data[offset:offset + 8])[0]
      event = event_pb2.Event.FromString(data[offset + 12:offset + 12 + length])
      offset += 12 + length + 4
      for value in event.summary.value:
        if value.HasField("image"):
          images[value.tag, event.step] = np.asarray(
              PIL.Image.open(io.BytesIO(value.image.encoded_image_string)).convert("RGB"))
  return images


def test_default_workdir_is_runs_config_stem(tmp_path):
  result = run("--config=configs/gan_grid.py", "--config.train.steps=50",
               "--config.train.steps_per_call=50", "--config.train.log_every=50",
               "--config.eval.every=50", "--config.checkpoint.every=50",
               "--config.model.latent_dim=4", "--config.train.batch_size=32")
  assert result.returncode == 0, result.stderr
  # Run from the repository root, so clean up what it wrote there.
  workdir = os.path.join(REPO, "runs", "gan_grid")
  try:
    assert os.path.exists(os.path.join(workdir, "results.json"))
  finally:
    shutil.rmtree(workdir)


# Invalid configs; the config file, overrides, workdir, checkpoints, data and weights files
# as hostile inputs are tests/launch/test_hostile_inputs.py's table.
BAD_INPUTS = [
    (["--config.method=vaegan"], "error: unknown method 'vaegan'; choose one of ['age', 'ali', 'alpha_gan', "),
    (["--config.data.name=spiral"], "error: unknown dataset 'spiral'; choose one of ['celeb_a', 'cifar10', 'color_mnist', 'color_mnist5k', 'digits', 'grid', 'mixture_1200d', 'mnist', 'mnist5k', 'ring', 'stacked_digits', 'stacked_mnist', 'stacked_mnist5k']"),
    (["--config.train.batch_size=30"], "error: config.train.batch_size=30 is not divisible by the 4 devices"),
    (["--config.train.steps=0"], "error: config.train.steps must be a positive integer, got 0"),
    (["--config.train.batch_size=-4"], "error: config.train.batch_size must be a positive integer, got -4"),
    (["--config.optimizer.generator.learning_rate=-0.001"],
     "error: config.optimizer.generator.learning_rate must be positive, got -0.001"),
]


@pytest.fixture(scope="module")
def bad_input_runs(tmp_path_factory) -> list[tuple]:
  """(workdir, CompletedProcess) per BAD_INPUTS case, all launched in one process
  (tests/run_commands.py), each as from the shell."""
  workdirs = [tmp_path_factory.mktemp("bad_input") / "run" for _ in BAD_INPUTS]
  completed = run_in_one_process([[MAIN, f"--workdir={workdir}", *args]
                                  for workdir, (args, _) in zip(workdirs, BAD_INPUTS)], REPO,
                                 env=dict(os.environ, JAX_NUM_CPU_DEVICES="4"))
  return list(zip(workdirs, completed))


@pytest.mark.parametrize("case", range(len(BAD_INPUTS)), ids=[args[0] for args, _ in BAD_INPUTS])
def test_bad_input_is_one_line_and_a_nonzero_exit(case, bad_input_runs):
  (workdir, result), expected = bad_input_runs[case], BAD_INPUTS[case][1]
  assert result.returncode == 2
  assert "Traceback" not in result.stderr
  lines = result.stderr.strip().splitlines()
  assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
  assert not workdir.exists()  # Refused before anything was written.


def test_veegan_cifar_trains_on_a_locally_built_cifar10(tmp_path):
  rng = np.random.default_rng(0)
  prepare(str(tmp_path / "tfds"), "cifar10", "3.0.2", {
      "train": (rng.integers(0, 256, (32, 32, 32, 3), np.uint8), np.arange(32) % 10),
      "test": (rng.integers(0, 256, (16, 32, 32, 3), np.uint8), np.arange(16) % 10)}, False)
  workdir = tmp_path / "run"
  result = run("--config=configs/veegan_cifar.py", f"--config.data.data_dir={tmp_path / 'tfds'}",
               f"--workdir={workdir}", "--config.model.latent_dim=8",
               "--config.model.generator.width=4", "--config.model.reconstructor.width=4",
               "--config.model.discriminator.width=4", "--config.model.discriminator.z_hidden=(8,)",
               "--config.model.discriminator.head_hidden=(8,)", "--config.train.batch_size=8",
               "--config.train.steps=4", "--config.train.steps_per_call=2", "--config.train.log_every=2",
               "--config.eval.every=2", "--config.eval.num_samples=40", "--config.eval.batch_size=8",
               "--config.checkpoint.every=2")
  assert result.returncode == 0, result.stderr
  results = json.load(open(workdir / "results.json"))
  assert results["step"] == 4 and 0 < results["eval/recon_mse"] < 4 and 0 < results["eval/recon_l1"] < 2
  assert 0 <= results["eval/ms_ssim"] <= 1 and 0 <= results["eval/ms_ssim_real"] <= 1
  assert results["eval/ms_ssim_stderr"] >= 0
  samples = np.load(workdir / "samples" / "final.npz")["x"]
  assert samples.shape == (40, 32, 32, 3) and samples.dtype == np.uint8
  for name in ("samples", "reconstructions"):
    for step in (2, 4):
      assert (workdir / "samples" / f"{name}_{step:08d}.png").stat().st_size > 1000


def test_sigterm_checkpoints_and_the_rerun_ends_like_an_uninterrupted_run(tmp_path):
  args = ["--config.train.steps=2000", *TINY, "--config.train.log_every=50",
          "--config.eval.every=1000", "--config.checkpoint.every=1000"]
  assert run(f"--workdir={tmp_path / 'uninterrupted'}", *args).returncode == 0

  workdir = tmp_path / "preempted"
  env = dict(os.environ, JAX_NUM_CPU_DEVICES="4")
  process = subprocess.Popen([sys.executable, MAIN, f"--workdir={workdir}", *args], cwd=REPO,
                             env=env, stderr=subprocess.PIPE, text=True)
  log = []
  for line in process.stderr:  # Preempt once training has made progress, mid-run.
    log.append(line)
    if "step 300/2000" in line:
      process.send_signal(signal.SIGTERM)
  assert process.wait(timeout=300) == 0, "".join(log)
  message = [line for line in log if "stopped by SIGTERM at step" in line]
  assert message and "run the same command again to resume" in message[0], "".join(log)
  stopped_at = int(message[0].split("at step ")[1].split(":")[0])
  assert 300 <= stopped_at < 2000 and str(stopped_at) in os.listdir(workdir / "checkpoints")
  assert not (workdir / "results.json").exists()

  result = run(f"--workdir={workdir}", *args)
  assert result.returncode == 0 and f"resuming from step {stopped_at}" in result.stderr
  finals = [np.load(tmp_path / name / "samples" / "final.npz")["x"] for name in ("uninterrupted", "preempted")]
  np.testing.assert_array_equal(finals[0], finals[1])
  assert (json.load(open(tmp_path / "uninterrupted" / "results.json"))
          == json.load(open(workdir / "results.json")))


def test_eval_and_sample_modes_read_a_trained_run(trained, tmp_path):
  workdir = copy_of_trained(trained, tmp_path)
  args = [f"--workdir={workdir}", *TRAINED]
  files = sorted(os.listdir(workdir))
  result = run(*args, "--mode=eval")
  assert result.returncode == 0, result.stderr
  final = json.load(open(workdir / "results.json"))
  assert result.stdout.startswith("# veegan on ring, step 300\n")
  assert f"| eval/modes | {final['eval/modes']:g} |" in result.stdout
  assert json.load(open(workdir / "evaluations" / "300" / "results.json"))["eval/modes"] == final["eval/modes"]
  result = run(*args, "--mode=sample", "--num_samples=16", "--sample_seed=2")
  assert result.returncode == 0, result.stderr
  path = str(workdir / "samples" / "sample_00000300_seed2.npz")
  assert result.stdout == path + "\n" and np.load(path)["x"].shape == (16, 2)
  assert sorted(os.listdir(workdir)) == sorted(files + ["evaluations"])
  # (A --step with no checkpoint: one line, tests/test_evaluate.py.)


def test_a_damaged_checkpoint_is_one_line_and_eval_says_which_step_it_reads(trained, tmp_path):
  workdir = copy_of_trained(trained, tmp_path)
  args = [f"--workdir={workdir}", *TRAINED]
  for root, _, names in os.walk(workdir / "checkpoints" / "300"):  # Truncate its array data.
    for name in names:
      if os.path.basename(root) == "d":
        os.truncate(os.path.join(root, name), os.path.getsize(os.path.join(root, name)) // 2)

  result = run(*args, "--mode=eval")
  assert result.returncode == 0, result.stderr
  lines = result.stderr.strip().splitlines()
  # orbax's abandoned reads printed ~45 "Event loop is closed" tracebacks here.
  assert "Traceback" not in result.stderr and "Event loop" not in result.stderr, result.stderr
  assert len(lines) == 3, result.stderr  # Unusable checkpoint, which step and why, the metrics.
  assert "checkpoint step 300 is unusable (" in lines[0] and "left in place; trying step 200" in lines[0]
  assert lines[1].endswith(
      f"evaluating step 200 of {workdir} (into {workdir}/evaluations/200): the newest usable "
      "checkpoint, step 300's being damaged (the warning above says how)"), result.stderr
  assert result.stdout.startswith("# veegan on ring, step 200\n")

  # As if killed before its final evaluation: training sets the damaged checkpoint aside,
  # resumes from step 200 and finishes again.
  os.remove(workdir / "results.json")
  result = run(*args)
  assert result.returncode == 0, result.stderr
  assert "Traceback" not in result.stderr and "Event loop" not in result.stderr, result.stderr
  unusable = [line for line in result.stderr.splitlines() if "unusable" in line]
  assert len(unusable) == 1 and "checkpoint step 300 is unusable" in unusable[0], result.stderr
  assert "resuming from step 200" in result.stderr and "finished at step 300" in result.stderr


def test_a_stacked_run_without_a_classifier_says_mode_counting_is_off(tmp_path):
  process = subprocess.Popen(
      [sys.executable, MAIN, "--config=configs/veegan_stacked_digits.py", f"--workdir={tmp_path}"],
      cwd=REPO, env=dict(os.environ, JAX_NUM_CPU_DEVICES="4"), stderr=subprocess.PIPE, text=True)
  try:  # The line comes before training starts; the run itself is not needed.
    for line in process.stderr:
      if "mode counting is off" in line or "step " in line:
        break
  finally:
    process.kill()
    process.wait()
  assert line.rstrip().endswith(
      "mode counting is off (no eval.classifier.workdir): train its classifier with `python "
      "launch/main.py --config=configs/classifier_digits.py`, then add "
      "--config.eval.classifier.workdir=runs/classifier_digits"), line
