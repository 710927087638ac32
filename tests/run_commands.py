"""Runs several `python <script> <args>` commands one after another in this one process, as if
each were run from the shell: `python tests/run_commands.py COMMANDS.json RESULTS.json`.

COMMANDS.json is a list of {"argv": [script, *args], "cwd": directory}; RESULTS.json gets, per
command, its exit status, its wall time in seconds, what it wrote to stdout and stderr and, if it
failed, the tail of its stderr and traceback. One process shares the imports and JAX's
in-memory compilations between commands: a script is run with `runpy` as `__main__`, after the
absl flags the previous script defined (and its parsed values) are removed, so each command
parses its own flags from defaults. From a test, `run_in_one_process` does all of this and
returns what `subprocess.run` would have, per command (tests/test_documented_commands.py,
tests/launch/test_hostile_inputs.py).
"""

import contextlib
import importlib.machinery
import io
import json
import os
import runpy
import subprocess
import sys
import tempfile
import time
import traceback

from absl import flags


class Tee(io.StringIO):
  """Keeps what is written and passes it on to `stream`."""

  def __init__(self, stream):
    super().__init__()
    self.stream = stream

  def write(self, text: str) -> int:
    self.stream.write(text)
    return super().write(text)


def forget_script_flags(before: set[str]) -> None:
  """Deletes the flags defined since `before` by a script run as __main__ and by its config
  file's overrides (those of imported modules stay: the modules are not imported again) and
  resets every flag to its default."""
  for name in set(flags.FLAGS) - before:
    module = flags.FLAGS.find_module_defining_flag(name)
    # ml_collections defines `--config.<field>` override flags from absl's own module.
    if module in (None, "__main__") or module not in sys.modules or module.startswith("absl.flags"):
      delattr(flags.FLAGS, name)
  flags.FLAGS.unparse_flags()


def forget_loaded_files(before: set[str]) -> None:
  """Deletes the top-level modules imported since `before` that the import path (restored after
  the command) does not lead to: config files ml_collections loads under one module name
  (`config_config`, which `load_module` would re-execute over the previous file's namespace),
  and a script's sibling modules. A shell's fresh process would load each anew."""
  for name in set(sys.modules) - before:
    origin = getattr(sys.modules[name], "__file__", None)
    if "." in name or origin is None:
      continue
    spec = importlib.machinery.PathFinder.find_spec(name)
    if spec is None or spec.origin != origin:
      del sys.modules[name]


def run(argv: list[str], cwd: str) -> dict[str, object]:
  """{"status", "stdout", "stderr", "traceback"} of `python *argv` run in `cwd`: the exit
  status, what it wrote, and the tail of stderr and of the traceback if it failed."""
  before, modules = set(flags.FLAGS), set(sys.modules)
  saved_argv, saved_path, saved_cwd = sys.argv, list(sys.path), os.getcwd()
  os.chdir(cwd)
  sys.argv = list(argv)
  sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
  status, text, stdout, stderr = 0, "", Tee(sys.stdout), Tee(sys.stderr)
  try:
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
      try:
        runpy.run_path(argv[0], run_name="__main__")
      finally:
        sys.stdout.flush()
  except SystemExit as stop:
    status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    if stop.code is not None and not isinstance(stop.code, int):
      text = str(stop.code)  # What the interpreter would print to stderr on exit.
      stderr.write(text + "\n")
  except BaseException:  # pylint: disable=broad-except  # Reported as the command's failure.
    status, text = 1, traceback.format_exc()
    stderr.write(text)
  finally:
    sys.argv, sys.path[:] = saved_argv, saved_path
    os.chdir(saved_cwd)
    forget_script_flags(before)
    forget_loaded_files(modules)
  return {"status": status, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(),
          "traceback": stderr.getvalue()[-5000:] if status else ""}


def run_in_one_process(commands: list[list[str]], cwd: str, env: dict[str, str] | None = None,
                       timeout: float = 1800) -> list[subprocess.CompletedProcess]:
  """`subprocess.run([sys.executable, *argv], cwd=cwd, env=env)` for each argv of `commands`,
  in order, all in one child process: one CompletedProcess each (returncode, stdout, stderr).
  A command the child did not reach (it died) gets the child's exit status and stderr."""
  with tempfile.TemporaryDirectory() as directory:
    listing, results = os.path.join(directory, "commands.json"), os.path.join(directory, "results.json")
    with open(listing, "w") as f:
      json.dump([{"argv": list(argv), "cwd": str(cwd)} for argv in commands], f)
    process = subprocess.run([sys.executable, os.path.abspath(__file__), listing, results],
                             cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                             check=False)
    ran = json.load(open(results)) if os.path.exists(results) else []
  completed = [subprocess.CompletedProcess([sys.executable, *result["argv"]], result["status"],
                                           result["stdout"], result["stderr"]) for result in ran]
  return completed + [subprocess.CompletedProcess([sys.executable, *argv], process.returncode or 1,
                                                  "", process.stderr)
                      for argv in commands[len(ran):]]


def main() -> None:
  with open(sys.argv[1]) as f:
    commands = json.load(f)
  results = []
  for command in commands:
    start = time.perf_counter()
    result = run(command["argv"], command["cwd"])
    seconds = round(time.perf_counter() - start, 1)
    results.append({"argv": command["argv"], "seconds": seconds, **result})
    print(f"exit {result['status']} in {seconds} s: python {' '.join(command['argv'])}",
          file=sys.stderr, flush=True)
    with open(sys.argv[2], "w") as f:  # Rewritten after each, so a crash keeps the others.
      json.dump(results, f)


if __name__ == "__main__":
  main()
