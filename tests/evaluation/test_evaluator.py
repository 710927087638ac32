"""The evaluation's draws (distinct held-out examples, each random stream its own key) and the
summary of several seeds."""

import math
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan import train
from aegan.data.images import quantise
from aegan.evaluation.evaluator import (Evaluator, make_evaluation_draws, mean_std_text,
                                        seed_metric_name, summarise_seeds)
from aegan.evaluation.mixtures import mode_metrics, nearest_modes
from aegan.evaluation.ms_ssim import ms_ssim
from aegan.methods import Networks
from aegan.parallel import data_mesh, replicate
from aegan.sampling import sample_batch, stream_key
from aegan.writers import MetricWriter
from configs import alpha_gan_grid, dcgan_stacked_digits
from tests.conftest import tiny
from tests.precision import assert_equal_to_float32_resolution


def tiny_stacked(num_test: int, num_samples: int):
  """DCGAN on stacked digits with width-4 nets and `num_test` held-out stacks."""
  config = tiny(dcgan_stacked_digits.get_config(), steps=2, steps_per_call=1)
  config.model.generator.width = config.model.discriminator.width = 4
  config.data.update(num_train=64, num_test=num_test)
  config.eval.update(num_samples=num_samples, batch_size=16, ms_ssim_pairs=0)
  del config.eval["critic"], config.eval["ivom"], config.eval["features"]
  return config


def test_held_out_examples_are_distinct_until_the_split_runs_out(float64):
  """64 draws of a split of 40 stacks: rows 0..39 are the 40 stacks, each once (drawn with
  replacement, 64 draws would hold ~32 distinct stacks); the rest repeat them. The samples are
  the generator's on the seed's noise: the draws 16 at a time on each device against all 64 in
  one call, the generator in float64 (tests/conftest.py `float64`, the state cast), where the
  two differ only in how the convolutions group their sums: equal to float32's resolution
  (tests/precision.py)."""
  config = tiny_stacked(num_test=40, num_samples=64)
  config.model.compute_dtype = "float64"
  method, dataset, optimizers = train.build(config)
  mesh = data_mesh()
  state = float64(jax.device_get(train.init_state(method, optimizers, config.seed)))
  arrays = dataset.arrays("test")
  draw = make_evaluation_draws(method, dataset, mesh, 64, 16)
  samples, real, _ = jax.device_get(draw(state.params, state.batch_stats,
                                         replicate(arrays, mesh), jnp.int32(0)))
  stacks = quantise(real).reshape(64, -1)
  table = np.moveaxis(arrays["images"][arrays["triples"], ..., 0], 1, -1).reshape(40, -1)
  assert len(np.unique(stacks[:40], axis=0)) == 40
  assert {row.tobytes() for row in stacks[:40]} == {row.tobytes() for row in table}
  assert {row.tobytes() for row in stacks[40:]} <= {row.tobytes() for row in table}
  # The samples are the generator's on the noise of the seed's `eval/draws` stream.
  @jax.jit
  def generate(params, batch_stats, arrays):
    noise = sample_batch(method, dataset, arrays, stream_key(0, "eval/draws"), jnp.arange(64))
    return method.generate(Networks(method.networks, params, batch_stats, train=False), noise)

  expected = generate(state.params, state.batch_stats, jax.tree.map(jnp.asarray, arrays))
  assert_equal_to_float32_resolution(samples, expected)
  # Another seed takes the stacks in another order.
  _, other, _ = jax.device_get(draw(state.params, state.batch_stats, replicate(arrays, mesh),
                                    jnp.int32(1)))
  assert not np.array_equal(other[:40], real[:40])


def test_ms_ssim_real_never_pairs_a_held_out_example_with_itself(tmp_path):
  # Two held-out stacks and 64 samples: every pair of distinct held-out examples is the two
  # stacks, so eval/ms_ssim_real is exactly their MS-SSIM, with no spread. Drawn with
  # replacement, about half the pairs would be a stack with itself (MS-SSIM 1).
  config = tiny_stacked(num_test=2, num_samples=64)
  config.eval.ms_ssim_pairs = 50
  method, dataset, optimizers = train.build(config)
  mesh = data_mesh()
  state = replicate(train.init_state(method, optimizers, config.seed), mesh)
  (tmp_path / "samples").mkdir()
  evaluator = Evaluator(config, method, dataset, mesh, str(tmp_path))
  metrics, _ = evaluator(2, state.params, state.batch_stats, MetricWriter(str(tmp_path)))
  arrays = dataset.arrays("test")
  stacks = np.moveaxis(arrays["images"][arrays["triples"], ..., 0], 1, -1)  # [2, 16, 16, 3]
  pair = float(ms_ssim(stacks[:1], stacks[1:], 255.0)[0])
  assert pair < 0.9
  np.testing.assert_allclose(metrics["eval/ms_ssim_real"], pair, rtol=1e-5)
  assert metrics["eval/ms_ssim_real_stderr"] < 1e-6


def test_seed_summary_is_the_mean_and_sample_std_over_the_seeds_that_define_it():
  nan = float("nan")
  per_seed = [{"eval/modes": 8.0, "eval/confident_mode_kl": 0.5},
              {"eval/modes": 6.0, "eval/confident_mode_kl": nan},
              {"eval/modes": 7.0, "eval/confident_mode_kl": 1.5},
              {"eval/modes": 3.0, "eval/confident_mode_kl": nan}]
  summary = summarise_seeds(per_seed)
  # Modes: mean 6, squared deviations 4 + 0 + 1 + 9 = 14, sample std √(14 / 3) (not √(14 / 4)).
  assert summary["eval/modes"] == 6.0
  assert summary["eval/modes_std"] == math.sqrt(14 / 3)
  assert "eval/modes_seeds" not in summary
  # The KL, defined for seeds 0 and 2 alone: mean 1, std √((0.25 + 0.25) / 1), over 2 seeds.
  assert summary["eval/confident_mode_kl"] == 1.0
  assert summary["eval/confident_mode_kl_std"] == math.sqrt(0.5)
  assert summary["eval/confident_mode_kl_seeds"] == 2
  one = summarise_seeds([{"eval/mode_kl": 0.25}, {"eval/mode_kl": nan}])
  assert one["eval/mode_kl"] == 0.25 and math.isnan(one["eval/mode_kl_std"])
  assert one["eval/mode_kl_seeds"] == 1
  none = summarise_seeds([{"eval/mode_kl": nan}, {"eval/mode_kl": nan}])
  assert math.isnan(none["eval/mode_kl"]) and none["eval/mode_kl_seeds"] == 0


def test_seed_summary_refuses_a_metric_named_like_its_own_spread():
  # KID's spread over subsets was once `eval/kid_std`, which the seed spread overwrote.
  with pytest.raises(ValueError, match="eval/kid_std"):
    summarise_seeds([{"eval/kid": 1.0, "eval/kid_std": 0.1}] * 2)
  # A spread of its own with no metric it would summarise is a metric like any other.
  summary = summarise_seeds([{"eval/kid": 1.0, "eval/kid_subset_std": 0.1},
                             {"eval/kid": 3.0, "eval/kid_subset_std": 0.3}])
  assert summary["eval/kid_subset_std"] == pytest.approx(0.2)
  assert summary["eval/kid_subset_std_std"] == pytest.approx(0.2 / 2**0.5)  # |a - b| / √2


def test_mean_std_text_reads_a_seed_summary():
  summary = summarise_seeds([{"eval/hq_fraction": 0.25}, {"eval/hq_fraction": 0.35}])
  # mean 0.30, sample std |0.25 - 0.35| / √2 = 0.0707..., shown as percentages.
  assert mean_std_text(summary, "eval/hq_fraction", 100) == "30.0 ± 7.1"
  assert mean_std_text({"eval/modes": 8.0}, "eval/modes") == "8.0"  # One seed: no spread.
  assert mean_std_text({}, "eval/modes", digits=2) == "nan"


def test_a_mean_over_fewer_seeds_than_ran_says_over_how_many():
  """Seed 2 collapsed: no high-quality sample, so no mode KL; the KL's mean is over 2 seeds."""
  nan = float("nan")
  per_seed = [{"eval/modes": 8.0, "eval/mode_kl": 0.3}, {"eval/modes": 7.0, "eval/mode_kl": 0.5},
              {"eval/modes": 0.0, "eval/mode_kl": nan}]
  summary = summarise_seeds(per_seed)
  # KL: mean 0.40, sample std |0.3 - 0.5| / √2 = 0.141; modes: mean 5, std √((9 + 4 + 25) / 2).
  assert mean_std_text(summary, "eval/mode_kl", digits=2, num_seeds=3) == "0.40 ± 0.14 (2 of 3 seeds)"
  assert mean_std_text(summary, "eval/modes", num_seeds=3) == "5.0 ± 4.4"
  # As evaluate_seeds writes results (each seed's metrics beside): the count is read from them.
  results = {**summary, **{seed_metric_name(name, seed): value
                           for seed, metrics in enumerate(per_seed) for name, value in metrics.items()}}
  assert mean_std_text(results, "eval/mode_kl", digits=2) == "0.40 ± 0.14 (2 of 3 seeds)"
  none = summarise_seeds([{"eval/mode_kl": nan}] * 3)
  assert mean_std_text(none, "eval/mode_kl", digits=2, num_seeds=3) == "nan ± nan (0 of 3 seeds)"
  with pytest.raises(ValueError, match="num_seeds"):  # Of how many seeds, it cannot tell.
    mean_std_text(summary, "eval/mode_kl")


def test_a_standardised_mixtures_evaluation_is_in_the_data_configs_units(tmp_path, float64):
  """α-GAN on the standardised grid (x = s·x', s = 4.000625, mean 0), untrained: the
  evaluation's samples are the networks' draws times s, its reconstruction errors s and s²
  times theirs, and its mode measures theirs against the standardised mixture (unchanged by
  the map). In float64 (tests/conftest.py `float64`, the state cast). The samples: the same
  draws (one program on the same rows) times float32(s), exactly. The errors: means in
  another order, and the map's s rounded to float32 (2^-24 of it): equal to float32's
  resolution (tests/precision.py). The mode measures are functions of the per-mode counts of
  high-quality samples, and no count changes (every sample ≥ 1e-5 of the threshold from it,
  asserted, against the ~1e-7 the float32 means in data units move a distance): exactly."""
  config = tiny(alpha_gan_grid.get_config())
  config.model.compute_dtype = "float64"
  method, dataset, optimizers = train.build(config)
  assert dataset.data_scale == pytest.approx(4.000625, rel=1e-6)
  mesh = data_mesh()
  state = replicate(float64(jax.device_get(train.init_state(method, optimizers, config.seed))),
                    mesh)
  (tmp_path / "samples").mkdir()
  evaluator = Evaluator(config, method, dataset, mesh, str(tmp_path))
  metrics, samples = evaluator(20, state.params, state.batch_stats, MetricWriter(str(tmp_path)))
  draw = make_evaluation_draws(method, dataset, mesh, 256, 500)
  drawn, real, reconstructions = jax.device_get(draw(
      state.params, state.batch_stats, replicate(dataset.arrays("test"), mesh), jnp.int32(0)))
  np.testing.assert_array_equal(samples, drawn * np.float32(dataset.data_scale))
  assert_equal_to_float32_resolution(
      np.float64(metrics["eval/recon_l1"]), dataset.data_scale * np.mean(np.abs(real - reconstructions)))
  assert_equal_to_float32_resolution(
      np.float64(metrics["eval/recon_mse"]),
      dataset.data_scale**2 * np.mean((real - reconstructions) ** 2))
  _, distance = nearest_modes(drawn, np.asarray(dataset.means, np.float64))
  threshold = 3.0 * dataset.hq_unit
  assert np.min(np.abs(np.asarray(distance) - threshold)) > 1e-5 * threshold
  expected = mode_metrics(drawn, dataset.means, dataset.hq_unit, threshold=3.0)
  for name, value in expected.items():
    np.testing.assert_array_equal(metrics[name], value)
  assert os.path.getsize(tmp_path / "samples" / "samples_00000020.png") > 1000
