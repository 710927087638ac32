"""The non-finite guard: a NaN stops the run naming iteration, phase and term, no bad update is
ever applied, the newest checkpoint stays the last good state, and "skip" skips and counts."""

import dataclasses
import json
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import orbax.checkpoint as ocp
import pytest

from aegan import methods, nonfinite, train
from aegan.checkpoint import Checkpointer
from aegan.parallel import data_mesh, replicate
from configs import gan_ring
from tests.conftest import tiny
from tests.precision import FLOAT32_EPS

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def diverging_gan(learning_rate: float = 1e38, mode: str = "stop"):
  """A tiny GAN whose first discriminator update overflows: the generator phase of iteration 1
  meets an infinite discriminator."""
  config = tiny(gan_ring.get_config())
  config.optimizer.discriminator.learning_rate = learning_rate
  config.optimizer.discriminator.schedule = "constant"
  config.train.nonfinite = mode
  return config


def one_call(config):
  method, dataset, optimizers = train.build(config)
  mesh = data_mesh(jax.devices()[:1])
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                             config.train.steps_per_call, on_nonfinite=config.train.nonfinite)
  initial = jax.device_get(train.init_state(method, optimizers, config.seed))  # Not donated.
  state, _ = update(replicate(initial, mesh), {})
  return update, initial, jax.device_get(state)


def test_terms_are_the_loss_the_sorted_metrics_and_the_gradient_norm():
  assert nonfinite.term_names(["b", "a"]) == ["loss", "a", "b", "gradient norm"]
  finite = nonfinite.check_terms(jnp.float32(1.0), {"b": jnp.float32(jnp.inf), "a": jnp.float32(2.0)},
                                 {"w": jnp.ones(3)})
  np.testing.assert_array_equal(finite, [True, True, False, True])
  finite = nonfinite.check_terms(jnp.float32(1.0), {}, {"w": jnp.array([1.0, jnp.nan])})
  np.testing.assert_array_equal(finite, [True, False])


def test_only_the_first_event_is_recorded():
  none = jnp.full((3,), nonfinite.NONE, jnp.int32)
  first = nonfinite.record(none, jnp.array([True, False, True]), jnp.int32(7), 1)
  np.testing.assert_array_equal(first, [7, 1, 1])
  np.testing.assert_array_equal(nonfinite.record(first, jnp.array([False]), jnp.int32(9), 0), [7, 1, 1])
  np.testing.assert_array_equal(nonfinite.record(none, jnp.array([True, True]), jnp.int32(9), 0), none)
  names = {"discriminator": ["loss", "gradient norm"], "generator": ["loss", "gradient norm"]}
  phases = ["discriminator", "generator"]
  assert nonfinite.describe(np.array([7, 1, 1]), phases, names) == (
      "non-finite gradient norm in the generator phase of iteration 8")
  # Several seeds: the earliest event, and which seed met it.
  seeds = np.array([[-1, -1, -1], [12, 0, 0], [4, 1, 0]])
  assert nonfinite.describe(seeds, phases, names) == "non-finite loss in the generator phase of iteration 5 of seed 2"
  assert nonfinite.describe(np.full((2, 3), -1), phases, names) is None


def test_stop_applies_no_update_from_the_first_non_finite_value_on():
  update, initial, state = one_call(diverging_gan())
  assert update.describe_nonfinite(state.nonfinite) == "non-finite loss in the generator phase of iteration 1"
  # The generator never moved (its first update was the bad one), the discriminator moved once
  # (iteration 1's discriminator phase was finite) and then stayed: every later update skipped.
  jax.tree.map(np.testing.assert_array_equal, state.params["generator"], initial.params["generator"])
  jax.tree.map(np.testing.assert_array_equal, state.opt_state["generator"], initial.opt_state["generator"])
  assert int(state.opt_state["discriminator"][0].count) == 1
  assert int(state.step) == 10 and int(state.skipped) == 2 * 10 - 1


def test_skip_goes_on_and_keeps_every_parameter_finite():
  update, _, state = one_call(diverging_gan(mode="skip"))
  assert update.describe_nonfinite(state.nonfinite) == "non-finite loss in the generator phase of iteration 1"
  assert 1 <= int(state.skipped) < 2 * 10
  assert all(np.isfinite(leaf).all() for leaf in jax.tree.leaves(state.params))


def nan_from_iteration(first_bad: int):
  """GAN whose generator loss is NaN from iteration `first_bad` on (1-based): it reads the
  iteration from the generator's Adam step count, which the phase sees in `nets.opt_state`."""

  def make(config, example_shape):
    gan = methods.gan.make(config, example_shape)
    discriminator_phase, generator_phase = gan.phases

    def generator_loss(nets, batch):
      loss, metrics = generator_phase.loss(nets, batch)
      count = nets.opt_state["generator"][0].count  # Iterations done before this one.
      return jnp.where(count + 1 >= first_bad, jnp.nan, loss), metrics

    return dataclasses.replace(gan, phases=(discriminator_phase, dataclasses.replace(
        generator_phase, loss=generator_loss)))

  return make


def test_the_run_stops_and_its_newest_checkpoint_is_the_last_good_state(tmp_path, monkeypatch):
  config = tiny(gan_ring.get_config(), steps=40, steps_per_call=10)
  config.checkpoint.every = 10
  clean = train.train_and_evaluate(config, str(tmp_path / "clean"))
  saved = json.load(open(tmp_path / "clean" / "results.json"))
  assert saved["step"] == 40 and saved["eval/modes"] == clean["eval/modes"]  # It ran to the end.
  monkeypatch.setitem(methods.METHODS, "gan", dataclasses.replace(
      methods.METHODS["gan"], make=nan_from_iteration(26)))
  with pytest.raises(nonfinite.NonFiniteError, match=(
      r"^non-finite loss in the generator phase of iteration 26: stopped; the newest checkpoint "
      r"in .*nan is the last good state")):
    train.train_and_evaluate(config, str(tmp_path / "nan"))
  assert sorted(os.listdir(tmp_path / "nan" / "checkpoints")) == ["10", "20"]
  assert not (tmp_path / "nan" / "results.json").exists()
  method, _, optimizers = train.build(config)
  target = train.init_state(method, optimizers, config.seed)
  newest = Checkpointer(str(tmp_path / "nan" / "checkpoints"), 3).restore(target)
  with ocp.CheckpointManager(str(tmp_path / "clean" / "checkpoints")) as clean_checkpoints:
    clean_at_20 = clean_checkpoints.restore(20, args=ocp.args.StandardRestore(target))
  assert int(newest.step) == 20
  # The clean run's step 20, to its rounding: the NaN-injecting method is another program, which
  # XLA may round differently in the last bit (the older CPU loop emitters do: one value in 16 of
  # one leaf, 6e-8 apart), and 20 iterations carry that forward; the 20 iterations' move from
  # the initial state is more than 100 times that.
  bound = lambda clean: 20 * FLOAT32_EPS * np.linalg.norm(clean)
  for newer, clean, initial in zip(*map(jax.tree.leaves, (newest.params, clean_at_20.params,
                                                          target.params))):
    assert np.linalg.norm(newer - clean) <= bound(clean)
    assert np.linalg.norm(initial - clean) > 100 * bound(clean)


def test_launch_exits_1_with_one_line(tmp_path):
  workdir = tmp_path / "run"
  result = subprocess.run(
      [sys.executable, os.path.join(REPO, "launch", "main.py"), "--config=configs/gan_ring.py",
       f"--workdir={workdir}", "--config.train.steps=40", "--config.train.steps_per_call=10",
       "--config.train.log_every=10", "--config.checkpoint.every=10", "--config.eval.every=40",
       "--config.train.batch_size=32", "--config.model.generator.hidden=(16,)",
       "--config.model.discriminator.hidden=(16,)", "--config.optimizer.discriminator.learning_rate=1e38",
       "--config.optimizer.discriminator.schedule=constant"],
      cwd=REPO, env=dict(os.environ, JAX_NUM_CPU_DEVICES="2"), capture_output=True, text=True,
      timeout=300, check=False)
  assert result.returncode == 1, result.stderr
  errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
  assert errors == [f"error: non-finite loss in the generator phase of iteration 1: stopped; the "
                    f"newest checkpoint in {workdir} is the last good state "
                    "(config.train.nonfinite=skip skips such updates instead)"]
  assert not os.listdir(workdir / "checkpoints") and not (workdir / "results.json").exists()
