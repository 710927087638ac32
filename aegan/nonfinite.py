"""The non-finite guard: every update is checked inside the step, a bad one is never applied.

In each phase of each iteration the train step (aegan/train.py) checks, on device, the phase's
loss (the global batch's), each of its metrics (averaged over devices) and the global norm of
its gradient. If any is NaN or ±Inf the phase's update is not applied (parameters, optimizer
states and BatchNorm averages keep their values) and the state records the first such event:
`TrainState.nonfinite` = (iteration, phase index, term index), -1 while none happened. Then,
by `config.train.nonfinite`:
- "stop" (default): no later update of the run is applied either, so the state stays the last
  good one. The host reads the record when it already waits for the device (when it logs, and
  before it checkpoints), so the guard adds no host synchronisation; it raises
  `NonFiniteError` naming the iteration, phase and term without saving, so the newest
  checkpoint is the last good one. launch/main.py prints the message and exits 1.
- "skip": the offending update is skipped and training goes on; `TrainState.skipped` counts
  skipped updates, logged as `train/skipped_updates`.
"""

from collections.abc import Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

MODES = ("stop", "skip")
NONE = -1  # `TrainState.nonfinite` entries while no non-finite value was met.


class NonFiniteError(RuntimeError):
  """A non-finite loss, metric or gradient norm stopped the run (message: where it happened)."""


def term_names(metric_names: Sequence[str]) -> list[str]:
  """The terms checked in a phase, in the order `check_terms` indexes them."""
  return ["loss", *sorted(metric_names), "gradient norm"]


def check_terms(loss: jax.Array, metrics: Mapping[str, jax.Array], grads) -> jax.Array:
  """bool [len(term_names(metrics))]: whether each term (loss, each metric, gradient norm) is
  finite."""
  terms = [loss, *(metrics[name] for name in sorted(metrics)), optax.global_norm(grads)]
  return jnp.stack([jnp.all(jnp.isfinite(term)) for term in terms])


def record(nonfinite: jax.Array, finite: jax.Array, iteration: jax.Array,
           phase_index: int) -> jax.Array:
  """`nonfinite` with this phase's event written in, if it is the run's first one."""
  event = jnp.stack([iteration, jnp.int32(phase_index), jnp.argmin(finite).astype(jnp.int32)])
  first = (nonfinite[0] == NONE) & ~jnp.all(finite)
  return jnp.where(first, event, nonfinite)


def keep_if(apply: jax.Array, new, old):
  """`new` where `apply`, else `old`, leaf by leaf."""
  return jax.tree.map(lambda n, o: jnp.where(apply, n, o), new, old)


def describe(nonfinite: np.ndarray, phases: Sequence[str], names: Mapping[str, list[str]]
             ) -> str | None:
  """One line naming the first event of a [3] or, for several seeds, [num_seeds, 3] record;
  None if there was none."""
  rows = np.asarray(nonfinite).reshape(-1, 3)
  events = [(int(row[0]), seed) for seed, row in enumerate(rows) if row[0] != NONE]
  if not events:
    return None
  _, seed = min(events)
  iteration, phase_index, term_index = (int(v) for v in rows[seed])
  phase = phases[phase_index]
  where = f" of seed {seed}" if len(rows) > 1 else ""
  return (f"non-finite {names[phase][term_index]} in the {phase} phase of iteration "
          f"{iteration + 1}{where}")
