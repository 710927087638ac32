"""Stopping a run cleanly when it is told to: SIGTERM (a preemption notice, `kill`) or SIGINT
(Ctrl-C).

While a `StopRequests` context is open, either signal only records that a stop was asked for;
the training loop checks `requested` after each call of the update, writes a checkpoint of
the step it reached and raises `Preempted`, and `launch/main.py` reports where to resume and
exits 0. A second signal while the first is being honoured gets Python's default behaviour
(SIGINT: KeyboardInterrupt; SIGTERM: termination), so an impatient user can still force it.
Signal handlers can only be installed from the main thread; elsewhere the context does nothing.
"""

import signal
import threading
import types

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Preempted(Exception):
  """The run stopped on a signal after checkpointing `step` in `workdir`."""

  def __init__(self, signal_name: str, step: int, workdir: str):
    super().__init__(f"stopped by {signal_name} at step {step}: checkpoint saved in {workdir}; "
                     "run the same command again to resume from it")
    self.step = step


class StopRequests:
  """Records SIGTERM/SIGINT instead of dying; `requested` names the first signal, or is None."""

  def __init__(self):
    self.requested: str | None = None
    self._previous = {}

  def _handle(self, signum: int, frame: types.FrameType | None) -> None:
    del frame
    self.requested = signal.Signals(signum).name
    for sig, handler in self._previous.items():  # The next signal acts as it would have.
      signal.signal(sig, handler)

  def __enter__(self) -> "StopRequests":
    if threading.current_thread() is threading.main_thread():
      self._previous = {sig: signal.signal(sig, self._handle) for sig in SIGNALS}
    return self

  def __exit__(self, *exc_info) -> None:
    for sig, handler in self._previous.items():
      signal.signal(sig, handler)
