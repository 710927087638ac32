"""Several seeds in one process (`train.num_seeds`): vmapped runs equal separate runs."""

import json

import jax
import numpy as np
import pytest

from aegan import experiment, train
from aegan.configuration import ConfigError, validate
from aegan.parallel import data_mesh, replicate


@pytest.mark.parametrize("config_name", ["tiny_veegan", "tiny_alpha_gan"])
def test_vmapped_seeds_follow_the_separate_runs(config_name, request):
  config = request.getfixturevalue(config_name)
  mesh = data_mesh(jax.devices()[:4])
  method, dataset, optimizers = experiment.build(config)

  updates = {n: train.make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                                  config.train.steps_per_call, num_seeds=n) for n in (1, 2)}

  def run(seed, num_seeds, calls=2):
    update = updates[num_seeds]
    state = replicate(experiment.init_state(method, optimizers, seed, num_seeds), mesh)
    for _ in range(calls):
      state, metrics = update(state, {})
    return jax.device_get(state), jax.device_get(metrics)

  together, metrics = run(seed=5, num_seeds=2)
  assert int(together.step) == 2 * config.train.steps_per_call
  assert all(value.shape == (2,) for value in metrics.values())
  for i in range(2):
    alone, alone_metrics = run(seed=5 + i, num_seeds=1)
    for a, b in zip(jax.tree.leaves((alone.params, alone.opt_state, alone.key)),
                    jax.tree.leaves(experiment.seed_slice((together.params, together.opt_state,
                                                           together.key), i))):
      np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for name, value in alone_metrics.items():
      np.testing.assert_allclose(value, metrics[name][i], rtol=1e-4, atol=1e-5)
  # The seeds differ from one another: different initialisations and batches.
  assert not np.allclose(experiment.seed_slice(together.params, 0)["generator"]["Dense_0"]["kernel"],
                         experiment.seed_slice(together.params, 1)["generator"]["Dense_0"]["kernel"])


def test_a_several_seed_run_reports_each_seed_and_their_mean(tiny_veegan, tmp_path):
  config = tiny_veegan
  config.train.num_seeds = 2
  results = train.train_and_evaluate(config, str(tmp_path / "seeds"))
  for name in ("eval/modes", "eval/hq_fraction", "eval/mode_kl"):
    per_seed = [results[f"eval/seed{i}/{name.removeprefix('eval/')}"] for i in range(2)]
    np.testing.assert_allclose(results[name], np.mean(per_seed), rtol=1e-6)
    np.testing.assert_allclose(results[f"{name}_std"], np.std(per_seed, ddof=1), rtol=1e-6,
                               atol=1e-9)
  assert json.load(open(tmp_path / "seeds" / "results.json"))["eval/seed1/modes"] == results["eval/seed1/modes"]
  samples = np.load(tmp_path / "seeds" / "samples" / "final.npz")["x"]
  assert samples.shape == (2, config.eval.num_samples, 2)

  config.train.num_seeds, config.seed = 1, 1  # Seed 1 alone draws the same samples.
  train.train_and_evaluate(config, str(tmp_path / "seed1"))
  alone = np.load(tmp_path / "seed1" / "samples" / "final.npz")["x"]
  np.testing.assert_allclose(alone, samples[1], rtol=1e-4, atol=1e-4)


def test_seeds_need_device_draws(tiny_veegan):
  tiny_veegan.train.update(num_seeds=2, data_placement="host")
  with pytest.raises(ConfigError, match="num_seeds > 1 needs config.train.data_placement=device"):
    validate(tiny_veegan, 1)
  tiny_veegan.train.update(num_seeds=0, data_placement="device")
  with pytest.raises(ConfigError, match="train.num_seeds must be a positive integer"):
    validate(tiny_veegan, 1)
