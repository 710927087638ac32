"""benchmarks/accelerator.py on a CPU: its bad input, its plan, and its steps with stand-in
tables (a table a step stops at its time limit is run again by the next step, and the run is
done when every table finished). Nothing here imports JAX or trains."""

import json
import os
import re
import subprocess
import sys
import textwrap
import time

import pytest

from benchmarks import accelerator

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "benchmarks", "accelerator.py")


def run_script(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
  return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                        timeout=60, check=False, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("args, message", [
    (["--tables=veegan1,nope"], "error: --tables: nope; choose from veegan1, veegan2, alpha_gan"),
    (["--tables=,"], "error: --tables: none given; choose from veegan1, veegan2, alpha_gan"),
    (["--step_s=0"], "error: --step_s=0 and --grace_s=45 must be positive"),
    (["--grace_s=-1"], "error: --step_s=540 and --grace_s=-1 must be positive"),
    (["--jax_extra=cuda11"], "error: argument --jax_extra: invalid choice: 'cuda11' "
                             "(choose from 'auto', 'cuda12', 'cuda13')"),
    (["--steps=3"], "error: unrecognized arguments: --steps=3"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
  result = run_script(*args, f"--workdir={tmp_path / 'run'}")
  assert result.returncode == 2 and result.stdout == ""
  assert result.stderr == message + "\n"
  assert not (tmp_path / "run").exists()


def test_a_host_without_a_gpu_is_one_line_and_writes_nothing(tmp_path):
  # No nvidia-smi on PATH.
  result = run_script(f"--workdir={tmp_path / 'run'}", env={"PATH": str(tmp_path)})
  assert result.returncode == 2
  assert result.stderr == ("error: no NVIDIA GPU here (nvidia-smi finds none): this script runs "
                           "the tables on a GPU host; --plan lists what it would run\n")
  assert not (tmp_path / "run").exists()


def test_the_plan_lists_each_step_and_what_is_done(tmp_path):
  workdir = tmp_path / "run"
  result = run_script("--plan", f"--workdir={workdir}", "--tables=veegan1,alpha_gan")
  assert result.returncode == 0, result.stderr
  version = accelerator.importlib.metadata.version("jax")
  assert result.stdout.splitlines() == [
      f"steps of 540 s (+ 45 s to stop), state in {workdir}/accelerator.json:",
      f"1. unless JAX already runs on the GPU: pip install jax[cuda13 or cuda12, by the driver]=={version}",
      f"2. python launch/table.py --table=veegan1 --budget=config --workdir={workdir}/table_veegan1 "
      "--methods=all --jobs=8: to do",
      f"3. python launch/table.py --table=alpha_gan --budget=config --workdir={workdir}/table_alpha_gan "
      "--jobs=4: to do",
      f"then {workdir}/summary.md: the GPU, each table's wall time and its table.md"]
  assert not workdir.exists()  # A plan writes nothing.
  workdir.mkdir()
  (workdir / "accelerator.json").write_text(json.dumps({"tables": {
      "veegan1": {"finished": True, "seconds": 400.2, "steps": 1},
      "alpha_gan": {"finished": False, "seconds": 1080.0, "steps": 2}}}))
  lines = run_script("--plan", f"--workdir={workdir}", "--tables=veegan1,alpha_gan",
                     "--jax_extra=cuda12").stdout.splitlines()
  assert lines[1].endswith(f"pip install jax[cuda12]=={version}")
  assert lines[2].endswith(": done (400 s over 1 step(s))")
  assert lines[3].endswith(": in progress (1080 s over 2 step(s) so far)")


# A stand-in for launch/table.py: the first run of a "slow" table waits for SIGTERM and exits as
# a preempted cell would; any later run, or a table that is not slow, writes its table.md and
# exits 0; a "broken" one exits 1.
TABLE = textwrap.dedent("""
    import os, signal, sys, time
    name, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    runs = os.path.join(workdir, "runs")
    count = int(open(runs).read()) + 1 if os.path.exists(runs) else 1
    open(runs, "w").write(str(count))
    if name == "broken":
      sys.exit(1)
    if name == "veegan2" and count == 1:
      signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
      time.sleep(60)
    open(os.path.join(workdir, "table.md"), "w").write(f"table {name} after {count} run(s)")
""")


@pytest.fixture
def stand_in(monkeypatch, tmp_path):
  script = tmp_path / "table.py"
  script.write_text(TABLE)
  monkeypatch.setattr(accelerator, "table_command", lambda name, workdir: [
      sys.executable, str(script), name, os.path.join(workdir, f"table_{name}")])
  monkeypatch.setattr(accelerator, "gpu_name", lambda: "Stand-in GPU, 80 GiB")
  installs = []
  monkeypatch.setattr(accelerator, "ensure_cuda_jax", lambda extra, log: installs.append(extra))
  return installs


def test_steps_stop_a_table_at_the_limit_and_the_next_step_continues(stand_in, tmp_path, capsys):
  workdir = tmp_path / "run"
  args = [f"--workdir={workdir}", "--step_s=2", "--grace_s=10"]
  start = time.monotonic()
  assert accelerator.main(args) == accelerator.RUN_AGAIN  # veegan2 stopped at 2 s.
  assert time.monotonic() - start < 15
  state = json.loads((workdir / "accelerator.json").read_text())
  assert state["device"] == "Stand-in GPU, 80 GiB"
  assert state["tables"]["veegan1"]["finished"] and state["tables"]["veegan1"]["steps"] == 1
  assert not state["tables"]["veegan2"]["finished"] and state["tables"]["veegan2"]["steps"] == 1
  assert 1.5 < state["tables"]["veegan2"]["seconds"] < 12
  assert "alpha_gan" not in state["tables"]  # The step's time was spent.
  assert "step stopped at its time limit (2 s): run the same command again" in capsys.readouterr().out
  summary = (workdir / "summary.md").read_text()
  assert re.search(r"^\| veegan2 \| \d+ \| 1 \| unfinished \|$", summary, re.M), summary
  assert "table veegan1 after 1 run(s)" in summary
  # The next step leaves veegan1 alone, runs veegan2 again (which now finishes) and alpha_gan.
  assert accelerator.main(args) == 0
  state = json.loads((workdir / "accelerator.json").read_text())
  assert [state["tables"][name]["steps"] for name in ("veegan1", "veegan2", "alpha_gan")] == [1, 2, 1]
  assert all(entry["finished"] for entry in state["tables"].values())
  assert (workdir / "table_veegan1" / "runs").read_text() == "1"
  summary = (workdir / "summary.md").read_text()
  assert summary.startswith("# The `config` budget on Stand-in GPU, 80 GiB")
  assert "table veegan2 after 2 run(s)" in summary and "table alpha_gan after 1 run(s)" in summary
  assert f"all done: {workdir}/summary.md" in capsys.readouterr().out
  assert stand_in == ["auto", "auto"]  # Each step makes sure JAX runs on the GPU.
  assert accelerator.main(args) == 0  # Nothing left: nothing runs again.
  assert (workdir / "table_alpha_gan" / "runs").read_text() == "1"


def test_a_failing_table_stops_the_step_with_status_1(stand_in, monkeypatch, tmp_path, capsys):
  monkeypatch.setitem(accelerator.TABLES, "broken", [])
  workdir = tmp_path / "run"
  assert accelerator.main([f"--workdir={workdir}", "--tables=broken,veegan1"]) == 1
  assert capsys.readouterr().err == f"error: broken failed 1: see {workdir}/logs/broken.log\n"
  state = json.loads((workdir / "accelerator.json").read_text())
  assert not state["tables"]["broken"]["finished"] and "veegan1" not in state["tables"]


def test_a_table_that_ignores_sigterm_is_killed_after_the_grace(tmp_path):
  with open(tmp_path / "log", "w") as log:
    start = time.monotonic()
    outcome = accelerator.run_until(
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, "
         "signal.SIG_IGN); time.sleep(60)"], time.monotonic() + 0.5, 0.5, log)
  assert outcome == "stopped" and time.monotonic() - start < 10


def test_the_install_pins_the_installed_jax_version():
  command = accelerator.install_command("cuda12")
  assert command[1:4] == ["-m", "pip", "install"]
  assert command[4] == f"jax[cuda12]=={accelerator.importlib.metadata.version('jax')}"
