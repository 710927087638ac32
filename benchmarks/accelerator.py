"""The `config` budget of VEEGAN Table 1 and both image tables on an NVIDIA GPU host, in steps
of at most ten minutes, so that short slots on a GPU measure it piece by piece:

  python benchmarks/accelerator.py --plan   # what it would run, and what earlier steps finished
  python benchmarks/accelerator.py          # one step; run it again until it says all is done

A step (one invocation):
1. checks for an NVIDIA GPU (`nvidia-smi`) and that JAX sees it; if not, installs the CUDA
   build of the installed JAX version, `pip install "jax[cuda13]==<version>"` (JAX's install
   docs: the `cuda13` extra; `cuda12` where the driver supports CUDA 12 only, read from
   nvidia-smi; `--jax_extra` picks one);
2. runs `launch/table.py --budget=config` for each table an earlier step did not finish, in the
   order veegan1 (every row, 8 cells at a time), veegan2, alpha_gan (4 cells at a time), each
   into `<workdir>/table_<table>`, its output appended to `<workdir>/logs/<table>.log`;
3. at `--step_s` seconds from its start, stops the running table with SIGTERM: each training
   cell checkpoints the step it reached and stops (aegan/preemption.py); after `--grace_s`
   more seconds whatever is left is killed. The next step runs the same table command again:
   launch/table.py reads finished cells back (their results.json and table_seconds.json) and
   resumes the interrupted runs from their checkpoints;
4. adds its wall seconds to each table it ran in `<workdir>/accelerator.json` and rewrites
   `<workdir>/summary.md`: the GPU, each table's wall time summed over the steps that ran it,
   and its table.md (per-cell wall times as launch/table.py measured them).

Exit status: 0 when every table is finished (summary.md is then complete), 75 when the step
stopped a table at its time limit (run again), 1 when a table failed (its log's path is
printed), 2 for bad input or no GPU (one line on stderr, before anything is run or written).
The image tables' columns whose data tfds must download are skipped by launch/table.py with
the line saying how to prepare them; their offline columns always run.
"""

import argparse
import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = "accelerator.json"
SUMMARY = "summary.md"
# Table -> launch/table.py's arguments beside --table, --budget=config and --workdir.
TABLES = {"veegan1": ["--methods=all", "--jobs=8"],
          "veegan2": ["--jobs=4"],
          "alpha_gan": ["--jobs=4"]}
JAX_EXTRAS = ("cuda12", "cuda13")
RUN_AGAIN = 75  # EX_TEMPFAIL: a table was stopped at the step's time limit.


class InputError(Exception):
  """Bad input, or a host that cannot run the tables: one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
  def error(self, message: str) -> None:
    raise InputError(message)


def parse(argv: list[str]) -> argparse.Namespace:
  parser = _Parser(prog="benchmarks/accelerator.py", description=__doc__.split("\n\n")[0],
                   allow_abbrev=False)
  parser.add_argument("--workdir", default=os.path.join("runs", "accelerator"))
  parser.add_argument("--tables", default=",".join(TABLES),
                      help=f"comma-separated, run in this order: {', '.join(TABLES)}")
  parser.add_argument("--step_s", type=float, default=540.0,
                      help="seconds a step runs tables before stopping them")
  parser.add_argument("--grace_s", type=float, default=45.0,
                      help="seconds a stopped table has to checkpoint and exit before it is killed")
  parser.add_argument("--jax_extra", choices=("auto",) + JAX_EXTRAS, default="auto",
                      help="the CUDA build of JAX to install: by the driver's CUDA version (auto)")
  parser.add_argument("--plan", action="store_true",
                      help="list the steps' commands and what is finished; run nothing")
  args = parser.parse_args(argv)
  args.tables = [name for name in args.tables.split(",") if name]
  unknown = [name for name in args.tables if name not in TABLES]
  if unknown or not args.tables:
    raise InputError(f"--tables: {', '.join(unknown) or 'none given'}; choose from "
                     f"{', '.join(TABLES)}")
  if not args.step_s > 0 or not args.grace_s > 0:
    raise InputError(f"--step_s={args.step_s:g} and --grace_s={args.grace_s:g} must be positive")
  if os.path.exists(args.workdir) and not os.path.isdir(args.workdir):
    raise InputError(f"--workdir={args.workdir} is a file")
  return args


def table_command(name: str, workdir: str) -> list[str]:
  """The launch/table.py command of table `name`, into `workdir/table_<name>`."""
  return [sys.executable, os.path.join(REPO, "launch", "table.py"), f"--table={name}",
          "--budget=config", f"--workdir={os.path.join(workdir, f'table_{name}')}",
          *TABLES[name]]


def install_command(extra: str) -> list[str]:
  """pip's command for the CUDA build (`extra`) of the JAX version installed here."""
  return [sys.executable, "-m", "pip", "install",
          f"jax[{extra}]=={importlib.metadata.version('jax')}"]


def nvidia_smi(*query: str) -> str | None:
  """nvidia-smi's output for `query`, or None where there is no NVIDIA driver."""
  if shutil.which("nvidia-smi") is None:
    return None
  done = subprocess.run(["nvidia-smi", *query], capture_output=True, text=True, check=False)
  return done.stdout.strip() if done.returncode == 0 else None


def driver_extra() -> str:
  """The CUDA build the driver runs: cuda13 if it supports CUDA 13 ("CUDA Version: 13.0" in
  nvidia-smi's banner), else cuda12."""
  found = re.search(r"CUDA Version:\s*(\d+)", nvidia_smi() or "")
  return "cuda13" if found and int(found.group(1)) >= 13 else "cuda12"


def jax_backend() -> str:
  """The default backend of JAX as a fresh process sees it ("gpu", "cpu"; "" if it fails)."""
  done = subprocess.run([sys.executable, "-c", "import jax; print(jax.default_backend())"],
                        capture_output=True, text=True, check=False)
  return done.stdout.strip()


def gpu_name() -> str:
  """The GPU this step runs on, as nvidia-smi names it; InputError without one."""
  name = nvidia_smi("--query-gpu=name,memory.total,driver_version", "--format=csv,noheader")
  if not name:
    raise InputError("no NVIDIA GPU here (nvidia-smi finds none): this script runs the tables "
                     "on a GPU host; --plan lists what it would run")
  return "; ".join(name.splitlines())


def ensure_cuda_jax(extra: str, log) -> None:
  """Installs JAX's CUDA build unless JAX already runs on the GPU; InputError if it then
  still does not."""
  if jax_backend() == "gpu":
    return
  command = install_command(driver_extra() if extra == "auto" else extra)
  print(f"installing: {' '.join(command[2:])}", flush=True)
  if subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False).returncode:
    raise InputError(f"`{' '.join(command[2:])}` failed (log: {log.name})")
  if jax_backend() != "gpu":
    raise InputError(f"JAX does not run on the GPU after `{' '.join(command[2:])}` "
                     f"(log: {log.name})")


def run_until(command: list[str], deadline: float, grace_s: float, log) -> str:
  """Runs `command` (its own process group, output to `log`) until it exits or `deadline`
  (time.monotonic()); at the deadline SIGTERM to the group, SIGKILL `grace_s` later if it is
  still there. Returns "finished" (exit 0 before the deadline), "stopped" or "failed <status>"."""
  process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
  try:
    status = process.wait(timeout=max(deadline - time.monotonic(), 0.0))
    return "finished" if status == 0 else f"failed {status}"
  except subprocess.TimeoutExpired:
    os.killpg(process.pid, signal.SIGTERM)
    try:
      process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
      os.killpg(process.pid, signal.SIGKILL)
      process.wait()
    return "stopped"


def load_state(workdir: str) -> dict:
  path = os.path.join(workdir, STATE)
  if not os.path.exists(path):
    return {"tables": {}}
  with open(path) as f:
    return json.load(f)


def save_state(workdir: str, state: dict) -> None:
  with open(os.path.join(workdir, STATE) + ".tmp", "w") as f:
    json.dump(state, f, indent=1)
  os.replace(os.path.join(workdir, STATE) + ".tmp", os.path.join(workdir, STATE))


def table_state(state: dict, name: str) -> dict:
  return state["tables"].setdefault(name, {"finished": False, "seconds": 0.0, "steps": 0})


def progress_text(entry: dict) -> str:
  if entry["finished"]:
    return f"done ({entry['seconds']:.0f} s over {entry['steps']} step(s))"
  if entry["steps"]:
    return f"in progress ({entry['seconds']:.0f} s over {entry['steps']} step(s) so far)"
  return "to do"


def plan_lines(args: argparse.Namespace, state: dict) -> list[str]:
  """What each step would run, in order, and how far earlier steps got."""
  extra = "cuda13 or cuda12, by the driver" if args.jax_extra == "auto" else args.jax_extra
  lines = [f"steps of {args.step_s:g} s (+ {args.grace_s:g} s to stop), state in "
           f"{os.path.join(args.workdir, STATE)}:",
           f"1. unless JAX already runs on the GPU: pip install jax[{extra}]=="
           f"{importlib.metadata.version('jax')}"]
  for index, name in enumerate(args.tables, 2):
    command = " ".join(["python", os.path.relpath(table_command(name, args.workdir)[1], REPO),
                        *table_command(name, args.workdir)[2:]])
    lines.append(f"{index}. {command}: {progress_text(table_state(state, name))}")
  lines.append(f"then {os.path.join(args.workdir, SUMMARY)}: the GPU, each table's wall time "
               "and its table.md")
  return lines


def summary_text(args: argparse.Namespace, state: dict) -> str:
  lines = [f"# The `config` budget on {state.get('device', 'an unnamed GPU')}", "",
           "| table | wall s (all steps) | steps | state |", "|---|---|---|---|"]
  for name in args.tables:
    entry = table_state(state, name)
    lines.append(f"| {name} | {entry['seconds']:.0f} | {entry['steps']} | "
                 f"{'done' if entry['finished'] else 'unfinished'} |")
  for name in args.tables:
    path = os.path.join(args.workdir, f"table_{name}", "table.md")
    if os.path.exists(path):
      with open(path) as f:
        lines += ["", f"## {name}", "", f.read().strip()]
  return "\n".join(lines) + "\n"


def step(args: argparse.Namespace) -> int:
  """One step (module docstring); its exit status."""
  start = time.monotonic()
  deadline = start + args.step_s
  device = gpu_name()
  os.makedirs(os.path.join(args.workdir, "logs"), exist_ok=True)
  with open(os.path.join(args.workdir, "logs", "install.log"), "a") as log:
    ensure_cuda_jax(args.jax_extra, log)
  state = load_state(args.workdir)
  state["device"] = device
  status = 0
  for name in args.tables:
    entry = table_state(state, name)
    if entry["finished"]:
      continue
    if time.monotonic() >= deadline:
      status = RUN_AGAIN
      break
    print(f"{name}: {' '.join(table_command(name, args.workdir)[1:])}", flush=True)
    log_path = os.path.join(args.workdir, "logs", f"{name}.log")
    began = time.monotonic()
    with open(log_path, "a") as log:
      outcome = run_until(table_command(name, args.workdir), deadline, args.grace_s, log)
    entry["seconds"] += time.monotonic() - began
    entry["steps"] += 1
    entry["finished"] = outcome == "finished"
    save_state(args.workdir, state)
    print(f"{name}: {outcome} after {time.monotonic() - began:.0f} s", flush=True)
    if outcome != "finished":
      status = RUN_AGAIN if outcome == "stopped" else 1
      if status == 1:
        print(f"error: {name} {outcome}: see {log_path}", file=sys.stderr, flush=True)
      break
  save_state(args.workdir, state)
  with open(os.path.join(args.workdir, SUMMARY), "w") as f:
    f.write(summary_text(args, state))
  if status == RUN_AGAIN:
    print(f"step stopped at its time limit ({args.step_s:g} s): run the same command again to "
          f"continue; {os.path.join(args.workdir, SUMMARY)} has the tables so far", flush=True)
  elif status == 0:
    print(f"all done: {os.path.join(args.workdir, SUMMARY)}", flush=True)
  return status


def main(argv: list[str]) -> int:
  try:
    args = parse(argv)
    if args.plan:
      print("\n".join(plan_lines(args, load_state(args.workdir))))
      return 0
    return step(args)
  except InputError as error:
    print(f"error: {error}", file=sys.stderr)
    return 2


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))
