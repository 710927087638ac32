"""Trains and evaluates one experiment; evaluates or samples a trained one.

  python launch/main.py                                   # configs/veegan_ring.py -> runs/veegan_ring
  python launch/main.py --config=configs/gan_grid.py --config.train.steps=2000 --workdir=/tmp/run
  python launch/main.py --config=configs/gan_grid.py --workdir=/tmp/run --mode=eval [--step=N]
  python launch/main.py --config=configs/gan_grid.py --workdir=/tmp/run --mode=sample --num_samples=64

An existing checkpoint in the workdir is resumed. Raising `--config.train.steps` over a finished
(or stopped) run extends it: it resumes from its newest checkpoint and trains up to the new
steps. Every learning-rate schedule spans `train.steps` iterations (aegan/optimizers.py), so
from the resume point on the rates follow the schedule over the new length (a cosine that had
reached 0 at the old end resumes at its value for that iteration of the longer run); the steps
already trained stay as they were, so an extended run is not the run trained for the new
length from the start. Overrides that set two fields tied by one FieldReference differently
are refused. `--mode=eval` runs every measure the config's
`eval` section names (which may differ from training's: `--config.eval.<field>=...`) on the
newest checkpoint (or `--step`'s) into <workdir>/evaluations/<step>/ (results.json,
summary.md, figures); `--mode=sample` writes samples as .npz and .png under <workdir>/samples/.
Neither changes the run, which may still be training (aegan/evaluate.py).

Bad input (a config file that is missing or fails to load, an override of a field that does
not exist or with a value of the wrong type, an unknown method or dataset, a batch the devices
cannot split, non-positive steps or learning rates, a config that differs from the workdir's
run, a workdir that is a file or cannot be written, checkpoints of another state (method,
network size, seeds) or of a step not saved, an image dataset not prepared on this machine or
of another shape or dtype, a classifier run that is none, a weights file that is not what it
claims) is reported in one line on stderr with exit status 2, before anything in the workdir
is written (tests/launch/test_hostile_inputs.py).

SIGTERM or SIGINT (a preemption, Ctrl-C) stops the run after the current call: the step it
reached is checkpointed, the logs are flushed, a line says where to resume, and the exit
status is 0; running the same command again continues to the same final parameters.

A NaN or infinity in a loss, metric or gradient norm stops the run with a line naming the
iteration, phase and term, keeps the newest checkpoint (the last good state) and exits 1
(`--config.train.nonfinite=skip` skips such updates instead; aegan/nonfinite.py).

On several hosts every host runs the same command (aegan/distributed.py): with no further
flags on a Cloud TPU pod slice or under SLURM / Open MPI, with
`--coordinator_address=HOST:PORT --num_processes=N --process_id=I` elsewhere. Only process 0
logs at INFO and writes the workdir's files.
"""

import ast
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # config files import `configs.common`.

from absl import app, flags, logging  # pylint: disable=wrong-import-position
from ml_collections import config_flags  # pylint: disable=wrong-import-position

from aegan import configuration, distributed, evaluate, train  # pylint: disable=wrong-import-position
from aegan import compilation_cache, run_log  # pylint: disable=wrong-import-position
from aegan.checkpoint import CheckpointMismatchError, CheckpointNotFoundError  # pylint: disable=wrong-import-position
from aegan.data import DatasetFormatError, DatasetNotFoundError  # pylint: disable=wrong-import-position
from aegan.evaluation.torch_files import WeightsFileError  # pylint: disable=wrong-import-position
from aegan.nonfinite import NonFiniteError  # pylint: disable=wrong-import-position
from aegan.preemption import Preempted  # pylint: disable=wrong-import-position


def _fail(message: str) -> None:
  print(f"error: {message}", file=sys.stderr)
  sys.exit(2)


def _unknown_override(error: Exception) -> str:
  """One line for an override of a field the config does not have, from ml_collections' error:
  a KeyError "'<name>'\nDid you mean "<close name>" instead of ...?", or an AttributeError
  "... Attempting to lookup: <path>" for a path through a value."""
  text = str(error.args[0]) if error.args else str(error)
  while len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":  # A repr in a repr.
    try:
      text = ast.literal_eval(text)
    except (SyntaxError, ValueError):
      break
  lookup = re.search(r"Attempting to lookup: (\S+)", text)
  if lookup:
    return f"--config.{lookup.group(1)} names a field the config does not have"
  missing = text.splitlines()[0].strip("'\"") if text else ""
  suggestion = re.search(r'Did you mean "([^"]+)"', text)
  for arg in sys.argv[1:]:
    parts = arg.split("=", 1)[0].removeprefix("--config.").split(".")
    if arg.startswith("--config.") and missing in parts:
      message = f"--config.{'.'.join(parts)} names a field the config does not have"
      if suggestion:
        parts[parts.index(missing)] = suggestion.group(1)
        message += f"; did you mean --config.{'.'.join(parts)}?"
      return message
  return f"a --config.<field> override names a field the config does not have: {missing}"


try:  # ml_collections resolves `--config.<field>` overrides against the file when defined.
  _CONFIG = config_flags.DEFINE_config_file(
      "config", os.path.join(REPO, "configs", "veegan_ring.py"), "Experiment config file.",
      lock_config=True)
except (AttributeError, KeyError) as error:
  _fail(_unknown_override(error))
_WORKDIR = flags.DEFINE_string("workdir", None, "Output directory (default: runs/<config stem>).")
_MODE = flags.DEFINE_enum("mode", "train", ["train", "eval", "sample"],
                          "train (or resume); eval or sample the workdir's checkpoint.")
_STEP = flags.DEFINE_integer("step", None, "eval/sample: the checkpoint's step (default: newest).")
_NUM_SAMPLES = flags.DEFINE_integer("num_samples", 64, "sample: how many samples.")
_SAMPLE_SEED = flags.DEFINE_integer("sample_seed", 0, "sample: the samples' PRNG seed.")
_COORDINATOR_ADDRESS = flags.DEFINE_string(
    "coordinator_address", None, "Multi-process runs: HOST:PORT of process 0, the same on every "
    "process (default: $JAX_COORDINATOR_ADDRESS; not needed on Cloud TPU, SLURM, Open MPI).")
_NUM_PROCESSES = flags.DEFINE_integer("num_processes", None, "Multi-process runs: how many.")
_PROCESS_ID = flags.DEFINE_integer("process_id", None, "Multi-process runs: this one's index, 0 to "
                                   "num_processes - 1.")


def _parse_flags(argv: list[str]) -> list[str]:
  """absl's flag parsing, with every problem (flags, config file, overrides) as one line."""
  try:
    rest = flags.FLAGS(argv)
  except flags.Error as error:  # Wrong override types; config files that raise (traceback inside).
    lines = [line for line in str(error).splitlines() if line.strip()]
    _fail(lines[0] if len(lines) == 1 else f"{lines[0]} {lines[-1]}")
  except Exception as error:  # pylint: disable=broad-except  # A config file that raises, or lacks get_config.
    cause = error.__cause__ or error
    lines = str(cause).strip().splitlines()
    named = [arg.split("=", 1)[1] for arg in argv if arg.startswith("--config=")]
    _fail(f"cannot load the config file{' ' + named[-1] if named else ''}: "
          f"{type(cause).__name__}: {lines[0] if lines else ''}")
  path = config_flags.get_config_filename(flags.FLAGS["config"]).partition(":")[0]
  if not os.path.isfile(path):
    _fail(f"config file {path} does not exist")
  try:
    _CONFIG.value  # pylint: disable=pointless-statement
  except Exception as error:  # pylint: disable=broad-except
    cause = error.__cause__ or error
    _fail(f"cannot load config file {path}: {type(cause).__name__}: {str(cause).splitlines()[0]}")
  return rest


def main(argv: list[str]) -> None:
  if len(argv) > 1:
    _fail(f"unexpected arguments: {' '.join(argv[1:])}")
  compilation_cache.enable_from_flag()  # --compilation_cache: a second run starts compiled.
  run_log.own_lines_only()  # Without Orbax's narration of every save.
  try:
    distributed.initialize(_COORDINATOR_ADDRESS.value, _NUM_PROCESSES.value, _PROCESS_ID.value)
  except distributed.DistributedConfigError as error:
    _fail(str(error))
  if not distributed.is_writer():  # One log for the run: process 0's.
    logging.set_verbosity(logging.WARNING)
  # `--config=configs/ali_images.py:cifar10` calls get_config("cifar10"): runs/ali_images_cifar10.
  config_path, _, config_arg = config_flags.get_config_filename(flags.FLAGS["config"]).partition(":")
  run_name = os.path.splitext(os.path.basename(config_path))[0] + (f"_{config_arg}" if config_arg else "")
  workdir = _WORKDIR.value or os.path.join("runs", run_name)
  try:
    configuration.check_overrides(_CONFIG.value, config_flags.get_override_values(flags.FLAGS["config"]))
    if _MODE.value == "train":
      train.train_and_evaluate(_CONFIG.value, workdir)
    elif _MODE.value == "eval":
      evaluate.evaluate(_CONFIG.value, workdir, _STEP.value)
    else:
      for path in evaluate.sample(_CONFIG.value, workdir, _NUM_SAMPLES.value, _SAMPLE_SEED.value,
                                  _STEP.value):
        print(path)
  except (configuration.ConfigError, DatasetNotFoundError, DatasetFormatError,
          CheckpointMismatchError, CheckpointNotFoundError, WeightsFileError) as error:
    _fail(str(error))
  except Preempted as stopped:  # A clean stop, not a failure: the run resumes from here.
    print(stopped, file=sys.stderr)
  except NonFiniteError as error:  # A failed run: say where, keep the last good checkpoint.
    print(f"error: {error}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
  app.run(main, flags_parser=_parse_flags)
