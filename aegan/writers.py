"""Where a run's numbers go: `metrics.jsonl` (one JSON object per logged step) and
TensorBoard event files, both in the workdir, written by process 0 of the run alone; and
whole files written atomically (config.json, results.json, samples)."""

import json
import math
import os
from collections.abc import Callable, Iterable
from typing import IO, Any

import numpy as np
import tensorboardX
from absl import logging

from aegan import distributed


def replace_atomically(path: str, write: Callable[[IO[Any]], None], mode: str = "w") -> None:
  """Writes `path` by `write(file)` into a temporary file beside it, renamed over `path` once
  complete: a run killed mid-write leaves the previous file whole (or none), never half of one."""
  temporary = f"{path}.tmp-{os.getpid()}"
  try:
    with open(temporary, mode) as f:
      write(f)
    os.replace(temporary, path)
  finally:
    if os.path.exists(temporary):
      os.remove(temporary)


def write_json(path: str, value: Any) -> None:
  """`value` as indented JSON at `path`, atomically (`replace_atomically`)."""
  replace_atomically(path, lambda f: json.dump(value, f, indent=2))


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
  resumed run will log again) are dropped, so each step appears once, in metrics.jsonl and in
  TensorBoard (which hides them, told by a purge marker). Non-finite values are
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
      # Replaced whole: a kill here loses no rows.
      replace_atomically(self._path, lambda f: f.writelines(json.dumps(row) + "\n" for row in rows))
    # A resumed run's event file opens with a purge marker at the step after resume_step:
    # TensorBoard hides the interrupted run's events from there on, which the resumed run
    # logs again (otherwise each would show twice).
    self._tensorboard = tensorboardX.SummaryWriter(
        workdir, purge_step=resume_step + 1 if resume_step else None)

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


def metrics_markdown(results: dict) -> list[str]:
  """The lines of results.json's measures as markdown: the feature network they used, if any,
  then a table of every `eval/` metric (summary.md of `--mode=eval` and of launch/score.py)."""
  lines = []
  network = results.get("feature_network")
  if network:
    lines += [f"Feature metrics: {network['network']}; resize: {network['resize']}; "
              f"{network['samples']} samples against {network['reference']}.", ""]
  lines += ["| metric | value |", "|---|---|"]
  lines += [f"| {name} | {value:.6g} |" if isinstance(value, float) else f"| {name} | {value} |"
            for name, value in results.items() if name.startswith("eval/")]
  return lines
