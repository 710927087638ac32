"""Host streaming: which records each iteration reads, how they are split over devices, and a
streamed run that is the same on 1 and 4 devices and resumes exactly."""

import os
import shutil

import jax
import ml_collections
import numpy as np
import pytest

from aegan import train
from aegan.checkpoint import Checkpointer
from aegan.configuration import ConfigError
from aegan.data.records import ArrayRecords
from aegan.data.streaming import HostStream, record_indices
from aegan.parallel import data_mesh, replicate
from tests.precision import assert_equal_to_float32_resolution


def numbered_records(n: int) -> ArrayRecords:
  """Image i is filled with i (mod 256) and labelled i: a read's rows say which records they are."""
  images = np.broadcast_to((np.arange(n) % 256).astype(np.uint8)[:, None, None, None], (n, 2, 2, 1))
  return ArrayRecords(np.ascontiguousarray(images), np.arange(n, dtype=np.int32))


def test_record_indices_depend_only_on_seed_and_step():
  indices = record_indices(seed=1, step=5, num_records=100, draws=2, global_batch=8)
  assert indices.shape == (2, 8) and indices.min() >= 0 and indices.max() < 100
  np.testing.assert_array_equal(indices, record_indices(1, 5, 100, 2, 8))
  assert not np.array_equal(indices, record_indices(1, 6, 100, 2, 8))
  assert not np.array_equal(indices, record_indices(2, 5, 100, 2, 8))
  many = record_indices(0, 0, 10, 1, 100_000)  # Uniform: each record about a tenth of the time.
  np.testing.assert_allclose(np.bincount(many[0], minlength=10) / 100_000, 0.1, atol=0.005)


def test_a_read_puts_each_devices_rows_on_that_device():
  records = numbered_records(200)
  mesh = data_mesh(jax.devices()[:4])
  stream = HostStream(records, (2, 2, 1), mesh, seed=3, global_batch=8, draws=2, steps_per_call=3)
  images = stream.read(10)["images"]
  assert images.shape == (3, 2, 8, 2, 2, 1) and images.dtype == np.uint8
  expected = np.stack([records.images[record_indices(3, 10 + i, 200, 2, 8)] for i in range(3)])
  np.testing.assert_array_equal(np.asarray(images), expected)
  for shard in images.addressable_shards:  # Device d holds global examples 2d and 2d + 1.
    assert shard.data.shape == (3, 2, 2, 2, 2, 1)
    np.testing.assert_array_equal(np.asarray(shard.data), expected[shard.index])


def test_a_resumed_iteration_reads_the_same_calls():
  stream = HostStream(numbered_records(50), (2, 2, 1), data_mesh(jax.devices()[:1]), seed=0,
                      global_batch=4, draws=1, steps_per_call=2, prefetch=2)
  whole = [np.asarray(inputs["images"]) for inputs in stream.iterate(0, 10)]
  resumed = [np.asarray(inputs["images"]) for inputs in stream.iterate(4, 10)]
  assert len(whole) == 5 and len(resumed) == 3
  for a, b in zip(whole[2:], resumed):
    np.testing.assert_array_equal(a, b)


def streamed_digits(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """The tiny MLP GAN on 8x8 scikit-learn digits, streamed from the host."""
  config.data = ml_collections.ConfigDict(dict(name="digits", image_size=8))
  config.train.data_placement = "host"
  config.eval.num_samples = 16
  return config


def test_a_streamed_update_is_the_same_on_one_and_four_devices(tiny_gan, float64):
  """Plain SGD (moves by the gradient's scale) in float64 (tests/conftest.py `float64`): 1 and
  4 devices differ only in the order of their reductions, and each parameter moves alike to
  float32's resolution (tests/precision.py); a device reading other rows would not."""
  config = streamed_digits(tiny_gan)
  config.model.compute_dtype = "float64"
  for name in config.optimizer:
    config.optimizer[name] = dict(name="sgd", learning_rate=1e-2, momentum=None)
  method, dataset, optimizers = train.build(config)
  initial = float64(jax.device_get(train.init_state(method, optimizers, config.seed)))
  finals = []
  for devices in (jax.devices()[:1], jax.devices()[:4]):
    mesh = data_mesh(devices)
    stream = HostStream(dataset.records("train"), dataset.example_shape, mesh, config.seed,
                        config.train.batch_size, train.draws_per_iteration(method), 2)
    update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size, 2,
                               streamed=True)
    state = replicate(initial, mesh)
    for inputs in stream.iterate(0, 4):
      state, _ = update(state, inputs)
    finals.append(jax.tree.map(np.subtract, jax.device_get(state.params), initial.params))
  assert_equal_to_float32_resolution(finals[1], finals[0])
  assert all(np.any(move != 0) for move in jax.tree.leaves(finals[0]))


def test_a_streamed_run_resumes_to_the_uninterrupted_parameters(tiny_gan, tmp_path):
  config = streamed_digits(tiny_gan)
  config.train.update(steps=40, steps_per_call=10, log_every=10)
  config.eval.every = config.checkpoint.every = 20
  train.train_and_evaluate(config, str(tmp_path / "uninterrupted"))
  # The run as if killed after its step-20 checkpoint (a shorter train.steps would be another
  # run: the learning-rate schedules span train.steps).
  shutil.copytree(tmp_path / "uninterrupted", tmp_path / "resumed")
  shutil.rmtree(tmp_path / "resumed" / "checkpoints" / "40")
  os.remove(tmp_path / "resumed" / "results.json")
  train.train_and_evaluate(config, str(tmp_path / "resumed"))
  method, _, optimizers = train.build(config)
  initial = train.init_state(method, optimizers, config.seed)
  finals = [Checkpointer(str(tmp_path / run / "checkpoints"), 3).restore(initial)
            for run in ("uninterrupted", "resumed")]
  assert int(finals[0].step) == int(finals[1].step) == 40
  jax.tree.map(np.testing.assert_array_equal, finals[0].params, finals[1].params)


def test_a_set_composed_on_device_cannot_be_streamed(tiny_gan):
  config = tiny_gan
  config.data = ml_collections.ConfigDict(dict(name="stacked_digits", image_size=8))
  config.train.data_placement = "host"
  with pytest.raises(ConfigError, match="train.data_placement=device"):
    train.build(config)
