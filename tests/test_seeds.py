"""Several seeds in one process (`train.num_seeds`): vmapped runs equal separate runs."""

import json

import jax
import numpy as np
import pytest

from aegan import experiment, train
from aegan.configuration import ConfigError, validate
from aegan.parallel import data_mesh, replicate
from tests.precision import assert_equal_to_float32_resolution


@pytest.mark.parametrize("config_name", ["tiny_veegan", "tiny_alpha_gan"])
def test_vmapped_seeds_follow_the_separate_runs(config_name, request, float64):
  """In float64 (tests/conftest.py `float64`), where a vmapped seed and its separate run
  differ only in the order of their reductions (batched against plain matmuls): parameter
  moves, optimizer states and metrics agree to float32's resolution (tests/precision.py),
  keys and counts exactly."""
  config = request.getfixturevalue(config_name)
  config.model.compute_dtype = "float64"
  mesh = data_mesh(jax.devices()[:4])
  method, dataset, optimizers = experiment.build(config)

  updates = {n: train.make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                                  config.train.steps_per_call, num_seeds=n) for n in (1, 2)}

  def run(seed, num_seeds, calls=2):
    update = updates[num_seeds]
    initial = float64(jax.device_get(experiment.init_state(method, optimizers, seed, num_seeds)))
    state = replicate(initial, mesh)
    for _ in range(calls):
      state, metrics = update(state, {})
    return jax.device_get(state), jax.device_get(metrics), initial

  together, metrics, _ = run(seed=5, num_seeds=2)
  assert int(together.step) == 2 * config.train.steps_per_call
  assert all(value.shape == (2,) for value in metrics.values())
  is_float = lambda leaf: np.issubdtype(np.asarray(leaf).dtype, np.floating)
  for i in range(2):
    alone, alone_metrics, initial = run(seed=5 + i, num_seeds=1)
    params, opt_state, key = experiment.seed_slice(
        (together.params, together.opt_state, together.key), i)
    moves = lambda params: jax.tree.map(np.subtract, params, initial.params)
    assert_equal_to_float32_resolution(moves(params), moves(alone.params))
    floats, exact = [], []
    for a, b in zip(jax.tree.leaves((opt_state, key)), jax.tree.leaves((alone.opt_state, alone.key))):
      (floats if is_float(b) else exact).append((a, b))
    assert_equal_to_float32_resolution(*zip(*floats))
    for a, b in exact:
      np.testing.assert_array_equal(a, b)
    assert_equal_to_float32_resolution({name: metrics[name][i] for name in alone_metrics},
                                       alone_metrics)
  # The seeds differ from one another: different initialisations and batches.
  assert not np.allclose(experiment.seed_slice(together.params, 0)["generator"]["Dense_0"]["kernel"],
                         experiment.seed_slice(together.params, 1)["generator"]["Dense_0"]["kernel"])


def test_a_several_seed_run_reports_each_seed_and_their_mean(tiny_veegan, tmp_path, float64,
                                                            monkeypatch):
  """The runs in float64 (tests/conftest.py `float64`, the initial state cast), where seed 1
  alone and seed 1 of two differ only in the order of their reductions: the same samples to
  float32's resolution (tests/precision.py)."""
  config = tiny_veegan
  config.model.compute_dtype = "float64"
  monkeypatch.setattr(train, "init_state", lambda *args: float64(
      jax.device_get(experiment.init_state(*args))))
  config.train.num_seeds = 2
  results = train.train_and_evaluate(config, str(tmp_path / "seeds"))
  # The summary is the mean and the ddof-1 std of the very per-seed values reported beside it,
  # in float64 in the same order: the same sums, equal exactly. (The 20-iteration run has no
  # high-quality sample: modes and the high-quality fraction are 0 and the mode KL undefined in
  # both seeds; the reconstruction errors differ between them.)
  names = [name.removeprefix("eval/seed0/") for name in results if name.startswith("eval/seed0/")]
  for name in names:
    per_seed = [results[f"eval/seed{i}/{name}"] for i in range(2)]
    if np.all(np.isfinite(per_seed)):
      assert results[f"eval/{name}"] == np.mean(per_seed), name
      assert results[f"eval/{name}_std"] == np.std(per_seed, ddof=1), name
    else:  # Undefined in both: NaN over 0 seeds.
      assert np.all(np.isnan(per_seed)) and np.isnan(results[f"eval/{name}"]), name
      assert results[f"eval/{name}_seeds"] == 0, name
  assert {"recon_l1", "recon_mse", "mode_kl"} <= set(names)
  assert results["eval/recon_l1_std"] > 0
  assert json.load(open(tmp_path / "seeds" / "results.json"))["eval/seed1/modes"] == results["eval/seed1/modes"]
  samples = np.load(tmp_path / "seeds" / "samples" / "final.npz")["x"]
  assert samples.shape == (2, config.eval.num_samples, 2)

  config.train.num_seeds, config.seed = 1, 1  # Seed 1 alone draws the same samples.
  train.train_and_evaluate(config, str(tmp_path / "seed1"))
  alone = np.load(tmp_path / "seed1" / "samples" / "final.npz")["x"]
  assert_equal_to_float32_resolution(alone, samples[1])


def test_seeds_need_device_draws(tiny_veegan):
  tiny_veegan.train.update(num_seeds=2, data_placement="host")
  with pytest.raises(ConfigError, match="num_seeds > 1 needs config.train.data_placement=device"):
    validate(tiny_veegan, 1)
  tiny_veegan.train.update(num_seeds=0, data_placement="device")
  with pytest.raises(ConfigError, match="train.num_seeds must be a positive integer"):
    validate(tiny_veegan, 1)
