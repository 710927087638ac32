"""Evaluating and sampling a trained run from its checkpoints (aegan/evaluate.py): the same
numbers as training's own evaluations, nothing of the run changed."""

import hashlib
import json
import os

import jax.numpy as jnp
import numpy as np
import pytest

from aegan import evaluate, train
from aegan.checkpoint import CheckpointNotFoundError
from aegan.configuration import ConfigError
from aegan.evaluation.evaluator import map_draws
from configs import dcgan_stacked_digits
from tests.conftest import tiny


def _files(workdir) -> dict[str, str]:
  """Every file of the run, by path, with the SHA-256 of its bytes."""
  return {os.path.relpath(os.path.join(root, name), workdir):
          hashlib.sha256(open(os.path.join(root, name), "rb").read()).hexdigest()
          for root, _, names in os.walk(workdir) for name in names}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
  """A tiny gan_grid run of 40 iterations (standardised: trained at 1/s = 1/4.000625 of the
  paper's grid), evaluated at 20 and 40, checkpoints at both."""
  from configs import gan_grid  # pylint: disable=import-outside-toplevel
  config = tiny(gan_grid.get_config(), steps=40)
  config.eval.every = 20
  config.checkpoint.every = 20
  workdir = str(tmp_path_factory.mktemp("gan_grid"))
  train.train_and_evaluate(config, workdir)
  return config, workdir


def test_evaluating_a_checkpoint_gives_trainings_numbers_and_changes_nothing(trained):
  config, workdir = trained
  before = _files(workdir)
  rows = {row["step"]: row for row in map(json.loads, open(os.path.join(workdir, "metrics.jsonl")))
          if "eval/modes" in row}
  for step in (None, 20):
    results = evaluate.evaluate(config, workdir, step)
    expected = rows[step or 40]
    assert results["step"] == (step or 40)
    for name in ("eval/modes", "eval/hq_fraction", "eval/mode_kl"):
      assert results[name] == expected[name], name
    output = os.path.join(workdir, "evaluations", str(results["step"]))
    assert json.load(open(os.path.join(output, "results.json")))["eval/modes"] == expected["eval/modes"]
    summary = open(os.path.join(output, "summary.md")).read()
    assert summary.startswith(f"# gan on grid, step {results['step']}\n")
    assert f"| eval/modes | {expected['eval/modes']:g} |" in summary
    assert os.path.isfile(os.path.join(output, f"samples_{results['step']:08d}.png"))
  after = _files(workdir)
  assert {path: after[path] for path in before} == before  # Only evaluations/ is new.
  assert all(path.startswith("evaluations/") for path in set(after) - set(before))


def test_the_eval_section_may_differ_and_nothing_else(trained):
  config, workdir = trained
  other = tiny(config)  # A copy.
  other.eval.hq_threshold = 1.0  # A stricter "high quality": fewer samples count.
  assert (evaluate.evaluate(other, workdir)["eval/hq_fraction"]
          <= evaluate.evaluate(config, workdir)["eval/hq_fraction"])
  other.model.generator.hidden = (32,)
  with pytest.raises(ConfigError, match=r"config differs from the run in .* at model.generator.hidden"):
    evaluate.evaluate(other, workdir)
  with pytest.raises(CheckpointNotFoundError, match=r"checkpoints has no checkpoint of step 30; "
                                                    r"it has 20, 40$"):
    evaluate.evaluate(config, workdir, 30)
  with pytest.raises(ConfigError, match=r"holds no run \(no config.json\)"):
    evaluate.evaluate(config, os.path.join(workdir, "nothing"))


def test_an_evaluation_keeps_the_settings_its_numbers_are_of(trained):
  """`--mode=eval --config.eval.num_samples=128 --config.eval.hq_threshold=1.0` changes the
  numbers; evaluations/<step>/config.json says with what, and the next evaluation's replaces it."""
  config, workdir = trained
  other = tiny(config)
  other.eval.update(num_samples=128, hq_threshold=1.0)
  evaluate.evaluate(other, workdir)
  recorded = json.load(open(os.path.join(workdir, "evaluations", "40", "config.json")))
  assert recorded["eval"]["num_samples"] == 128 and recorded["eval"]["hq_threshold"] == 1.0
  assert recorded["model"] == json.load(open(os.path.join(workdir, "config.json")))["model"]
  evaluate.evaluate(config, workdir)
  recorded = json.load(open(os.path.join(workdir, "evaluations", "40", "config.json")))
  assert recorded["eval"]["num_samples"] == 256 and recorded["eval"]["hq_threshold"] == 3.0


def test_samples_of_a_mixture_run(trained):
  config, workdir = trained
  (path,) = evaluate.sample(config, workdir, num_samples=10, seed=3)
  assert path == os.path.join(workdir, "samples", "sample_00000040_seed3.npz")
  samples = np.load(path)["x"]
  assert samples.shape == (10, 2) and samples.dtype == np.float32
  # In the config's units: the generator's draws (stream `sample`, key i for sample i) times s.
  # The same draws as `sample`'s (10 rounded up to a multiple of the devices, 500 at a time,
  # the same parameters: one program on the same rows) and its map to data units, x·float32(s)
  # in float32 (offset 0: tests/data/test_mixtures.py): the same bits.
  run, mesh = evaluate.restore(config, workdir)
  draw = map_draws(run.method, run.dataset, mesh, -(-10 // mesh.size) * mesh.size, 500,
                   lambda nets, batch: run.method.generate(nets, batch), "sample")
  drawn = np.asarray(draw(run.state.params, run.state.batch_stats, {}, jnp.int32(3)))[:10]
  assert run.dataset.data_scale == pytest.approx(4.000625, rel=1e-6)
  np.testing.assert_array_equal(samples, drawn * np.float32(run.dataset.data_scale))
  assert os.path.getsize(path.replace(".npz", ".png")) > 1000
  (again,) = evaluate.sample(config, workdir, num_samples=7, seed=3)  # Not a multiple of 4.
  np.testing.assert_array_equal(np.load(again)["x"], samples[:7])  # Sample i: key i alone.
  (other,) = evaluate.sample(config, workdir, num_samples=10, seed=4, step=20)
  assert not np.array_equal(np.load(other)["x"], samples)


def test_samples_of_an_image_run_are_uint8_and_a_grid(tmp_path):
  config = tiny(dcgan_stacked_digits.get_config(), steps=2, steps_per_call=1)
  config.model.generator.width = config.model.discriminator.width = 8
  config.eval.update(num_samples=64, ms_ssim_pairs=0)
  del config.eval["critic"], config.eval["ivom"]
  train.train_and_evaluate(config, str(tmp_path))
  (path,) = evaluate.sample(config, str(tmp_path), num_samples=12)
  samples = np.load(path)["x"]
  assert samples.dtype == np.uint8 and samples.shape == (12, 16, 16, 3)
  final = np.load(tmp_path / "samples" / "final.npz")["x"]  # Drawn from another key.
  assert final.shape == (64, 16, 16, 3) and not np.array_equal(final[:12], samples)
  assert os.path.getsize(path.replace(".npz", ".png")) > 500
