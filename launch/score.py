"""Scores samples made anywhere (another framework's GAN, a run of this one) with the
evaluator's protocol for their data set, without training or a checkpoint.

  python launch/score.py --data=ring --samples=samples.npz              # -> scores/ring_samples/
  python launch/score.py --data=stacked_digits --samples=samples.npz \\
      --classifier_workdir=runs/classifier_digits
  python launch/score.py --data=cifar10 --samples=samples.npz \\
      --inception_weights=pt_inception-2015-12-05-6726825d.pth
  python launch/score.py --run=runs/veegan_ring --samples=runs/veegan_ring/samples/final.npz

The .npz holds an array `x`: float vectors [N, D] for a Gaussian mixture (ring and grid: D = 2),
uint8 pixels [N, H, W, C] for an image set; or one such set per seed, [seeds, N, ...], as a
several-seed run's samples/final.npz holds them: each seed is scored as the evaluator scores it,
then their mean (`eval/<metric>`), sample standard deviation (`eval/<metric>_std`, ddof 1) and
each (`eval/seed<i>/<metric>`). The first `--num_samples` of each set are scored: by default the
protocol's count, `eval.num_samples` of the data set's config (PROTOCOLS) or of `--run`'s.
A mixture's vectors are in its data config's own coordinates (the paper's, for the protocols),
though training standardises them (docs/data.md): a run's final.npz holds them so.

The measures are the evaluator's that need only samples (aegan/evaluation/scoring.py, the same
code): mode counts, % high quality and mode KL on mixtures; MS-SSIM of the samples next to
held-out real data's; with `--classifier_workdir` (a classifier run of this codebase) the
stacked sets' mode counts and that classifier's FID, KID, IS and precision/recall; with
`--inception_weights` (pytorch-fid's FID Inception file) those with the Inception. MS-SSIM
pairs and held-out images are drawn as a run of `--seed` (default: the protocol's, 0) draws
them, and a run's own samples with `--run` score bitwise as its evaluation did. The
independent critic, IvOM and reconstruction errors need the generator itself and are not
computed (results.json lists them under `not_computed`).

A stacked set's samples scored without `--classifier_workdir` get their MS-SSIM (and, with
`--inception_weights`, the Inception's measures) but no mode counts: a warning line on stderr
says which classifier run to train for them, and results.json lists them under `not_computed`
(scored rather than refused: the diversity measures stand on their own, as the evaluator's
during training, which counts no modes without a classifier either).

Writes results.json (the metrics, what they were computed with) and summary.md (a table) to
`--workdir` (default: scores/<data set>_<samples file's stem>, or scores/<run's name>_<stem> with `--run`),
and prints summary.md. A workdir that holds the scores of other samples is refused (one line,
exit status 2), not overwritten; the same samples scored again replace their scores. A bad input (a
missing file or array, samples of the wrong shape or dtype for the data set, NaN or infinite or
out-of-range values, too few samples for the protocol, an unknown data set, a classifier run
that is none or whose checkpoint does not restore, a weights file that is not what it claims,
a workdir holding other samples' scores)
is one line on stderr and exit status 2, before anything is computed or written.
"""

import argparse
import importlib
import json
import os
import sys
import time
import zipfile
from collections.abc import Callable

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # The protocols' config files import `configs.common`.

import jax  # pylint: disable=wrong-import-position
import jax.numpy as jnp  # pylint: disable=wrong-import-position
import ml_collections  # pylint: disable=wrong-import-position
import numpy as np  # pylint: disable=wrong-import-position
from absl import flags, logging  # pylint: disable=wrong-import-position
from jax.experimental import multihost_utils  # pylint: disable=wrong-import-position

from aegan import run_log  # pylint: disable=wrong-import-position
from aegan.checkpoint import CheckpointMismatchError, CheckpointNotFoundError  # pylint: disable=wrong-import-position
from aegan.configuration import ConfigError  # pylint: disable=wrong-import-position
from aegan.data import Dataset, DatasetFormatError, DatasetNotFoundError, make_dataset  # pylint: disable=wrong-import-position
from aegan.data.images import quantise  # pylint: disable=wrong-import-position
from aegan.evaluation import sample_quality  # pylint: disable=wrong-import-position
from aegan.evaluation.evaluator import (held_out_count, map_draws, seed_metric_name,  # pylint: disable=wrong-import-position
                                       stacked_classifier, summarise_seeds)
from aegan.evaluation.scoring import GENERATOR_MEASURES, SampleScorer, check_samples  # pylint: disable=wrong-import-position
from aegan.evaluation.torch_files import WeightsFileError  # pylint: disable=wrong-import-position
from aegan.methods import Method  # pylint: disable=wrong-import-position
from aegan.parallel import data_mesh, replicate  # pylint: disable=wrong-import-position
from aegan.writers import finite_or_none, metrics_markdown, replace_atomically, write_json  # pylint: disable=wrong-import-position

# Data set -> the shipped config whose `eval` section is its protocol.
PROTOCOLS = {"ring": "veegan_ring", "grid": "veegan_grid", "mixture_1200d": "veegan_1200d",
             "stacked_digits": "veegan_stacked_digits", "stacked_mnist": "veegan_stacked_mnist",
             "cifar10": "veegan_cifar", "color_mnist": "alpha_gan_color_mnist",
             "celeb_a": "alpha_gan_celeba", "stacked_mnist5k": "veegan_images:stacked_mnist5k",
             "color_mnist5k": "alpha_gan_images:color_mnist5k"}

# What the channel classifier gives on a stacked set (aegan/evaluation/classifier.py).
MODE_COUNTS = ("eval/modes, eval/mode_kl, eval/confident_modes, eval/confident_mode_kl, "
               "eval/confident_fraction and the quality gate's eval/gate_*")

# A method that draws no noise and has no networks: its evaluation draws are the held-out data.
_NO_METHOD = Method(networks={}, example_inputs={}, phases=(), sample_noise=lambda key: {},
                    generate=None)


class _Parser(argparse.ArgumentParser):
  """argparse with its errors as one line and exit status 2."""

  def error(self, message: str) -> None:
    raise ConfigError(message)


def _parser() -> argparse.ArgumentParser:
  parser = _Parser(prog="launch/score.py", description=__doc__.split("\n\n")[0],
                   allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("--samples", required=True, help=".npz file with the array `x`")
  parser.add_argument("--data", help=f"data set: {', '.join(PROTOCOLS)}")
  parser.add_argument("--run", help="a run's workdir: its config.json's data and eval protocol")
  parser.add_argument("--workdir", help="output directory (default: scores/<data>_<samples stem>, or scores/<run name>_<stem>)")
  parser.add_argument("--classifier_workdir",
                      help="a classifier run: stacked mode counting and its feature metrics")
  parser.add_argument("--inception_weights", help="pytorch-fid's FID Inception weights file")
  parser.add_argument("--num_samples", type=int, help="samples scored per set "
                      "(default: the protocol's eval.num_samples)")
  parser.add_argument("--seed", type=int, help="the draws' seed (default: the protocol's)")
  return parser


def protocol_config(args: argparse.Namespace) -> tuple[ml_collections.ConfigDict, str]:
  """The config whose `data`, `seed` and `eval` sections say how to score (`--run`'s, or the
  data set's in PROTOCOLS), and where it came from."""
  if args.run:
    path = os.path.join(args.run, "config.json")
    if not os.path.isfile(path):
      raise ConfigError(f"--run={args.run} holds no run (no config.json)")
    try:
      with open(path) as f:
        config = ml_collections.ConfigDict(json.load(f))
    except (OSError, ValueError) as error:
      raise ConfigError(f"cannot read {path}: {error}") from None
    if config.method == "classifier":
      raise ConfigError(f"--run={args.run} is a classifier run: it makes no samples")
    if args.data and args.data != config.data.name:
      raise ConfigError(f"--data={args.data}, but --run={args.run} is a run on {config.data.name}")
    return config, f"the config of run {args.run}"
  if not args.data:
    raise ConfigError("name the data set with --data (or a run with --run)")
  if args.data not in PROTOCOLS:
    raise ConfigError(f"--data={args.data}: unknown; choose one of {', '.join(PROTOCOLS)}")
  module, _, data = PROTOCOLS[args.data].partition(":")  # "veegan_images:X": get_config("X").
  config = importlib.import_module(f"configs.{module}").get_config(*[data] if data else [])
  # Plain fields: the flags below set the classifier and features sections one by one.
  source = f"configs/{module}.py" + (f":{data}" if data else "")
  return ml_collections.ConfigDict(config.to_dict()), source


def apply_flags(config: ml_collections.ConfigDict, args: argparse.Namespace,
                is_image: bool) -> None:
  """Sets the classifier, feature network, seed and sample count the flags name."""
  name, features = config.data.name, config.eval.get("features")
  if (args.classifier_workdir or args.inception_weights) and not (is_image and features):
    flag = "classifier_workdir" if args.classifier_workdir else "inception_weights"
    raise ConfigError(f"--{flag}: {name} samples are scored without a feature network")
  if args.classifier_workdir:
    if config.eval.get("classifier"):  # Stacked sets: mode counting.
      config.eval.classifier.workdir = args.classifier_workdir
    if features.network == "classifier" or not args.inception_weights:
      features.update(network="classifier", workdir=args.classifier_workdir)
  if args.inception_weights:
    features.update(network="inception", weights=args.inception_weights)
  if args.seed is not None:
    config.seed = args.seed
  if args.num_samples is not None:
    if args.num_samples < 1:
      raise ConfigError(f"--num_samples must be positive, got {args.num_samples}")
    config.eval.num_samples = args.num_samples
    if features:
      features.num_samples = min(features.num_samples, args.num_samples)


def check_protocol(config: ml_collections.ConfigDict, is_image: bool) -> None:
  """Raises ConfigError if `eval.num_samples` samples are too few for a measure that runs."""
  num = config.eval.num_samples
  if is_image and config.eval.get("ms_ssim_pairs", 0) and num < 2:
    raise ConfigError(f"--num_samples={num}: MS-SSIM pairs need at least 2 samples")
  features = config.eval.get("features")
  if is_image and sample_quality.is_configured(features):
    needed = max(features.is_splits, features.k + 1, 2)
    if features.num_samples < needed:
      raise ConfigError(f"{features.num_samples} samples for the feature metrics: the Inception "
                        f"score's {features.is_splits} splits and precision/recall's "
                        f"k = {features.k} need at least {needed}")


def read_samples(path: str) -> np.ndarray:
  """The array `x` of the .npz at `path` (ConfigError if there is none)."""
  if not os.path.isfile(path):
    raise ConfigError(f"--samples={path}: no such file")
  try:
    loaded = np.load(path, allow_pickle=False)
  except (OSError, ValueError) as error:
    raise ConfigError(f"cannot read --samples={path} as .npz: {error}") from None
  if not isinstance(loaded, np.lib.npyio.NpzFile):
    raise ConfigError(f"--samples={path} is a .npy array, not an .npz holding `x`: "
                      "np.savez(path, x=samples)")
  with loaded as archive:
    if "x" not in archive.files:
      raise ConfigError(f"--samples={path} has no array `x` (it holds "
                        f"{', '.join(archive.files) or 'nothing'}): np.savez(path, x=samples)")
    try:
      return archive["x"]
    except (OSError, ValueError, zipfile.BadZipFile) as error:
      raise ConfigError(f"cannot read the array `x` of --samples={path}: {error}") from None


def held_out_draws(dataset: Dataset, mesh: jax.sharding.Mesh, arrays: dict[str, np.ndarray],
                   num: int, batch_size: int) -> Callable[[int], np.ndarray]:
  """run seed -> uint8 [n, H, W, C]: the distinct held-out images (n = min(num, the split's
  examples in `arrays`)) that an evaluation of `num` samples of the run of that seed draws next
  to them (evaluator.map_draws, with no method)."""
  count = held_out_count(dataset, arrays, num)
  drawn = -(-num // mesh.size) * mesh.size
  draw = map_draws(_NO_METHOD, dataset, mesh, drawn, batch_size, lambda nets, batch: batch["x"],
                   "eval/draws", distinct=True)
  arrays = replicate(arrays, mesh)
  return lambda run_seed: quantise(multihost_utils.process_allgather(
      draw({}, {}, arrays, jnp.int32(run_seed)), tiled=True)[:count])


def all_seeds(per_seed: list[dict[str, float]]) -> dict[str, float]:
  """One seed's metrics as they are; several seeds' as aegan/evaluation/seeds.py's
  `evaluate_seeds` writes them: their summary (evaluator.summarise_seeds: mean, sample std
  with ddof 1, and how many seeds define a metric some leave undefined) and each seed's."""
  if len(per_seed) == 1:
    return per_seed[0]
  each = {seed_metric_name(name, seed): value
          for seed, metrics in enumerate(per_seed) for name, value in metrics.items()}
  return {**summarise_seeds(per_seed), **each}


def mode_counting_off(config: ml_collections.ConfigDict) -> str | None:
  """For a stacked set's protocol without its digit classifier run, the warning that its mode
  counts are not computed and how to get them; None otherwise."""
  section = config.eval.get("classifier")
  if section is None or section.get("workdir"):
    return None
  classifier = stacked_classifier(config.data.name)
  return (f"{config.data.name}'s mode counts ({MODE_COUNTS}) need its digit classifier: train it "
          f"with `python launch/main.py --config=configs/{classifier}.py`, then add "
          f"--classifier_workdir=runs/{classifier}; scoring without them")


def check_workdir(workdir: str, samples: str) -> None:
  """Raises ConfigError if `workdir` is a file or holds the scores of other samples than
  `samples` (the same samples' are replaced)."""
  if os.path.exists(workdir) and not os.path.isdir(workdir):
    raise ConfigError(f"--workdir={workdir} is a file")
  try:
    with open(os.path.join(workdir, "results.json")) as f:
      scored = json.load(f).get("samples")
  except (OSError, ValueError, AttributeError):
    return
  if scored and scored != os.path.abspath(samples):
    raise ConfigError(f"{workdir} holds the scores of {scored}: name another --workdir for "
                      f"{samples} (or remove {workdir})")


def summary_text(results: dict) -> str:
  """results.json as markdown: what was scored and how, a table of the metrics, and what
  samples cannot give."""
  lines = [f"# Scores of {results['samples']} ({results['data']})", "",
           f"{results['num_samples']} samples per set, {results['num_seeds']} set(s), with the "
           f"protocol of {results['protocol']}; scored in {results['seconds']:.1f} s on "
           f"{results['devices']} device(s).", ""]
  lines += metrics_markdown(results)
  lines += ["", "Not computed:"]
  lines += [f"- {name}: {why}" for name, why in results["not_computed"].items()]
  return "\n".join(lines) + "\n"


def score(args: argparse.Namespace) -> dict:
  """Scores `args.samples` (module docstring) and returns results.json's contents."""
  start = time.perf_counter()
  config, source = protocol_config(args)
  # A run's reference features are cached in its workdir (unless its config names a cache).
  features_home = args.run if args.run and sample_quality.is_configured(
      config.eval.get("features")) else None
  dataset = make_dataset(config.data)
  is_image = len(dataset.example_shape) == 3
  apply_flags(config, args, is_image)
  check_protocol(config, is_image)
  samples = check_samples(read_samples(args.samples), dataset.example_shape,
                          config.eval.num_samples, config.data.name)
  stem = os.path.splitext(os.path.basename(args.samples))[0]
  scored_as = os.path.basename(os.path.normpath(args.run)) if args.run else args.data
  workdir = args.workdir or os.path.join("scores", f"{scored_as}_{stem}")
  check_workdir(workdir, args.samples)
  not_computed = dict(GENERATOR_MEASURES)
  warning = mode_counting_off(config)
  if warning:
    print(f"warning: {warning}", file=sys.stderr, flush=True)
    not_computed[MODE_COUNTS] = "need the digit classifier: --classifier_workdir"
  needs_real = is_image and config.eval.get("ms_ssim_pairs", 0)
  test_arrays = dataset.arrays("test") if needs_real else None  # Fails here if it is missing.
  mesh = data_mesh()
  scorer = SampleScorer(config, dataset, mesh, features_home or workdir)
  if needs_real:
    real_of = held_out_draws(dataset, mesh, test_arrays, samples.shape[1],
                             config.eval.get("batch_size", 500))
  per_seed = []
  for index, seed_samples in enumerate(samples):
    run_seed = config.seed + index  # As the evaluation of seed `index` of a several-seed run.
    per_seed.append(scorer(seed_samples, real_of(run_seed) if needs_real else None, run_seed))
  results = {"samples": os.path.abspath(args.samples), "data": config.data.name,
             "protocol": source, "num_samples": samples.shape[1], "num_seeds": len(samples),
             "seed": config.seed,
             **{k: finite_or_none(v) for k, v in all_seeds(per_seed).items()},
             **scorer.description, "not_computed": not_computed,
             "seconds": time.perf_counter() - start, "devices": mesh.size}
  os.makedirs(workdir, exist_ok=True)
  write_json(os.path.join(workdir, "results.json"), results)
  text = summary_text(results)
  replace_atomically(os.path.join(workdir, "summary.md"), lambda f: f.write(text))
  print(text, end="", flush=True)
  logging.info("results: %s", os.path.join(workdir, "results.json"))
  return results


def main(argv: list[str]) -> int:
  """Runs `score` on the command line `argv` (without the program name); a bad input is one
  `error:` line on stderr and the return value 2."""
  try:
    score(_parser().parse_args(argv))
  except (ConfigError, DatasetNotFoundError, DatasetFormatError, WeightsFileError,
          CheckpointMismatchError, CheckpointNotFoundError) as error:  # The classifier run's.
    print(f"error: {error}", file=sys.stderr)
    return 2
  return 0


if __name__ == "__main__":
  flags.FLAGS.mark_as_parsed()  # absl's log without its flags (argparse has them): no warning.
  run_log.own_lines_only()  # Without Orbax's narration of a classifier run's restore.
  logging.set_verbosity(logging.INFO)
  sys.exit(main(sys.argv[1:]))
