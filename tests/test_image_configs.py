"""Every image config trains: one short call with tiny widths, from real tfds datasets prepared
in a temp dir (and scikit-learn's digits), on 4 simulated devices; the configs of
`ONE_AGAINST_FOUR` also on 1 device, which must move the parameters alike under plain SGD (a
gradient's scale shows there; Adam would hide it) and reach the same BatchNorm statistics,
computed in float64 so that "alike" is float32's resolution on any CPU. A config that streams
from the host (celeb_a) is fed by `HostStream`. Compiling conv nets dominates this file's
time (~10 s a compile, 2-core CPU)."""

import importlib

import jax
import ml_collections
import numpy as np
import pytest

from aegan import train
from aegan.data.streaming import HostStream
from aegan.parallel import data_mesh, replicate
from tests.datasets import prepare
from tests.precision import FLOAT32_EPS, assert_equal_to_float32_resolution

IMAGE_CONFIGS = [
    # One config per method and network family, each on its own kind of data: 32x32 tfds
    # (cifar10), 28x28 stacked from tfds mnist, the offline 5k sets, 64x64 streamed (celeb_a).
    # The other combinations (the older one-file configs veegan_stacked_mnist.py, ... are
    # exactly configs/<method>_images.py:<set>) trace their whole update on 4 devices in
    # tests/test_image_baseline_configs.py: compiling is what costs here (~15 s a config).
    "veegan_cifar", "alpha_gan_cifar", "dcgan_stacked_mnist", "alpha_gan_celeba",
    "classifier_mnist",  # (classifier_digits: tests/evaluation/test_classifier.py)
    "ali_images:cifar10", "unrolled_gan_images:stacked_mnist5k", "wgan_gp_images:color_mnist5k",
    "age_images:color_mnist5k",
    # The Stacked-MNIST protocols' networks (configs/stacked_m.py, stacked_v.py: kernel sizes,
    # the 4 -> 7 step, BN on D's first layer) as a GAN's, a reconstructor and joint
    # discriminator, an encoder and code discriminator; the other rows are these methods'
    # (tests/test_stacked_configs.py validates every row on 1 and 4 devices).
    "stacked_m:dcgan,quarter", "stacked_m:veegan,quarter", "stacked_m:alpha_gan,quarter",
    "stacked_v:dcgan",
]
# Trained on 1 device as well: every network family's cross-device BatchNorm and gradient mean
# once (the DCGAN pair, the joint discriminator with its reconstructor, the encoder with its
# code discriminator, BatchNorm on a discriminator's first layer, the host-streamed input);
# the 1-against-4 equality is the data-parallel step's (aegan/parallel.py), not a config's.
ONE_AGAINST_FOUR = ("veegan_cifar", "alpha_gan_cifar", "dcgan_stacked_mnist", "alpha_gan_celeba",
                    "stacked_m:dcgan,quarter")


@pytest.fixture(scope="session")
def image_data_dir(tmp_path_factory) -> str:
  """cifar10, mnist and celeb_a, a few random images each, prepared by real tfds builders."""
  rng = np.random.default_rng(0)
  data_dir = str(tmp_path_factory.mktemp("tfds"))
  images = lambda n, shape: rng.integers(0, 256, (n,) + shape, np.uint8)
  prepare(data_dir, "cifar10", "3.0.2", {"train": (images(16, (32, 32, 3)), np.arange(16) % 10),
                                         "test": (images(8, (32, 32, 3)), np.arange(8))}, False)
  prepare(data_dir, "mnist", "3.0.1", {"train": (images(20, (28, 28, 1)), np.arange(20) % 10),
                                       "test": (images(10, (28, 28, 1)), np.arange(10))}, False)
  prepare(data_dir, "celeb_a", "2.1.0", {"train": (images(4, (218, 178, 3)), None),
                                         "test": (images(2, (218, 178, 3)), None)}, False)
  return data_dir


def tiny_images(config: ml_collections.ConfigDict, data_dir: str) -> ml_collections.ConfigDict:
  """`config` with 4-channel conv nets, 16-unit MLPs, a 4-D latent and a batch of 8."""
  config.model.latent_dim = 4
  for network in config.model.values():
    if isinstance(network, ml_collections.ConfigDict):
      if network.get("kind") == "conv":
        network.width = 4
        for field in ("z_hidden", "head_hidden"):
          if field in network:
            network[field] = (8,)
      else:
        network.hidden = (16,)
  if "data_dir" in config.data:
    config.data.data_dir = data_dir
  if "num_train" in config.data:
    config.data.update(num_train=64, num_test=16)
  config.train.update(steps=2, batch_size=8, steps_per_call=1, log_every=1)
  config.eval.update(every=2, num_samples=8, batch_size=4)
  config.checkpoint.every = 2
  return config


@pytest.mark.parametrize("name", IMAGE_CONFIGS)
def test_image_config_trains(name, image_data_dir, float64):
  """In float64 (tests/conftest.py `float64`): the 1- and 4-device updates (`ONE_AGAINST_FOUR`)
  differ only in the order of their reductions, ~1e-15 of each leaf there, and must agree to
  float32's resolution."""
  module, _, data = name.partition(":")  # "ali_images:cifar10": get_config("cifar10").
  config = importlib.import_module(f"configs.{module}").get_config(*[data] if data else [])
  config = tiny_images(config, image_data_dir)
  config.model.compute_dtype = "float64"
  for network in config.optimizer:  # SGD moves by the gradient's scale, which Adam hides.
    config.optimizer[network] = dict(name="sgd", learning_rate=1e-2, momentum=None)
  method, dataset, optimizers = train.build(config)
  initial = float64(jax.device_get(train.init_state(method, optimizers, config.seed)))
  finals = []
  device_counts = (1, 4) if name in ONE_AGAINST_FOUR else (4,)
  for devices in (jax.devices()[:count] for count in device_counts):
    mesh = data_mesh(devices)
    streamed = config.train.data_placement == "host"
    update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size, 2,
                               streamed)
    if streamed:
      data = HostStream(dataset.records("train"), dataset.example_shape, mesh, config.seed,
                        config.train.batch_size, train.draws_per_iteration(method), 2).read(0)
    else:
      data = replicate(dataset.arrays("train"), mesh)
    state, metrics = update(replicate(initial, mesh), data)
    assert all(np.isfinite(float(v)) for v in metrics.values()), metrics
    finals.append(jax.device_get((state.params, state.batch_stats)))
  if len(finals) == 2:
    # Each parameter moves alike on 1 and 4 devices (a gradient scaled by the device count
    # would move it 300% further), and the BatchNorm statistics agree.
    moves = [jax.tree.map(np.subtract, params, initial.params) for params, _ in finals]
    assert_equal_to_float32_resolution(moves[1], moves[0])
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=FLOAT32_EPS),
                 finals[0][1], finals[1][1])
  moved = [not np.array_equal(a, b) for a, b in
           zip(jax.tree.leaves(initial.params), jax.tree.leaves(finals[0][0]))]
  assert sum(moved) > len(moved) // 2
  if jax.tree.leaves(initial.batch_stats):  # BatchNorm running averages were updated.
    assert any(not np.array_equal(a, b) for a, b in
               zip(jax.tree.leaves(initial.batch_stats), jax.tree.leaves(finals[0][1])))
