"""The update step: phases in order, device-count invariance, exact resume."""

import dataclasses
import os
import shutil

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from aegan import train
from aegan.checkpoint import Checkpointer, digest
from aegan.methods import Networks
from aegan.parallel import data_mesh, replicate
from aegan.sampling import sample_batch
from tests.precision import assert_equal_to_float32_resolution


def build(config, devices=None, steps_per_call=None):
  mesh = data_mesh(devices)
  method, dataset, optimizers = train.build(config)
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                             steps_per_call or config.train.steps_per_call)
  state = lambda: replicate(train.init_state(method, optimizers, config.seed), mesh)
  return method, dataset, optimizers, update, state


def assert_trees_close(a, b, **tolerance):
  jax.tree.map(lambda x, y: np.testing.assert_allclose(np.asarray(x), np.asarray(y), **tolerance), a, b)


def test_one_iteration_runs_the_phases_in_order(tiny_veegan, float64):
  """The jitted update and the phases by hand differ only in how XLA orders and fuses their
  reductions: in float64 (tests/conftest.py `float64`) each parameter moves alike to float32's
  resolution (tests/precision.py)."""
  tiny_veegan.model.compute_dtype = "float64"
  method, dataset, optimizers = train.build(tiny_veegan)
  mesh = data_mesh(jax.devices()[:1])
  update = train.make_update(method, optimizers, dataset, mesh, tiny_veegan.train.batch_size, 1)
  initial = float64(jax.device_get(train.init_state(method, optimizers, tiny_veegan.seed)))
  params, opt_state = dict(initial.params), dict(initial.opt_state)
  batch = sample_batch(method, dataset, {},
                       jax.random.fold_in(jax.random.fold_in(initial.key, 0), 0),
                       jnp.arange(tiny_veegan.train.batch_size))
  for phase in method.phases:  # By hand: each phase sees the parameters the last one updated.
    grads = jax.grad(lambda p, phase=phase: phase.loss(Networks(method.networks, p, {}, True), batch)[0])(params)
    for name in phase.updates:
      updates, opt_state[name] = optimizers[name].update(grads[name], opt_state[name], params[name])
      params[name] = optax.apply_updates(params[name], updates)
  new_state, metrics = update(replicate(initial, mesh), {})
  assert int(new_state.step) == 1
  assert set(metrics) == {"discriminator_loss", "generator_adversarial", "latent_reconstruction"}
  subtract = lambda tree: jax.tree.map(np.subtract, jax.device_get(tree), initial.params)
  assert_equal_to_float32_resolution(subtract(new_state.params), subtract(params))


@pytest.mark.parametrize("config_name", ["tiny_gan", "tiny_unrolled_gan", "tiny_alpha_gan",
                                         "tiny_ali"])
def test_shared_forward_passes_leave_the_update_unchanged(config_name, request, float64):
  """Replaying a forward pass (aegan/methods/base.py `SharedForwards`) instead of running it
  again changes only how XLA fuses the program: in float64 two iterations move every parameter
  alike to float32's resolution. GAN replays G(z); Unrolled GAN into a phase that starts from
  the iteration's start; α-GAN and ALI replay two networks, one of them (α-GAN's generator on
  the encoder's codes) only where its input is the same array."""
  config = request.getfixturevalue(config_name)
  config.model.compute_dtype = "float64"
  method, dataset, optimizers = train.build(config)
  mesh = data_mesh(jax.devices()[:1])
  initial = float64(jax.device_get(train.init_state(method, optimizers, config.seed)))
  moved = []
  for share in (True, False):
    update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size, 2,
                               share_forwards=share)
    state, _ = update(replicate(initial, mesh), replicate(dataset.arrays("train"), mesh))
    moved.append(jax.tree.map(np.subtract, jax.device_get(state.params), initial.params))
  assert_equal_to_float32_resolution(*moved)


def changed(before, after) -> bool:
  return any(not np.array_equal(a, b) for a, b in zip(jax.tree.leaves(before), jax.tree.leaves(after)))


@pytest.mark.parametrize("config_name", ["tiny_veegan", "tiny_gan", "tiny_alpha_gan", "tiny_ali",
                                         "tiny_bigan", "tiny_age", "tiny_wgan_gp",
                                         "tiny_unrolled_gan"])
def test_each_phase_changes_only_its_own_networks(config_name, request):
  config = request.getfixturevalue(config_name)
  mesh = data_mesh(jax.devices()[:1])
  method, dataset, optimizers = train.build(config)
  initial = jax.device_get(train.init_state(method, optimizers, config.seed))
  for phase in method.phases:
    alone = dataclasses.replace(method, phases=(phase,))
    update = train.make_update(alone, optimizers, dataset, mesh, config.train.batch_size, 1)
    state, _ = update(replicate(initial, mesh), {})
    for name in method.networks:
      assert changed(initial.params[name], state.params[name]) == (name in phase.updates), (phase.name, name)
      assert changed(initial.opt_state[name], state.opt_state[name]) == (name in phase.updates)


def test_resumed_run_ends_with_the_uninterrupted_parameters(tiny_veegan, tmp_path):
  config = tiny_veegan
  config.train.update(steps=600, steps_per_call=100, log_every=200)
  config.eval.every = 300
  config.checkpoint.every = 200
  train.train_and_evaluate(config, str(tmp_path / "uninterrupted"))
  # The run as if killed after its step-200 checkpoint (a shorter train.steps would be another
  # run: the learning-rate schedules span train.steps).
  shutil.copytree(tmp_path / "uninterrupted", tmp_path / "resumed")
  for name in ("400", "600"):
    shutil.rmtree(tmp_path / "resumed" / "checkpoints" / name)
  os.remove(tmp_path / "resumed" / "results.json")
  train.train_and_evaluate(config, str(tmp_path / "resumed"))

  *_, make_state = build(config)
  finals = [Checkpointer(str(tmp_path / run / "checkpoints"), 3).restore(make_state())
            for run in ("uninterrupted", "resumed")]
  assert int(finals[0].step) == int(finals[1].step) == 600
  assert_trees_close(finals[0].params, finals[1].params, rtol=0, atol=0)
  assert_trees_close(finals[0].opt_state, finals[1].opt_state, rtol=0, atol=0)


@pytest.mark.parametrize("config_name", ["tiny_veegan", "tiny_gan", "tiny_alpha_gan", "tiny_ali",
                                         "tiny_bigan", "tiny_age", "tiny_wgan_gp",
                                         "tiny_unrolled_gan", "tiny_pacgan"])
def test_gradients_are_the_global_batch_gradient_on_any_device_count(request, config_name, float64):
  """Plain SGD, unlike Adam (invariant to a gradient's scale), moves by the gradient's scale:
  1 and 4 devices must move alike (a gradient scaled by the device count would be 300% off),
  and the metrics, global-batch values, must agree. Two calls of two iterations: AGE's losses
  hold batch statistics (the codes' Gaussian fit), and Unrolled GAN unrolls the
  discriminator's own optimizer. The updates are computed in float64 (tests/conftest.py
  `float64`), where 1 and 4 devices differ only in the order of their reductions (~1e-15 of a
  leaf), and must agree to float32's resolution. The image configs and the classifier:
  tests/test_image_configs.py."""
  assert jax.device_count() >= 4, "run the tests with JAX_NUM_CPU_DEVICES=4"
  config = request.getfixturevalue(config_name)
  config.model.compute_dtype = "float64"
  steps_per_call, calls = 2, 2
  for name in config.optimizer:
    config.optimizer[name] = dict(name="sgd", learning_rate=1e-2, momentum=None)
  method, dataset, optimizers = train.build(config)
  initial = float64(jax.device_get(train.init_state(method, optimizers, config.seed)))
  moves, metrics = [], []
  for devices in (jax.devices()[:1], jax.devices()[:4]):
    mesh = data_mesh(devices)
    update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                               steps_per_call)
    state = replicate(initial, mesh)
    for _ in range(calls):
      state, call_metrics = update(state, {})
    moves.append(jax.tree.map(np.subtract, jax.device_get(state.params), initial.params))
    metrics.append(jax.device_get(call_metrics))
  ones, fours = jax.tree.leaves(moves[0]), jax.tree.leaves(moves[1])
  # Every leaf moves but WGAN-GP's critic output bias, which no term of its losses sees.
  assert sum(np.linalg.norm(one) > 1e-4 for one in ones) >= len(ones) - 1
  for one, four in zip(ones, fours):
    assert one.dtype == np.float64
    assert np.linalg.norm(four - one) <= np.finfo(np.float32).eps * np.linalg.norm(one)
  assert_equal_to_float32_resolution(metrics[1], metrics[0])


def test_the_same_config_and_seed_run_twice_are_bitwise_identical(tiny_gan, tmp_path):
  """Determinism on one machine and device count: metrics, results and every bit of the final
  state (parameters, optimizer states, key) are equal (docs/workdir.md, Determinism)."""
  config = tiny_gan
  config.train.update(steps=200, steps_per_call=50, log_every=50)
  config.eval.every = config.checkpoint.every = 100
  for run in ("first", "second"):
    train.train_and_evaluate(config, str(tmp_path / run))
  for name in ("metrics.jsonl", "results.json"):
    assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
  *_, make_state = build(config)
  finals = [Checkpointer(str(tmp_path / run / "checkpoints"), 3).restore(make_state())
            for run in ("first", "second")]
  assert int(finals[0].step) == 200 and digest(finals[0]) == digest(finals[1])


def test_compiler_options_reach_the_update_program(tiny_gan, float64):
  """`make_update`'s compiler_options are the XLA options of its program: an option XLA does not
  have fails its compilation, naming it, and the optimisation level (which this suite sets to 0
  through XLA_FLAGS) given as 2 changes an iteration's update only in its rounding (float64 here:
  to float32's resolution of each parameter's move)."""
  tiny_gan.model.compute_dtype = "float64"
  method, dataset, optimizers = train.build(tiny_gan)
  mesh = data_mesh(jax.devices()[:1])
  data = replicate(dataset.arrays("train"), mesh)
  initial = float64(jax.device_get(train.init_state(method, optimizers, tiny_gan.seed)))

  def moves(options):
    update = train.make_update(method, optimizers, dataset, mesh, tiny_gan.train.batch_size, 1,
                               compiler_options=options)
    state, _ = update(replicate(initial, mesh), data)
    return jax.tree.map(np.subtract, jax.device_get(state.params), initial.params)

  with pytest.raises(Exception, match="xla_no_such_option"):
    moves({"xla_no_such_option": True})
  assert_equal_to_float32_resolution(moves({"xla_backend_optimization_level": 2}), moves(None))
