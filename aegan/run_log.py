"""The launch scripts' log (launch/main.py, score.py, table.py): their own lines on stderr
through absl's handler, without their libraries' narration."""

import logging as std_logging

from absl import logging


def _not_orbax(record: std_logging.LogRecord) -> bool:
  """Orbax narrates every checkpoint save and restore at INFO and warns at every read-only
  restore (an evaluation's classifier run, `--mode=eval`), none of it news to the user."""
  return "/orbax/" not in record.pathname


def own_lines_only() -> None:
  """Logs through absl's handler (a process that app.run did not start, such as a
  launch/table.py --jobs cell, has none otherwise, and would drop INFO lines) without Orbax's
  lines or JAX's note on each accelerator it does not find. Calling it again changes nothing."""
  logging.use_absl_handler()
  logging.get_absl_handler().addFilter(_not_orbax)  # The same filter is added once.
  std_logging.getLogger("jax._src.xla_bridge").setLevel(std_logging.WARNING)
