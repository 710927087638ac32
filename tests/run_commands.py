"""Runs several `python <script> <args>` commands one after another in this one process, as if
each were run from the shell: `python tests/run_commands.py COMMANDS.json RESULTS.json`.

COMMANDS.json is a list of {"argv": [script, *args], "cwd": directory}; RESULTS.json gets, per
command, its exit status, its wall time in seconds and, if it failed, the tail of its stderr and traceback (tests/test_documented_commands.py).
One process shares the imports and JAX's in-memory compilations between commands: a script is
run with `runpy` as `__main__`, after the absl flags the previous script defined (and its
parsed values) are removed, so each command parses its own flags from defaults.
"""

import contextlib
import io
import json
import os
import runpy
import sys
import time
import traceback

from absl import flags


class Tee(io.StringIO):
  """Keeps what is written (a command's one-line errors) and passes it on to `stream`."""

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


def run(argv: list[str], cwd: str) -> tuple[int, str]:
  """(exit status, traceback tail) of `python *argv` run in `cwd`."""
  before = set(flags.FLAGS)
  saved_argv, saved_path, saved_cwd = sys.argv, list(sys.path), os.getcwd()
  os.chdir(cwd)
  sys.argv = list(argv)
  sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
  status, text, stderr = 0, "", Tee(sys.stderr)
  try:
    with contextlib.redirect_stderr(stderr):
      runpy.run_path(argv[0], run_name="__main__")
  except SystemExit as stop:
    status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    text = "" if stop.code is None or isinstance(stop.code, int) else str(stop.code)
  except BaseException:  # pylint: disable=broad-except  # Reported as the command's failure.
    status, text = 1, traceback.format_exc()[-3000:]
  finally:
    sys.argv, sys.path[:] = saved_argv, saved_path
    os.chdir(saved_cwd)
    forget_script_flags(before)
  return status, (stderr.getvalue()[-2000:] + text) if status else ""


def main() -> None:
  with open(sys.argv[1]) as f:
    commands = json.load(f)
  results = []
  for command in commands:
    start = time.perf_counter()
    status, text = run(command["argv"], command["cwd"])
    seconds = round(time.perf_counter() - start, 1)
    results.append({"argv": command["argv"], "status": status, "seconds": seconds,
                    "traceback": text})
    print(f"exit {status} in {seconds} s: python {' '.join(command['argv'])}", file=sys.stderr,
          flush=True)
    with open(sys.argv[2], "w") as f:  # Rewritten after each, so a crash keeps the others.
      json.dump(results, f)


if __name__ == "__main__":
  main()
