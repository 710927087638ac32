"""Evaluating every seed of a train state that holds several runs (`train.num_seeds`)."""

import numpy as np
from absl import logging

from aegan.evaluation.evaluator import Evaluator, seed_metric_name, summarise_seeds
from aegan.experiment import TrainState, seed_slice
from aegan.writers import MetricWriter


def evaluate_seeds(evaluator: Evaluator, writer: MetricWriter, num_seeds: int, step: int,
                   state: TrainState) -> tuple[dict[str, float], np.ndarray]:
  """Evaluates every seed of `state`: with several, each seed's metrics as
  `eval/seed<i>/<metric>`, their mean as `eval/<metric>`, sample standard deviation (ddof 1) as
  `eval/<metric>_std` and, for a metric some seed leaves undefined (NaN), over how many seeds
  those were taken as `eval/<metric>_seeds` (evaluator.summarise_seeds); the samples are
  stacked, [num_seeds, ...]."""
  if num_seeds == 1:
    return evaluator(step, state.params, state.batch_stats, writer)
  per_seed = [evaluator(step, seed_slice(state.params, i), seed_slice(state.batch_stats, i),
                        writer, seed=i) for i in range(num_seeds)]
  summary = summarise_seeds([metrics for metrics, _ in per_seed])
  writer.write(step, summary)
  logging.info("step %d | mean over %d seeds | %s", step, num_seeds,
               " ".join(f"{k} {v:.4g}" for k, v in summary.items()))
  results = {**summary, **{seed_metric_name(k, i): v
                           for i, (metrics, _) in enumerate(per_seed) for k, v in metrics.items()}}
  return results, np.stack([samples for _, samples in per_seed])
