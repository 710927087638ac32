"""Seconds for FID (and KID, IS, precision/recall) over N samples with the in-repo digit
classifier's features, on stacked_digits, on this machine.

  python benchmarks/feature_throughput.py                       # 10,000 samples
  python benchmarks/feature_throughput.py --num=10000 --repeats=3 --workdir=/tmp/features
  python benchmarks/feature_throughput.py --num=500 --repeats=1 --classifier_steps=20  # a quick look

The digit classifier of configs/classifier_digits.py is trained first into
`<workdir>/classifier_digits` (skipped when there). The "samples" are N real training stacks,
the reference N others (a fresh cache directory per run): the timings do not depend on what
the images show. Reported: the reference's features, computed once (compiling included) and
then read from the cache; per repeat, the samples' features (3 channels x N images through the
classifier, split over every device) and each metric on the features.
"""

import os
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position
from absl import app, flags, logging  # pylint: disable=wrong-import-position

from aegan import train  # pylint: disable=wrong-import-position
from aegan.data import make_dataset  # pylint: disable=wrong-import-position
from aegan.evaluation import feature_metrics, sample_quality  # pylint: disable=wrong-import-position
from aegan.parallel import data_mesh  # pylint: disable=wrong-import-position
from configs import classifier_digits, dcgan_stacked_digits  # pylint: disable=wrong-import-position

_NUM = flags.DEFINE_integer("num", 10_000, "Samples scored (and reference images).")
_REPEATS = flags.DEFINE_integer("repeats", 2, "Timed repetitions.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/feature_throughput", "Where the classifier goes.")
_CLASSIFIER_STEPS = flags.DEFINE_integer("classifier_steps", None, "The digit classifier's "
                                         "iterations (default: its config's).", lower_bound=1)


def timed(function, *args):
  start = time.perf_counter()
  result = jax.block_until_ready(function(*args))
  return result, time.perf_counter() - start


def main(_):
  logging.set_verbosity(logging.WARNING)
  classifier = os.path.join(_WORKDIR.value, "classifier_digits")
  if not os.path.isfile(os.path.join(classifier, "results.json")):
    classifier_config = classifier_digits.get_config()
    if _CLASSIFIER_STEPS.value:
      classifier_config.train.steps = _CLASSIFIER_STEPS.value
      classifier_config.eval.every = classifier_config.checkpoint.every = _CLASSIFIER_STEPS.value
    train.train_and_evaluate(classifier_config, classifier)
  config = dcgan_stacked_digits.get_config()
  num = _NUM.value
  config.eval.num_samples = max(config.eval.num_samples, num)
  config.eval.features.update(workdir=classifier, num_samples=num, num_real=num)
  dataset = make_dataset(config.data)
  samples = sample_quality.reference_images(dataset, "test", num)  # Other stacks than the reference.
  mesh = data_mesh()
  with tempfile.TemporaryDirectory() as cache:
    config.eval.features.cache_dir = cache
    metrics = sample_quality.FeatureMetrics(config, dataset, mesh, cache)
    _, first = timed(metrics.reference)
    cached = sample_quality.FeatureMetrics(config, dataset, mesh, cache)
    (real, _), from_cache = timed(cached.reference)
  print(f"{mesh.size} device(s), {num:,} samples, {metrics.network.description}")
  print(f"reference features of {num:,} training stacks: {first:.1f} s computed (compiling "
        f"included), {from_cache:.2f} s from the cache")
  section = config.eval.features
  rows = ["| repeat | features s | FID s | KID s | IS s | precision/recall s | total s |",
          "|---|---|---|---|---|---|---|"]
  for repeat in range(_REPEATS.value):
    (features, probabilities), seconds_features = timed(metrics.network, samples)
    fid, seconds_fid = timed(feature_metrics.frechet_inception_distance, real, features)
    _, seconds_kid = timed(feature_metrics.kernel_inception_distance, real, features,
                           section.kid_subsets, section.kid_subset_size)
    _, seconds_is = timed(feature_metrics.inception_score, probabilities, section.is_splits)
    _, seconds_pr = timed(feature_metrics.precision_recall, real, features, section.k)
    total = seconds_features + seconds_fid + seconds_kid + seconds_is + seconds_pr
    rows.append(f"| {repeat} | {seconds_features:.2f} | {seconds_fid:.2f} | {seconds_kid:.2f} | "
                f"{seconds_is:.2f} | {seconds_pr:.2f} | {total:.1f} |")
  print(f"FID of {num:,} test stacks against the training stacks: {fid:.1f}")
  print("\n".join(rows))


if __name__ == "__main__":
  app.run(main)
