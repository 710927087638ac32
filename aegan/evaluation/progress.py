"""Progress lines for long evaluations: how far a measure is, its rate and time left, at most
every `every_s` seconds, and its total time when it ends (the log says which measure is slow)."""

import time
from typing import Any

import jax
from absl import logging


class Progress:
  """`update(done)` logs `<what>: done/total <unit> (p%), s elapsed, ETA s` when `every_s` has
  passed since the last line; `finish()` logs the total time and returns it, in seconds."""

  def __init__(self, what: str, total: int, unit: str = "", every_s: float = 10.0):
    self._what, self._total, self._unit, self._every_s = what, total, unit, every_s
    self._start = self._last = time.perf_counter()

  def update(self, done: int, pending: Any = None) -> None:
    """`done` of the total are dispatched; `pending` (arrays still being computed, if any)
    is waited for before a line is logged, so that the line counts computed work."""
    now = time.perf_counter()
    if now - self._last < self._every_s or done >= self._total:
      return
    if pending is not None:
      jax.block_until_ready(pending)
      now = time.perf_counter()
    self._last = now
    elapsed = now - self._start
    remaining = elapsed * (self._total - done) / max(done, 1)
    logging.info("%s: %d/%d%s (%.0f%%), %.0f s, ETA %.0f s", self._what, done, self._total,
                 f" {self._unit}" if self._unit else "", 100 * done / self._total, elapsed,
                 remaining)

  def finish(self) -> float:
    seconds = time.perf_counter() - self._start
    logging.info("%s took %.1f s", self._what, seconds)
    return seconds
