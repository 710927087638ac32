"""Checkpoints of the train state with orbax's CheckpointManager.

Saves are asynchronous (training continues while a save is written) and atomic: orbax writes
into a temporary directory and renames it when complete, so an interrupted save never
replaces the previous checkpoint. The newest `keep` checkpoints are kept.
"""

import os

import orbax.checkpoint as ocp


class Checkpointer:
  """Periodic and final saves of one pytree under `directory`; restores the newest."""

  def __init__(self, directory: str, keep: int):
    self._manager = ocp.CheckpointManager(
        os.path.abspath(directory),
        options=ocp.CheckpointManagerOptions(max_to_keep=keep, create=True),
    )

  def latest_step(self) -> int | None:
    return self._manager.latest_step()

  def save(self, step: int, state) -> None:
    self._manager.save(step, args=ocp.args.StandardSave(state))

  def restore(self, target, step: int | None = None):
    """Restores checkpoint `step` (default: the newest) into the structure and shardings of
    `target`, a pytree of arrays like the one that was saved."""
    step = self._manager.latest_step() if step is None else step
    return self._manager.restore(step, args=ocp.args.StandardRestore(target))

  def close(self) -> None:
    """Waits for pending saves to finish."""
    self._manager.wait_until_finished()
    self._manager.close()
