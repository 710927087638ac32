"""VEEGAN, α-GAN and DCGAN on stacked_digits for the same wall time: modes covered among
generated samples, reconstruction error where there is an encoder, the independent critic's
distance, IvOM, MS-SSIM, FID/KID/IS/precision/recall with the digit classifier's features,
iterations/s; mean ± std over seeds.

  python benchmarks/stacked_digits.py                           # 300 s of training per method
  python benchmarks/stacked_digits.py --budget_s=60 --seeds=3 --workdir=/tmp/digits
  python benchmarks/stacked_digits.py --budget_s=1 --classifier_steps=20 --set=eval.num_samples=1000 \
      --set=eval.features.num_samples=1000 --set=eval.features.num_real=1000  # a quick look

Mode counting (VEEGAN's Stacked-MNIST protocol on the offline stand-in): the digit classifier
of configs/classifier_digits.py, trained first by `train_and_evaluate` into
`<workdir>/classifier_digits` (skipped when already there), labels each channel of the final
evaluation's 26,000 samples (`eval.classifier.workdir`, aegan/evaluation/classifier.py):
modes are the distinct digit triples, KL is KL(p_gen ‖ uniform over 1,000), over every sample
and over the samples whose three channels it labels with probability ≥ `confidence` (their
share is "confident"). The same classifier's last hidden layer (128 units per channel, 384
for a stack) is the feature network of FID, KID and precision/recall on the first 10,000
samples against 10,000 training stacks, and its joint probabilities over the 1,000 triples
give the Inception score (the real stacks' is in the log); the reference features are
computed once, in `<workdir>/reference_features`. Each method first runs a few timed calls to
measure its iterations/s, then trains `budget_s` x that rate iterations for each seed, the
same as `launch/main.py`. The persistent compilation cache (aegan/compilation_cache.py,
`--compilation_cache`) makes the training run read the step the measurement compiled instead of
compiling it a second time.
"""

import importlib
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position
import numpy as np  # pylint: disable=wrong-import-position
from absl import app, flags, logging  # pylint: disable=wrong-import-position

from aegan import compilation_cache, train  # pylint: disable=wrong-import-position
from aegan.parallel import data_mesh, replicate  # pylint: disable=wrong-import-position
from benchmarks.mixture_cells import apply_overrides  # pylint: disable=wrong-import-position

_CONFIGS = flags.DEFINE_list("configs", ["veegan_stacked_digits", "alpha_gan_stacked_digits",
                                         "dcgan_stacked_digits"], "Config modules under configs/.")
_BUDGET = flags.DEFINE_float("budget_s", 300.0, "Training wall time per method, seconds.")
_SEED = flags.DEFINE_integer("seed", 0, "First seed (also the classifier's).")
_SEEDS = flags.DEFINE_integer("seeds", 1, "Seeds per method, run one after another.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/stacked_digits", "Where the runs go.")
_CONFIDENCE = flags.DEFINE_float("confidence", 0.9, "Classifier probability a channel needs to count.")
_CLASSIFIER_STEPS = flags.DEFINE_integer("classifier_steps", None, "The digit classifier's "
                                         "iterations (default: its config's).", lower_bound=1)
_SET = flags.DEFINE_multi_string("set", [], "path=value: a config field for every method "
                                 "(e.g. eval.num_samples=1000 for a quick look).")


def iterations_per_second(config, calls: int = 5) -> float:
  mesh = data_mesh()
  method, dataset, optimizers = train.build(config)
  state = replicate(train.init_state(method, optimizers, config.seed), mesh)
  arrays = replicate(dataset.arrays("train"), mesh)
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                             config.train.steps_per_call)
  state, metrics = update(state, arrays)  # compile
  jax.block_until_ready(metrics)
  start = time.perf_counter()
  for _ in range(calls):
    state, metrics = update(state, arrays)
  jax.block_until_ready(metrics)
  return calls * config.train.steps_per_call / (time.perf_counter() - start)


def train_classifier() -> str:
  """The digit classifier's run (configs/classifier_digits.py) in the workdir: its path."""
  from configs import classifier_digits  # pylint: disable=import-outside-toplevel
  config = classifier_digits.get_config()
  config.seed = _SEED.value
  if _CLASSIFIER_STEPS.value:
    config.train.steps = config.eval.every = config.checkpoint.every = _CLASSIFIER_STEPS.value
  workdir = os.path.join(_WORKDIR.value, "classifier_digits")
  results = train.train_and_evaluate(config, workdir)
  print(f"digit classifier: {100 * results['eval/accuracy']:.1f}% test accuracy", flush=True)
  return workdir


COLUMNS = (("modes /1000", "eval/modes", 1, "{:.0f}"), ("KL", "eval/mode_kl", 1, "{:.2f}"),
           ("confident", "eval/confident_fraction", 100, "{:.1f}%"),
           ("modes (confident)", "eval/confident_modes", 1, "{:.0f}"),
           ("KL (confident)", "eval/confident_mode_kl", 1, "{:.2f}"),
           ("recon L1", "eval/recon_l1", 1, "{:.3f}"), ("MS-SSIM", "eval/ms_ssim", 1, "{:.3f}"),
           ("critic", "eval/critic_distance", 1, "{:.2f}"), ("IvOM", "eval/ivom", 1, "{:.4f}"),
           ("FID", "eval/fid", 1, "{:.0f}"), ("KID", "eval/kid", 1, "{:.0f}"),
           ("IS /1000", "eval/inception_score", 1, "{:.0f}"),
           ("precision", "eval/precision", 1, "{:.2f}"), ("recall", "eval/recall", 1, "{:.2f}"))


def cell(runs: list[dict], name: str, scale: float, form: str) -> str:
  """mean ± std (ddof 0) over the seeds' results, or "-" where the method has no such metric."""
  if name not in runs[0]:
    return "-"
  values = scale * np.array([results[name] for results in runs])
  return form.format(values.mean()) + (f" ± {form.format(values.std())}" if len(runs) > 1 else "")


def main(_):
  logging.set_verbosity(logging.WARNING)
  compilation_cache.enable_from_flag()
  classifier = train_classifier()
  print(f"{jax.device_count()} device(s); training budget {_BUDGET.value:.0f} s per method and seed")
  rows = ["| config | it/s | iterations | wall s | " + " | ".join(c[0] for c in COLUMNS) + " |",
          "|---|---|---|---|" + "---|" * len(COLUMNS)]
  for name in _CONFIGS.value:
    config = importlib.import_module(f"configs.{name}").get_config()
    config.eval.classifier.workdir = classifier  # Also the features' (one shared field).
    config.eval.classifier.confidence = _CONFIDENCE.value
    config.eval.features.cache_dir = os.path.join(_WORKDIR.value, "reference_features")
    apply_overrides(config, _SET.value)
    rate = iterations_per_second(config)
    per_call = config.train.steps_per_call
    steps = max(1, round(_BUDGET.value * rate / per_call)) * per_call
    config.train.update(steps=steps, log_every=per_call * max(1, steps // per_call // 10))
    config.eval.every = config.checkpoint.every = steps
    runs, start = [], time.perf_counter()
    for seed in range(_SEED.value, _SEED.value + _SEEDS.value):
      config.seed = seed
      runs.append(train.train_and_evaluate(config, os.path.join(_WORKDIR.value, f"{name}_seed{seed}_{steps}")))
    wall = (time.perf_counter() - start) / len(runs)
    rows.append(f"| {name} | {rate:.1f} | {steps} | {wall:.0f} | "
                + " | ".join(cell(runs, *column[1:]) for column in COLUMNS) + " |")
    print(rows[-1], flush=True)
  print("\n".join(rows))


if __name__ == "__main__":
  app.run(main)
