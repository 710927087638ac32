"""Where a run's numbers go: `metrics.jsonl` (one JSON object per logged step) and
TensorBoard event files, both in the workdir, written by process 0 of the run alone."""

import json
import math
import os
from collections.abc import Iterable

import numpy as np
import tensorboardX
from absl import logging

from aegan import distributed


def finite_or_none(value: float) -> float | None:
  return value if math.isfinite(value) else None


def _whole_rows(lines: Iterable[str]) -> list[dict]:
  """The rows of metrics.jsonl that parse; a run killed mid-write leaves its last line cut
  short, and that fragment is dropped with a warning."""
  rows = []
  for line in lines:
    try:
      rows.append(json.loads(line))
    except json.JSONDecodeError:
      if line.strip():
        logging.warning("metrics.jsonl: dropped a partial row (the run was killed while "
                        "writing it): %r", line.strip()[:80])
  return rows


class MetricWriter:
  """Appends `{"step": N, name: value, ...}` rows to metrics.jsonl and scalars to TensorBoard.

  On resume from `resume_step`, rows logged after that step by the interrupted run (which the
  resumed run will log again) are dropped, so each step appears once. Non-finite values are
  written as JSON null. In a multi-process run the other processes' writers write nothing
  (every process logs the same, replicated values).
  """

  def __init__(self, workdir: str, resume_step: int = 0):
    self._active = distributed.is_writer()
    if not self._active:
      return
    self._path = os.path.join(workdir, "metrics.jsonl")
    if os.path.exists(self._path):
      with open(self._path) as f:
        rows = [row for row in _whole_rows(f) if row["step"] <= resume_step]
      with open(self._path + ".tmp", "w") as f:  # Replaced whole: a kill here loses no rows.
        f.writelines(json.dumps(row) + "\n" for row in rows)
      os.replace(self._path + ".tmp", self._path)
    self._tensorboard = tensorboardX.SummaryWriter(workdir)

  def write(self, step: int, metrics: dict[str, float]) -> None:
    if not self._active:
      return
    row = {"step": step, **{k: finite_or_none(float(v)) for k, v in metrics.items()}}
    with open(self._path, "a") as f:
      f.write(json.dumps(row) + "\n")
    for name, value in metrics.items():
      self._tensorboard.add_scalar(name, float(value), step)
    self._tensorboard.flush()

  def write_image(self, step: int, name: str, image: np.ndarray) -> None:
    """An [H, W, 3] uint8 image to TensorBoard under `name`."""
    if not self._active:
      return
    self._tensorboard.add_image(name, image, step, dataformats="HWC")
    self._tensorboard.flush()

  def close(self) -> None:
    if self._active:
      self._tensorboard.close()
