"""launch/main.py as a user runs it (a real subprocess): extending a finished run by raising
`train.steps`, and overrides that conflict through a shared FieldReference refused."""

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAIN = os.path.join(REPO, "launch", "main.py")
TINY = ["--config.model.latent_dim=4", "--config.model.generator.hidden=(16,)",
        "--config.model.reconstructor.hidden=(16,)", "--config.model.discriminator.hidden=(16,)",
        "--config.train.batch_size=32", "--config.train.steps_per_call=50",
        "--config.train.log_every=50", "--config.eval.every=100", "--config.eval.num_samples=100",
        "--config.checkpoint.every=50"]


def run(*args):
  env = dict(os.environ, JAX_NUM_CPU_DEVICES="1")
  return subprocess.run([sys.executable, MAIN, *args], cwd=REPO, env=env, capture_output=True,
                        text=True, timeout=300, check=False)


def test_extending_a_finished_run_trains_the_extra_steps(tmp_path):
  workdir = tmp_path / "run"
  assert run(f"--workdir={workdir}", "--config.train.steps=100", *TINY).returncode == 0
  # The default config's cosine schedules span train.steps: raising it is allowed on resume.
  result = run(f"--workdir={workdir}", "--config.train.steps=200", *TINY)
  assert result.returncode == 0, result.stderr
  assert "resuming from step 100" in result.stderr and "step 200/200" in result.stderr
  rows = [json.loads(line) for line in open(workdir / "metrics.jsonl")]
  assert [r["step"] for r in rows if "train/discriminator_loss" in r] == [50, 100, 150, 200]
  assert [r["step"] for r in rows if "eval/modes" in r] == [100, 200]
  assert json.load(open(workdir / "results.json"))["step"] == 200
  assert json.load(open(workdir / "config.json"))["train"]["steps"] == 200
  assert sorted(os.listdir(workdir / "checkpoints"), key=int)[-1] == "200"


def test_overrides_that_set_one_shared_value_differently_are_refused(tmp_path):
  # The stacked-digits configs tie eval.classifier.workdir and eval.features.workdir (one
  # classifier run); before, the later override silently set both.
  workdir = tmp_path / "run"
  result = run("--config=configs/veegan_stacked_digits.py", f"--workdir={workdir}",
               "--config.eval.classifier.workdir=/a", "--config.eval.features.workdir=/b")
  assert result.returncode == 2
  assert result.stderr.strip().splitlines() == [
      "error: --config.eval.classifier.workdir=/a conflicts with --config.eval.features.workdir=/b: "
      "the config ties these fields to one value (an ml_collections FieldReference); override "
      "only one of them"]
  assert not workdir.exists()
