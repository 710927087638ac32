"""launch/score.py: a run's own samples/final.npz scores bitwise as its final evaluation did
(ring with two vmapped seeds, grid by data name alone, stacked_digits with a classifier run:
mode counts, MS-SSIM next to held-out data, FID/KID/IS/precision-recall), and each bad input is
one error line, exit status 2, nothing compiled and nothing written."""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys

import jax
import numpy as np
import pytest

from aegan import train
from aegan.evaluation.scoring import GENERATOR_MEASURES
from configs import classifier_digits, veegan_grid, veegan_ring, veegan_stacked_digits
from tests.conftest import tiny

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCORE = os.path.join(REPO, "launch", "score.py")
_spec = importlib.util.spec_from_file_location("score", SCORE)
score = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score)



def from_samples(results: dict) -> dict:
  """The metrics of results.json that samples give: every `eval/` one but the critic's, IvOM's
  and the reconstruction errors (and their seeds', standard deviations and errors)."""
  return {name: value for name, value in results.items() if name.startswith("eval/")
          and not name.split("/")[-1].startswith(("critic_distance", "ivom", "recon_"))}


def trained(config, workdir) -> dict:
  train.train_and_evaluate(config, str(workdir))
  with open(workdir / "results.json") as f:
    return json.load(f)


def scored(capsys, *args) -> dict:
  assert score.main(list(args)) == 0, capsys.readouterr().err
  workdir = [arg.split("=", 1)[1] for arg in args if arg.startswith("--workdir=")][0]
  with open(os.path.join(workdir, "results.json")) as f:
    return json.load(f)


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
  """configs/veegan_ring.py, tiny, two vmapped seeds: final.npz is [2, 256, 2]."""
  config = tiny(veegan_ring.get_config())
  config.train.num_seeds = 2
  workdir = tmp_path_factory.mktemp("ring")
  return workdir, trained(config, workdir)


@pytest.fixture(scope="module")
def classifier_run(tmp_path_factory) -> str:
  """configs/classifier_digits.py for 20 iterations: a poor classifier, enough to label."""
  config = classifier_digits.get_config()
  config.train.update(steps=20, log_every=20)
  config.eval.update(every=20, num_samples=200)
  config.checkpoint.every = 20
  workdir = tmp_path_factory.mktemp("classifier")
  train.train_and_evaluate(config, str(workdir))
  return str(workdir)


def test_ring_seeds_score_bitwise_as_the_run_evaluated_them(ring_run, tmp_path, capsys):
  workdir, results = ring_run
  samples = workdir / "samples" / "final.npz"
  assert np.load(samples)["x"].shape == (2, 256, 2)
  out = scored(capsys, f"--run={workdir}", f"--samples={samples}", f"--workdir={tmp_path}")
  expected = from_samples(results)
  assert "eval/seed1/modes" in expected and "eval/mode_kl_std" in expected
  assert {k: out[k] for k in expected} == expected  # Bitwise: == on the floats.
  assert out["num_seeds"] == 2 and out["num_samples"] == 256
  assert out["not_computed"] == GENERATOR_MEASURES
  summary = (tmp_path / "summary.md").read_text()
  assert "| eval/modes |" in summary and "eval/ivom" in summary  # Listed as not computed.


def test_two_runs_samples_go_to_two_folders_and_others_are_not_overwritten(ring_run, tmp_path,
                                                                           capsys, monkeypatch):
  """`--run=A --samples=A/samples/final.npz`, then the same for B, once both wrote
  scores/final/: the second replaced the first's scores without a word."""
  run_a, _ = ring_run
  run_b = tmp_path / "run_b"
  shutil.copytree(run_a, run_b)
  monkeypatch.chdir(tmp_path)
  for run in (run_a, run_b):
    assert score.main([f"--run={run}", f"--samples={run / 'samples' / 'final.npz'}"]) == 0
  folders = {run: tmp_path / "scores" / f"{run.name}_final" for run in (run_a, run_b)}
  for run, folder in folders.items():
    assert json.load(open(folder / "results.json"))["samples"] == str(run / "samples" / "final.npz")
  # Other samples into A's folder: one line, exit status 2, A's scores as they were.
  kept = (folders[run_a] / "results.json").read_bytes()
  capsys.readouterr()
  assert score.main(["--data=ring", f"--samples={run_b / 'samples' / 'final.npz'}",
                     f"--workdir={folders[run_a]}", "--num_samples=256"]) == 2
  err = capsys.readouterr().err
  assert err == (f"error: {folders[run_a]} holds the scores of {run_a / 'samples' / 'final.npz'}: "
                 f"name another --workdir for {run_b / 'samples' / 'final.npz'} (or remove "
                 f"{folders[run_a]})\n")
  assert (folders[run_a] / "results.json").read_bytes() == kept
  # The same samples again replace their own scores.
  assert score.main([f"--run={run_a}", f"--samples={run_a / 'samples' / 'final.npz'}",
                     f"--workdir={folders[run_a]}"]) == 0


def test_stacked_samples_without_the_classifier_say_mode_counts_need_it(tmp_path, capsys):
  """Scored (MS-SSIM), with one warning line naming the classifier run to train, and the mode
  counts listed as not computed."""
  images = np.random.default_rng(0).integers(0, 256, (20, 16, 16, 3), dtype=np.uint8)
  np.savez(tmp_path / "s.npz", x=images)
  out = scored(capsys, "--data=stacked_digits", f"--samples={tmp_path / 's.npz'}",
               "--num_samples=20", f"--workdir={tmp_path / 'score'}")
  warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
  assert warnings == [
      "warning: stacked_digits's mode counts (eval/modes, eval/mode_kl, eval/confident_modes, "
      "eval/confident_mode_kl, eval/confident_fraction and the quality gate's eval/gate_*) need its "
      "digit classifier: train it with "
      "`python launch/main.py --config=configs/classifier_digits.py`, then add "
      "--classifier_workdir=runs/classifier_digits; scoring without them"]
  assert "eval/modes" not in out and 0 < out["eval/ms_ssim"] < 1
  assert out["not_computed"] == {**GENERATOR_MEASURES, score.MODE_COUNTS:
                                 "need the digit classifier: --classifier_workdir"}
  assert f"- {score.MODE_COUNTS}: need the digit classifier" in (tmp_path / "score" / "summary.md").read_text()


def test_grid_samples_score_by_the_data_name_alone(tmp_path, capsys):
  config = tiny(veegan_grid.get_config())
  run_dir = tmp_path / "run"
  results = trained(config, run_dir)
  out = scored(capsys, "--data=grid", f"--samples={run_dir / 'samples' / 'final.npz'}",
               "--num_samples=256", f"--workdir={tmp_path / 'score'}")
  expected = from_samples(results)
  assert set(expected) == {"eval/modes", "eval/hq_fraction", "eval/mode_kl"}
  assert {k: out[k] for k in expected} == expected
  assert out["protocol"] == "configs/veegan_grid.py"


@pytest.mark.parametrize("data, means, std", [
    ("grid", [[a, b] for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)], 0.05),
    ("ring", [[np.cos(t), np.sin(t)] for t in 2 * np.pi * np.arange(8) / 8], 0.01),
])
def test_perfect_samples_in_the_papers_coordinates_score_every_mode(data, means, std, tmp_path,
                                                                     capsys):
  """2,500 samples of the paper's own mixture, 100 or ~312 per mode (the protocols train
  standardised, but take samples in the config's units): every mode, and high quality for
  P(‖ε‖ ≤ 3) = 1 - e^-4.5 = 98.9% of 2-D Gaussian noise."""
  means = np.array(means, np.float32)
  rng = np.random.default_rng(0)
  x = np.repeat(means, -(-2500 // len(means)), axis=0)[:2500] + std * rng.standard_normal((2500, 2))
  np.savez(tmp_path / "perfect.npz", x=x.astype(np.float32))
  out = scored(capsys, f"--data={data}", f"--samples={tmp_path / 'perfect.npz'}",
               f"--workdir={tmp_path / 'score'}")
  assert out["eval/modes"] == len(means)
  assert out["eval/hq_fraction"] >= 0.98 and out["eval/mode_kl"] < 0.01


def test_stacked_digits_score_bitwise_with_a_classifier(classifier_run, tmp_path, capsys):
  config = tiny(veegan_stacked_digits.get_config(), steps=2, steps_per_call=1)
  for name in ("generator", "reconstructor", "discriminator"):
    config.model[name].width = 8
  del config.eval["critic"], config.eval["ivom"]
  config.eval.update(num_samples=256, ms_ssim_pairs=20)
  config.eval.classifier.workdir = classifier_run
  config.eval.features.update(workdir=classifier_run, num_samples=256, num_real=256,
                              kid_subset_size=128)
  run_dir = tmp_path / "run"
  results = trained(config, run_dir)
  out = scored(capsys, f"--run={run_dir}", f"--samples={run_dir / 'samples' / 'final.npz'}",
               f"--workdir={tmp_path / 'score'}")
  expected = from_samples(results)
  for name in ("modes", "confident_mode_kl", "ms_ssim", "ms_ssim_real_stderr", "fid", "kid",
               "inception_score", "precision", "recall"):
    assert f"eval/{name}" in expected
  assert {k: out[k] for k in expected} == expected
  assert out["feature_network"] == results["feature_network"]


def _npz(path, x=None, **arrays):
  np.savez(path, **({} if x is None else {"x": x}), **arrays)
  return path


def _text(path):
  path.write_text("not an archive")
  return path


def _npy(path):
  np.save(path, RING)
  return path


RING = np.random.default_rng(0).standard_normal((3000, 2)).astype(np.float32)
IMAGES = np.zeros((300, 16, 16, 3), np.uint8)


def _bad(x):
  return lambda tmp_path: [f"--samples={_npz(tmp_path / 's.npz', x)}", "--data=ring"]


def _bad_image(x, *flags):
  return lambda tmp_path: [f"--samples={_npz(tmp_path / 's.npz', x)}", "--data=stacked_digits",
                           "--num_samples=200", *flags]


CASES = [
    ("missing file", lambda tmp_path: [f"--samples={tmp_path / 'none.npz'}", "--data=ring"],
     r"error: --samples=.*none\.npz: no such file$"),
    ("not an npz", lambda tmp_path: [f"--samples={_text(tmp_path / 's.npz')}", "--data=ring"],
     r"error: cannot read --samples=.*\.npz as \.npz"),
    ("an npy", lambda tmp_path: [f"--samples={_npy(tmp_path / 's.npy')}", "--data=ring"],
     r"error: --samples=.*\.npy is a \.npy array, not an \.npz holding `x`"),
    ("no x array", lambda tmp_path: [f"--samples={_npz(tmp_path / 's.npz', samples=RING)}",
                                     "--data=ring"],
     r"error: .* has no array `x` \(it holds samples\)"),
    ("unknown data", lambda tmp_path: [f"--samples={_npz(tmp_path / 's.npz', RING)}",
                                       "--data=rings"],
     r"error: --data=rings: unknown; choose one of ring, grid, "),
    ("no data", lambda tmp_path: [f"--samples={_npz(tmp_path / 's.npz', RING)}"],
     r"error: name the data set with --data"),
    ("unknown flag", lambda tmp_path: ["--samples=x.npz", "--data=ring", "--num_sample=3"],
     r"error: unrecognized arguments: --num_sample=3"),
    ("vectors of another dimension", _bad(np.zeros((3000, 3), np.float32)),
     r"error: x has shape \(3000, 3\): ring samples are float vectors \[N, 2\]"),
    ("images for a mixture", _bad(IMAGES), r"error: x has shape \(300, 16, 16, 3\)"),
    ("integer vectors", _bad(RING.astype(np.int64)), r"error: x is int64: ring samples are float"),
    ("NaN", _bad(np.where(np.arange(3000)[:, None] == 7, np.nan, RING)),
     r"error: x holds 2 NaN values"),
    ("infinity", _bad(np.where(np.arange(3000)[:, None] == 7, np.inf, RING)),
     r"error: x holds 2 infinite values"),
    ("beyond float32", _bad(RING.astype(np.float64) * 1e300),
     r"error: x holds values up to .* beyond float32"),
    ("too few samples", _bad(RING[:100]),
     r"error: x holds 100 samples: the ring protocol scores 2500 \(--num_samples lowers it"),
    ("too few per seed", _bad(np.stack([RING[:2000]] * 2)),
     r"error: x holds 2000 samples per seed"),
    ("float images", _bad_image(IMAGES.astype(np.float32)), r"error: x is float32: stacked_digits"
     r" samples are uint8 pixels 0\.\.255 \(from \[-1, 1\]"),
    ("pixels out of range", _bad_image(IMAGES.astype(np.int16) + 256),
     r"error: x holds values from 256 to 256: stacked_digits samples are pixels 0\.\.255"),
    ("images of another size", _bad_image(np.zeros((300, 28, 28, 3), np.uint8)),
     r"error: x has shape \(300, 28, 28, 3\): stacked_digits samples are uint8 images "
     r"\[N, 16, 16, 3\]"),
    ("too few for the feature metrics", _bad_image(IMAGES, "--num_samples=3",
                                                   "--classifier_workdir=runs/none"),
     r"error: 3 samples for the feature metrics: .* need at least 10$"),
    ("no classifier run", _bad_image(IMAGES, "--classifier_workdir=/nonexistent"),
     r"error: eval.classifier.workdir=/nonexistent holds no finished classifier run"),
    ("a classifier for a mixture", lambda tmp_path: [
        f"--samples={_npz(tmp_path / 's.npz', RING)}", "--data=ring", "--classifier_workdir=x"],
     r"error: --classifier_workdir: ring samples are scored without a feature network"),
    ("no run", lambda tmp_path: [f"--samples={_npz(tmp_path / 's.npz', RING)}",
                                 f"--run={tmp_path}"],
     r"error: --run=.* holds no run \(no config\.json\)"),
]


@pytest.mark.parametrize("setup, expected", [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_error_line_exit_2_before_any_compile(setup, expected, tmp_path, capsys):
  args = setup(tmp_path)
  compiles = []
  listener = lambda event, duration, **kwargs: compiles.append(event)  # noqa: E731
  jax.monitoring.register_event_duration_secs_listener(listener)
  try:
    status = score.main([*args, f"--workdir={tmp_path / 'out'}"])
  finally:
    jax.monitoring.unregister_event_duration_listener(listener)
  err = capsys.readouterr().err
  assert status == 2
  assert len(err.splitlines()) == 1 and re.match(expected, err.strip()), err
  assert "/jax/core/compile/backend_compile_duration" not in compiles
  assert not (tmp_path / "out").exists()


def test_the_command_line_scores_and_fails_in_one_line(ring_run, tmp_path):
  workdir, results = ring_run
  env = dict(os.environ, JAX_NUM_CPU_DEVICES="4")
  command = [sys.executable, SCORE, f"--run={workdir}", f"--workdir={tmp_path}",
             f"--samples={workdir / 'samples' / 'final.npz'}"]
  done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
  assert done.returncode == 0, done.stderr
  assert "| eval/modes |" in done.stdout
  with open(tmp_path / "results.json") as f:
    assert json.load(f)["eval/hq_fraction"] == results["eval/hq_fraction"]
  done = subprocess.run([*command[:-1], "--samples=missing.npz"], env=env, capture_output=True,
                        text=True, timeout=300, check=False)
  assert done.returncode == 2 and done.stderr == "error: --samples=missing.npz: no such file\n"


def test_one_file_scored_as_two_data_sets_goes_to_two_folders(tmp_path, monkeypatch):
  """The docs score one `PATH.npz` as ring and, later, as stacked digits; with the samples
  file's stem alone as the folder, the second was refused as another file's scores."""
  monkeypatch.chdir(tmp_path)
  np.savez(tmp_path / "PATH.npz", x=np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32))
  for data in ("ring", "grid"):
    assert score.main([f"--data={data}", "--samples=PATH.npz", "--num_samples=64"]) == 0
    results = json.load(open(tmp_path / "scores" / f"{data}_PATH" / "results.json"))
    assert results["samples"] == str(tmp_path / "PATH.npz")
