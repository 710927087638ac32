"""Kills a training run N times at random moments and checks that it still ends exactly where
an uninterrupted run ends.

Runs `launch/main.py` once without interruption, then again in a second workdir, killing it
`--kills` times (half SIGKILL, half SIGTERM, in random order) and restarting it after each kill
until it finishes. Kill i lands once the run has logged a random step of the i-th of `--kills`
equal slices of the run (so the kills spread over it, all before its end), then a random
fraction of a call later (any phase of the step loop: the update, logging, a checkpoint save
starting), or, for a `--mid_write_fraction` of the kills (SIGKILLs), the moment orbax starts
writing the next checkpoint (its temporary directory appears). Reports a row per kill (the step
reached: for SIGTERM the step the run stopped at, for SIGKILL the last step it logged; the step
the restart resumed from; the steps lost in between; whether the kill left a checkpoint
half-written) and whether the final train state (parameters, optimizer state, key, step) is bitwise
that of the uninterrupted run, by the SHA-256 each checkpoint records (aegan/checkpoint.py),
and the final samples too. Exits 1 if it is not.

  python benchmarks/fault_injection.py                           # veegan_ring, 20 kills
  python benchmarks/fault_injection.py --kills=5 --steps=3000 --override=--config.train.batch_size=64

Steps lost are counted at the logging granularity (every call of `--steps_per_call`
iterations is logged): a SIGKILL also loses the call in flight, not counted.
"""

import dataclasses
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
from absl import app, flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAIN = os.path.join(REPO, "launch", "main.py")

_CONFIG = flags.DEFINE_string("config", os.path.join(REPO, "configs", "veegan_ring.py"),
                              "Config file of the training run.")
_KILLS = flags.DEFINE_integer("kills", 20, "How many times to kill the run.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the kill moments and signals.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Where the two runs go (default: a temporary "
                               "directory, deleted after); must not hold them already.")
_STEPS = flags.DEFINE_integer("steps", 6_000, "Training iterations.")
_STEPS_PER_CALL = flags.DEFINE_integer("steps_per_call", 100, "Iterations per call, each logged.")
_CHECKPOINT_EVERY = flags.DEFINE_integer("checkpoint_every", 500, "Checkpoint cadence.")
_MID_WRITE_FRACTION = flags.DEFINE_float(
    "mid_write_fraction", 0.25, "Fraction of the kills that are SIGKILLs aimed at a checkpoint "
    "being written.")
_OVERRIDES = flags.DEFINE_multi_string("override", [], "More `--config.<field>=<value>` flags.")

_STEP_LINE = re.compile(r"\] step (\d+)/(\d+) \|")
_RESUMED = re.compile(r"resuming from step (\d+)")
_STOPPED = re.compile(r"stopped by SIGTERM at step (\d+)")


@dataclasses.dataclass
class Kill:
  """When and how one life is killed: once it has logged step `after_step`, either `delay`
  seconds later or, if `mid_write`, as soon as it starts writing a checkpoint of a later step."""

  signal: signal.Signals
  after_step: int
  delay: float
  mid_write: bool


@dataclasses.dataclass
class Life:
  """One process of a run, from its start to its exit."""

  log: list[str]
  exit_code: int
  first_step_time: float | None  # perf_counter of its first `step N/T` line.
  last_step_time: float | None
  logged_steps: list[int]  # Steps of its `step N/T` lines, those before the kill if killed.

  def resumed_from(self) -> int:
    found = [int(m.group(1)) for line in self.log if (m := _RESUMED.search(line))]
    return found[0] if found else 0

  def stopped_at(self) -> int | None:
    found = [int(m.group(1)) for line in self.log if (m := _STOPPED.search(line))]
    return found[0] if found else None


def plan_kills(rng: random.Random, seconds_per_call: float) -> list[Kill]:
  """Half the kills SIGKILL, half SIGTERM, in random order. Kill i lands at a random step of
  the i-th of `--kills` equal slices of the run (so the kills spread over it and all land
  before it ends), then a random fraction of a call later; or, for a `--mid_write_fraction` of
  the kills (SIGKILLs), the moment the next checkpoint starts being written."""
  steps, per_call, kills = _STEPS.value, _STEPS_PER_CALL.value, _KILLS.value
  signals = [signal.SIGKILL] * (kills // 2) + [signal.SIGTERM] * (kills - kills // 2)
  rng.shuffle(signals)
  sigkills = [i for i, sig in enumerate(signals) if sig == signal.SIGKILL]
  mid_write = set(rng.sample(sigkills, min(len(sigkills), round(_MID_WRITE_FRACTION.value * kills))))
  plan = []
  for i, sig in enumerate(signals):
    after_step = rng.randrange(i * steps // kills, (i + 1) * steps // kills)
    plan.append(Kill(signal=sig, after_step=min(after_step, steps - per_call),
                     delay=rng.uniform(0, seconds_per_call), mid_write=i in mid_write))
  return plan


def writing_checkpoint(workdir: str, after_step: int) -> bool:
  """Whether orbax is writing a checkpoint of a step after `after_step` (its temporary dir)."""
  directory = os.path.join(workdir, "checkpoints")
  names = os.listdir(directory) if os.path.isdir(directory) else []
  return any(".orbax-checkpoint-tmp" in name and int(name.split(".")[0]) > after_step
             for name in names)


def run_life(workdir: str, kill: Kill | None) -> tuple[Life, bool]:
  """Runs launch/main.py in `workdir` until it exits, killed as `kill` says if given. Returns
  the life and whether the signal was sent (the run may have ended before)."""
  command = [sys.executable, MAIN, f"--config={_CONFIG.value}", f"--workdir={workdir}",
             f"--config.train.steps={_STEPS.value}",
             f"--config.train.steps_per_call={_STEPS_PER_CALL.value}",
             f"--config.train.log_every={_STEPS_PER_CALL.value}",
             f"--config.checkpoint.every={_CHECKPOINT_EVERY.value}",
             f"--config.eval.every={_STEPS.value}", *_OVERRIDES.value]
  process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
  log, logged_steps, times = [], [], []
  due = threading.Event()  # Set once the kill's step is logged, or the process has ended.

  def read_log() -> None:
    for line in process.stderr:
      log.append(line)
      if match := _STEP_LINE.search(line):
        logged_steps.append(int(match.group(1)))
        times.append(time.perf_counter())
        if kill is not None and logged_steps[-1] >= kill.after_step:
          due.set()
    due.set()

  reader = threading.Thread(target=read_log)
  reader.start()
  sent = False
  try:
    if kill is not None:
      due.wait()
      if kill.mid_write:
        while process.poll() is None and not writing_checkpoint(workdir, kill.after_step):
          time.sleep(0.001)
      else:
        time.sleep(kill.delay)
      if process.poll() is None:
        steps_before_kill = len(logged_steps)
        process.send_signal(kill.signal)
        sent = True
    exit_code = process.wait()
  finally:
    if process.poll() is None:  # This script was interrupted: leave no run behind.
      process.kill()
  reader.join()
  if sent:
    del logged_steps[steps_before_kill:]
  return Life(log, exit_code, times[0] if times else None, times[-1] if times else None,
              logged_steps), sent


def half_written_checkpoints(workdir: str) -> list[str]:
  directory = os.path.join(workdir, "checkpoints")
  return [name for name in os.listdir(directory) if ".orbax-checkpoint-tmp" in name]


def final_state_digest(workdir: str) -> str:
  with open(os.path.join(workdir, "checkpoints", str(_STEPS.value), "_CHECKPOINT_METADATA")) as f:
    return json.load(f)["custom_metadata"]["state_sha256"]


def fail_unless_finished(life: Life, workdir: str) -> None:
  if life.exit_code != 0 or not os.path.exists(os.path.join(workdir, "results.json")):
    sys.exit(f"the run in {workdir} failed (exit {life.exit_code}):\n{''.join(life.log[-20:])}")


def main(argv: list[str]) -> None:
  del argv
  root = _WORKDIR.value or tempfile.mkdtemp(prefix="fault_injection_")
  reference, interrupted = os.path.join(root, "uninterrupted"), os.path.join(root, "interrupted")
  if os.path.exists(reference) or os.path.exists(interrupted):
    sys.exit(f"{root} already holds runs; give another --workdir")
  start = time.perf_counter()
  uninterrupted, _ = run_life(reference, None)
  fail_unless_finished(uninterrupted, reference)
  reference_wall = time.perf_counter() - start
  training_time = uninterrupted.last_step_time - uninterrupted.first_step_time
  seconds_per_call = training_time / (len(uninterrupted.logged_steps) - 1)
  print(f"uninterrupted: {reference_wall:.0f} s, {seconds_per_call:.2f} s per call of "
        f"{_STEPS_PER_CALL.value} steps", flush=True)

  plan = plan_kills(random.Random(_SEED.value), seconds_per_call)
  print("| kill | signal | moment | step reached | resumed from | steps lost | "
        "checkpoint half-written |\n|---|---|---|---|---|---|---|", flush=True)
  kills, lost, restart_start = [], [], time.perf_counter()
  while True:
    kill = plan[len(kills)] if len(kills) < len(plan) else None
    life, sent = run_life(interrupted, kill)
    if kills:  # This life resumed from the previous one's kill.
      killed_life, previous, half_written = kills[-1]
      reached = max([*killed_life.logged_steps, killed_life.stopped_at() or 0,
                     killed_life.resumed_from()])
      lost.append(reached - life.resumed_from())
      moment = ("mid-write" if previous.mid_write
                else f"{previous.delay:.2f} s after step {previous.after_step}")
      print(f"| {len(kills)} | {previous.signal.name} | {moment} | {reached} | "
            f"{life.resumed_from()} | {lost[-1]} | {'yes' if half_written else 'no'} |", flush=True)
    if not sent:
      break
    kills.append((life, kill, half_written_checkpoints(interrupted)))
  fail_unless_finished(life, interrupted)
  interrupted_wall = time.perf_counter() - restart_start

  equal_state = final_state_digest(interrupted) == final_state_digest(reference)
  samples = [np.load(os.path.join(run, "samples", "final.npz"))["x"] for run in (reference, interrupted)]
  equal_samples = np.array_equal(samples[0], samples[1])
  by_signal = {name: [n for n, (_, kill, _) in zip(lost, kills) if kill.signal.name == name]
               for name in ("SIGKILL", "SIGTERM")}
  print(f"\nrestarts survived: {len(kills)} ({len(by_signal['SIGKILL'])} SIGKILL, "
        f"{len(by_signal['SIGTERM'])} SIGTERM; "
        f"{sum(bool(half) for *_, half in kills)} during a checkpoint write)")
  print(f"steps lost per kill: mean {np.mean(lost):.0f}"
        + "".join(f", {name} mean {np.mean(values):.0f}" for name, values in by_signal.items() if values)
        + f", max {max(lost)} (checkpoint every {_CHECKPOINT_EVERY.value} of {_STEPS.value} steps)")
  print(f"wall time: uninterrupted {reference_wall:.0f} s, interrupted {interrupted_wall:.0f} s "
        f"over {len(kills) + 1} processes")
  lives = [killed_life for killed_life, *_ in kills] + [life]
  unusable = sum("is unusable" in line for each in lives for line in each.log)
  print(f"final train state bitwise equal to the uninterrupted run's: {'yes' if equal_state else 'NO'}"
        f"; final samples equal: {'yes' if equal_samples else 'NO'}; half-written checkpoints "
        f"left: {len(half_written_checkpoints(interrupted))}; checkpoints found unusable: {unusable}")
  if not _WORKDIR.value:
    shutil.rmtree(root)
  if not (equal_state and equal_samples):
    sys.exit(1)


if __name__ == "__main__":
  app.run(main)
