"""Where a run's numbers go: `metrics.jsonl` (one JSON object per logged step) and
TensorBoard event files, both in the workdir."""

import json
import math
import os

import numpy as np
import tensorboardX


def finite_or_none(value: float) -> float | None:
  return value if math.isfinite(value) else None


class MetricWriter:
  """Appends `{"step": N, name: value, ...}` rows to metrics.jsonl and scalars to TensorBoard.

  On resume from `resume_step`, rows logged after that step by the interrupted run (which the
  resumed run will log again) are dropped, so each step appears once. Non-finite values are
  written as JSON null.
  """

  def __init__(self, workdir: str, resume_step: int = 0):
    self._path = os.path.join(workdir, "metrics.jsonl")
    if os.path.exists(self._path):
      with open(self._path) as f:
        rows = [line for line in f if line.strip() and json.loads(line)["step"] <= resume_step]
      with open(self._path, "w") as f:
        f.writelines(rows)
    self._tensorboard = tensorboardX.SummaryWriter(workdir)

  def write(self, step: int, metrics: dict[str, float]) -> None:
    row = {"step": step, **{k: finite_or_none(float(v)) for k, v in metrics.items()}}
    with open(self._path, "a") as f:
      f.write(json.dumps(row) + "\n")
    for name, value in metrics.items():
      self._tensorboard.add_scalar(name, float(value), step)
    self._tensorboard.flush()

  def write_image(self, step: int, name: str, image: np.ndarray) -> None:
    """An [H, W, 3] uint8 image to TensorBoard under `name`."""
    self._tensorboard.add_image(name, image, step, dataformats="HWC")
    self._tensorboard.flush()

  def close(self) -> None:
    self._tensorboard.close()
