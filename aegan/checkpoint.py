"""Checkpoints of the train state with orbax's CheckpointManager, and recovery from bad ones.

Saves are asynchronous (training continues while a save is written); the newest `keep`
checkpoints are kept. What orbax (0.12, local filesystem) guarantees and what it does not,
read in its source (`orbax/checkpoint/_src/path/atomicity.py`, `deleter.py`) and measured:

- A save is written into `<step>.orbax-checkpoint-tmp-<timestamp>/`, which gets a
  `commit_success.txt` and is renamed to `<step>/` only once every file is written
  (`AtomicRenameTemporaryPath`). Any directory named by a bare step number counts as a
  complete checkpoint. A process killed mid-save (SIGKILL, out of memory) therefore leaves the
  previous checkpoints untouched plus a temporary directory, which orbax never restores and
  which `cleanup_tmp_directories` deletes when the next run opens the directory.
- The rename and orbax's JSON metadata files are not fsync'd, so after a power loss or an OS
  crash (or a copy of the workdir cut short) a complete-looking `<step>/` can hold truncated or
  empty files. Deleting the checkpoints beyond `keep` is an in-place rmtree (no
  `todelete_subdir` here: that only renames them aside, to be deleted by hand), which a kill
  can leave half done.
- Truncated array data fails to restore, but a flipped byte inside a compressed chunk restores
  silently to different numbers: the chunks carry no checksum.

So each save also records the SHA-256 of the state's bytes in the step's own metadata
(`custom_metadata.state_sha256` in `<step>/_CHECKPOINT_METADATA`, written inside the temporary
directory, so atomically with the arrays; hashing costs ~2 ms per MB of state on our 2-core
CPU, measured; tests and benchmarks/fault_injection.py compare runs by it), and `restore` walks
the checkpoints newest first, taking the first one that restores and matches its digest. A
checkpoint that fails is reported in one line and renamed `<step>.unusable`: out of orbax's
sight (it only lists bare step numbers), so the resumed run can save that step again, yet kept
for inspection rather than deleted. (A newer `.unusable` of the same step replaces an older
one.)

A checkpoint that is intact but of another state (another method, network size or number of
seeds: checkpoints copied in from another run, or code that changed the state's structure) is
not damage: falling back past it would silently train from scratch over that run. Before
restoring anything, `restore` compares each checkpoint's array metadata (paths, shapes, dtypes
in `<step>/default/_METADATA`) with the target and raises `CheckpointMismatchError`, touching
nothing, on the first that differs; one whose metadata cannot be read is left to the restore
(and the fall-back) as damaged.

A `read_only` Checkpointer (evaluating or sampling a run, perhaps while it still trains, and
restoring another run's classifier) changes nothing on disk: it neither deletes orbax's
temporary directories (they may be a save in progress) nor sets damaged checkpoints aside; it
only falls back past them.
"""

import gc
import hashlib
import logging as std_logging
import os
import shutil
import sys
import traceback

import jax
import numpy as np
import orbax.checkpoint as ocp
from absl import logging
from jax.experimental import multihost_utils

_DIGEST_KEY = "state_sha256"
_SHOWN_DIFFERENCES = 3  # Differences named in a mismatch's one line.
_UNUSABLE_SUFFIX = ".unusable"


def digest(state) -> str:
  """SHA-256 of every leaf's bytes, in tree order: equal digests mean bitwise-equal states."""
  hasher = hashlib.sha256()
  for leaf in jax.tree.leaves(state):
    hasher.update(np.ascontiguousarray(jax.device_get(leaf)).tobytes())
  return hasher.hexdigest()


def _one_line(error: Exception, limit: int = 300) -> str:
  """The first line of the innermost cause of `error` (orbax wraps TensorStore's errors)."""
  while error.__cause__ is not None:
    error = error.__cause__
  lines = str(error).strip().splitlines()
  text = f"{type(error).__name__}: {lines[0] if lines else ''}"
  return text if len(text) <= limit else text[:limit - 3] + "..."


def _is_abandoned_read(unraisable) -> bool:
  """Whether Python is reporting one of the reads a failed restore abandoned (orbax 0.12 reads
  every array concurrently in an asyncio loop and, at the first read that fails, closes the
  loop with the others still running): TensorStore finishing one and calling back into the
  closed loop (`RuntimeError: Event loop is closed` from `call_soon_threadsafe`), or the
  garbage collector closing one's coroutine, which raises inside its `except BaseException`
  (`_read_array_index_and_device_put`). Each would print a traceback, dozens per array, from
  whichever thread or collection meets it, during the restore or long after."""
  if getattr(unraisable.object, "__name__", None) == "_read_array_index_and_device_put":
    return True
  frames = traceback.extract_tb(unraisable.exc_traceback)
  return (isinstance(unraisable.exc_value, RuntimeError)
          and str(unraisable.exc_value) == "Event loop is closed"
          and any(frame.name == "call_soon_threadsafe" for frame in frames))


def _silence_abandoned_reads() -> None:
  """From now on, reports of a failed restore's abandoned reads (`_is_abandoned_read`, and
  asyncio's log of their unretrieved task failures, `_drop_abandoned_read_tasks`) are dropped;
  every other unraisable exception and asyncio report is still reported. Installed once, before the first
  restore, for the rest of the process: TensorStore's threads report some while the failing
  restore is still unwinding, and the rest whenever they finish."""
  report = sys.unraisablehook
  if getattr(report, "drops_abandoned_reads", False):
    return

  def report_others(unraisable) -> None:
    if not _is_abandoned_read(unraisable):
      report(unraisable)

  report_others.drops_abandoned_reads = True
  sys.unraisablehook = report_others
  std_logging.getLogger("asyncio").addFilter(_drop_abandoned_read_tasks)


# Every Checkpointer's directory (absolute): the reads asyncio may report as abandoned.
_CHECKPOINT_DIRECTORIES: set[str] = set()


def _drop_abandoned_read_tasks(record: std_logging.LogRecord) -> bool:
  """A logging filter for asyncio's logger: False (drop) for its report of an abandoned read
  whose failure nobody retrieved, which asyncio's exception handler logs, with a traceback,
  when the garbage collector meets the task or future: orbax's `async_deserialize` task, or a
  future failing on a file of a Checkpointer's directory. True (keep) for everything else."""
  message = record.getMessage()
  if not message.startswith(("Task exception was never retrieved",
                             "Future exception was never retrieved")):
    return True
  return not ("coro=<async_deserialize()" in message
              or any(directory + os.sep in message for directory in _CHECKPOINT_DIRECTORIES))


class CheckpointNotFoundError(ValueError):
  """The step asked for is not among a directory's checkpoints (one line: which are)."""


class CheckpointMismatchError(ValueError):
  """An intact checkpoint holds another state than the one the run restores into."""


def _key_name(key) -> str:
  for attribute in ("key", "name", "idx"):  # DictKey, GetAttrKey, SequenceKey / FlattenedIndexKey.
    if hasattr(key, attribute):
      return str(getattr(key, attribute))
  return str(key)


def _arrays(tree) -> dict[str, tuple[tuple[int, ...], str]]:
  """path ("params/generator/Dense_0/kernel") -> (shape, dtype) of every array leaf of `tree`."""
  leaves, _ = jax.tree_util.tree_flatten_with_path(tree)
  return {"/".join(_key_name(k) for k in path): (tuple(leaf.shape), str(np.dtype(leaf.dtype)))
          for path, leaf in leaves if hasattr(leaf, "shape") and hasattr(leaf, "dtype")}


def _differences(saved: dict, target: dict) -> list[str]:
  """How `saved`'s arrays differ from `target`'s, in words, the most telling first."""
  only_saved = sorted(set(saved) - set(target))
  only_target = sorted(set(target) - set(saved))
  out = []
  if only_target:
    out.append(f"{len(only_target)} array(s) missing from it (e.g. {only_target[0]})")
  if only_saved:
    out.append(f"{len(only_saved)} array(s) this run does not have (e.g. {only_saved[0]})")
  for path in sorted(set(saved) & set(target), key=lambda p: (not p.startswith("params/"), p)):
    (saved_shape, saved_dtype), (shape, dtype) = saved[path], target[path]
    if saved_shape != shape:
      out.append(f"{path} has shape {saved_shape} there, {shape} here")
    elif saved_dtype != dtype:
      out.append(f"{path} has dtype {saved_dtype} there, {dtype} here")
  return out


class Checkpointer:
  """Periodic and final saves of one pytree under `directory`; restores the newest usable one.
  `read_only`: for restoring only (module docstring)."""

  def __init__(self, directory: str, keep: int, read_only: bool = False):
    self._directory = os.path.abspath(directory)
    _CHECKPOINT_DIRECTORIES.add(self._directory)
    self._read_only = read_only
    # (step, why) of each checkpoint the last `restore` found unusable, newest first.
    self.passed_over: list[tuple[int, str]] = []
    self._manager = ocp.CheckpointManager(
        self._directory,
        options=ocp.CheckpointManagerOptions(max_to_keep=None if read_only else keep,
                                             create=not read_only,
                                             cleanup_tmp_directories=not read_only,
                                             read_only=read_only),
        # One unnamed item, said up front: orbax otherwise infers the layout from the first
        # step directory it reads, and an empty one would make it misread every other step.
        item_handlers=ocp.StandardCheckpointHandler(),
    )

  def save(self, step: int, state) -> None:
    self._manager.save(step, args=ocp.args.StandardSave(state),
                       custom_metadata={_DIGEST_KEY: digest(state)})

  def restore(self, target, step: int | None = None):
    """The newest checkpoint that restores intact (or checkpoint `step`, if it does), in the
    structure and shardings of `target` (a pytree of arrays like the one saved), or None if
    there is none.

    Each unusable checkpoint on the way is logged in one line, listed in `passed_over` with the
    reason, and set aside (module docstring; not when read-only); if checkpoints existed but
    none was usable, a line says the run starts from scratch.

    Raises:
      CheckpointMismatchError: a checkpoint holds another state than `target` (module
        docstring); nothing was restored or set aside.
      CheckpointNotFoundError: there is no checkpoint `step`.
    """
    _silence_abandoned_reads()  # Reading a damaged checkpoint's metadata abandons reads too.
    steps = sorted(self._manager.all_steps())  # Complete-looking ones; usable is to be seen.
    if step is not None:
      if step not in steps:
        raise CheckpointNotFoundError(
            f"{self._directory} has no checkpoint of step {step}; it has "
            f"{', '.join(map(str, steps)) or 'none'}")
      steps = [step]
    for step in reversed(steps):  # Raises before anything is restored or set aside.
      self._check_matches(step, target)
    self.passed_over = []
    for index in reversed(range(len(steps))):
      step = steps[index]
      try:
        return self._restore_intact(step, target)
      except Exception as error:  # pylint: disable=broad-except  # Whatever the damage, skip it.
        reason = _one_line(error)
      gc.collect()  # The abandoned reads' coroutines, now rather than at some later collection.
      self.passed_over.append((step, reason))
      fallback = f"trying step {steps[index - 1]}" if index else "no checkpoint is left"
      where = "left in place" if self._read_only else f"moved it to {self._set_aside(step)}"
      logging.warning("checkpoint step %d is unusable (%s); %s; %s", step, reason, where, fallback)
    if steps:
      logging.warning("none of the %d checkpoints in %s is usable%s", len(steps),
                      self._directory, "" if self._read_only else ": starting from scratch")
    return None

  def _check_matches(self, step: int, target) -> None:
    """Raises CheckpointMismatchError if checkpoint `step`'s arrays are not `target`'s; a
    checkpoint whose metadata cannot be read passes (it is damaged, not another state)."""
    try:
      saved = _arrays(self._manager.item_metadata(step).tree)
    except Exception:  # pylint: disable=broad-except  # Damage: left to the restore's fall-back.
      return
    if not saved:
      return
    differences = _differences(saved, _arrays(target))
    if differences:
      shown = "; ".join(differences[:_SHOWN_DIFFERENCES])
      more = (f" (and {len(differences) - _SHOWN_DIFFERENCES} more)"
              if len(differences) > _SHOWN_DIFFERENCES else "")
      raise CheckpointMismatchError(
          f"checkpoint step {step} in {self._directory} does not match this run's state: "
          f"{shown}{more}; it holds another method, network size or number of seeds: use "
          "another --workdir, or move its checkpoints/ away to start this run from scratch")

  def _restore_intact(self, step: int, target):
    """Checkpoint `step`, or an exception saying why it cannot be trusted."""
    state = self._manager.restore(step, args=ocp.args.StandardRestore(target))
    expected = self._manager.metadata(step).custom_metadata.get(_DIGEST_KEY)
    if expected is None:
      raise ValueError("its metadata (_CHECKPOINT_METADATA) has no state digest")
    if digest(state) != expected:
      raise ValueError("the restored state does not match the digest taken when it was saved")
    return state

  def _set_aside(self, step: int) -> str:
    """Renames checkpoint `step` to `<step>.unusable` (process 0 does) and returns that path."""
    path = os.path.join(self._directory, str(step))
    aside = path + _UNUSABLE_SUFFIX
    if jax.process_index() == 0:
      if os.path.exists(aside):
        shutil.rmtree(aside)
      os.rename(path, aside)
    if jax.process_count() > 1:  # Every process lists the steps again once it is renamed.
      multihost_utils.sync_global_devices(f"checkpoint {step} set aside")
    self._manager.reload()
    return aside

  def close(self) -> None:
    """Waits for pending saves to finish."""
    self._manager.wait_until_finished()
    self._manager.close()
