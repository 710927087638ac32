"""The one-file-per-method image configs (`configs/<method>_images.py:<set>`, configs/images.py):
every method on every set of its paper's comparison validates, builds its networks for the
set's shape and traces its whole update on 4 devices (not compiled); one set per new method trains on 1 and 4 devices in
tests/test_image_configs.py (compiling is what costs); the combinations that are older config
files are exactly those files; the hyper-parameters the docstrings derive are the configs';
launch/main.py runs a config with its argument into runs/<stem>_<set>; and launch/score.py scores
the offline sets by those configs' protocols."""

import argparse
import importlib
import importlib.util
import os
import subprocess
import sys

import jax
import pytest
from jax.sharding import NamedSharding

from aegan import configuration, train
from aegan.experiment import build, init_state
from aegan.data.streaming import SHARDING_SPEC
from aegan.parallel import data_mesh
from configs import images
from tests.test_image_configs import image_data_dir, tiny_images  # pylint: disable=unused-import

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHOD_SETS = {"dcgan": images.STACKED_SETS + images.COLOUR_SETS[:3],
               "veegan": images.STACKED_SETS, "ali": images.STACKED_SETS,
               "unrolled_gan": images.STACKED_SETS, "alpha_gan": images.COLOUR_SETS,
               "wgan_gp": images.COLOUR_SETS, "age": images.COLOUR_SETS}
METHOD_NAMES = {"dcgan": "gan"}


def config_of(method: str, data: str):
  return importlib.import_module(f"configs.{method}_images").get_config(data)


def test_every_method_builds_on_every_set_of_its_comparison(image_data_dir):
  for method, sets in METHOD_SETS.items():
    for data in sets:
      config = tiny_images(config_of(method, data), image_data_dir)
      assert config.method == METHOD_NAMES.get(method, method) and config.data.name == data
      configuration.validate(config, 4)
      built, dataset, optimizers = build(config)
      state = jax.eval_shape(lambda built=built, optimizers=optimizers, config=config:
                             init_state(built, optimizers, config.seed))
      assert state.params.keys() == optimizers.keys() == built.networks.keys()
      # The whole update (every phase's loss and gradient) traced for 4 devices, not compiled.
      streamed = config.train.data_placement == "host"
      mesh = data_mesh(jax.devices()[:4])
      update = train.make_update(built, optimizers, dataset, mesh, config.train.batch_size, 1,
                                 streamed)
      if streamed:  # One call's images as HostStream places them, split over the devices.
        arrays = {"images": jax.ShapeDtypeStruct(
            (1, train.draws_per_iteration(built), config.train.batch_size,
             *dataset.example_shape), "uint8", sharding=NamedSharding(mesh, SHARDING_SPEC))}
      else:
        arrays = jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype),
                              dataset.arrays("train"))
      _, metrics = jax.eval_shape(update.jitted, state, arrays)
      assert metrics and all(m.shape == () for m in metrics.values())
      assert dataset.example_shape == images.EXAMPLE_SHAPES[data]
      assert ("classifier" in config.eval) == data.startswith("stacked_")
      assert (config.train.data_placement == "host") == (data == "celeb_a")


@pytest.mark.parametrize("data, channels", [(None, 1), ("mnist5k", 1), ("color_mnist5k", 3)])
def test_the_mnist5k_classifiers_build_on_the_offline_digits(data, channels):
  classifier = importlib.import_module("configs.classifier_mnist5k")
  config = classifier.get_config(*[data] if data else [])
  assert config.data.name == (data or "mnist5k")
  configuration.validate(config, 4)
  built, dataset, optimizers = build(config)
  state = jax.eval_shape(lambda: init_state(built, optimizers, config.seed))
  assert dataset.example_shape == (28, 28, channels) and dataset.num_modes == 10
  assert state.params["classifier"]["Dense_1"]["kernel"].shape == (128, 10)
  with pytest.raises(ValueError, match="unknown set 'stacked_mnist5k'"):
    classifier.get_config("stacked_mnist5k")


@pytest.mark.parametrize("name, existing", [
    ("dcgan_images:cifar10", "dcgan_cifar"), ("dcgan_images:stacked_mnist", "dcgan_stacked_mnist"),
    ("veegan_images:cifar10", "veegan_cifar"),
    ("veegan_images:stacked_mnist", "veegan_stacked_mnist"),
    ("alpha_gan_images:cifar10", "alpha_gan_cifar"),
    ("alpha_gan_images:color_mnist", "alpha_gan_color_mnist"),
    ("alpha_gan_images:celeb_a", "alpha_gan_celeba")])
def test_a_method_and_set_with_its_own_file_is_that_file(name, existing):
  method, data = name.split("_images:")
  assert (config_of(method, data).to_dict()
          == importlib.import_module(f"configs.{existing}").get_config().to_dict())


def test_the_baselines_hyper_parameters():
  wgan_gp = config_of("wgan_gp", "cifar10")
  assert wgan_gp.model.discriminator.batch_norm is False and wgan_gp.model.generator.batch_norm
  assert wgan_gp.loss.to_dict() == {"gradient_penalty": 10.0, "critic_updates": 5}
  for network in ("generator", "discriminator"):
    optimizer = wgan_gp.optimizer[network]
    assert (optimizer.learning_rate, optimizer.b1, optimizer.b2, optimizer.schedule) == (
        1e-4, 0.0, 0.9, "constant")
  assert config_of("unrolled_gan", "stacked_mnist5k").loss.unrolling_steps == 5
  # AGE: λ = 10·M/D: 10·128/3,072 on CIFAR-10, 10·128/2,352 on ColorMNIST, 10·64/12,288 on
  # CelebA.
  for data, weight, latent_dim, generator_updates in (("cifar10", 0.4166667, 128, 2),
                                                      ("color_mnist5k", 0.5442177, 128, 2),
                                                      ("celeb_a", 0.0520833, 64, 3)):
    age = config_of("age", data)
    assert age.loss.reconstruction_weight == pytest.approx(weight, rel=1e-6)
    assert age.loss.latent_reconstruction_weight == 500
    assert (age.model.latent_dim, age.loss.generator_updates) == (latent_dim, generator_updates)
  ali = config_of("ali", "stacked_mnist5k")
  assert "generator_noise_dim" not in ali.model and ali.model.encoder.kind == "conv"


def test_a_set_outside_the_comparison_is_refused():
  with pytest.raises(ValueError, match=r"unknown image set 'celeb_a' for this config: choose one "
                     r"of \['stacked_mnist', 'stacked_mnist5k', 'cifar10'\]"):
    config_of("ali", "celeb_a")


def test_main_names_the_default_workdir_after_the_config_and_its_set():
  result = subprocess.run([sys.executable, os.path.join(REPO, "launch", "main.py"),
                           "--config=configs/ali_images.py:stacked_mnist5k", "--mode=eval"],
                          cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
  assert result.returncode == 2
  assert result.stderr.strip() == (
      "error: runs/ali_images_stacked_mnist5k holds no run (no config.json): train it first, or "
      "name its workdir with --workdir")


def test_score_scores_the_offline_sets_by_their_configs_protocols():
  spec = importlib.util.spec_from_file_location("score", os.path.join(REPO, "launch", "score.py"))
  score = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(score)
  for data, method in (("stacked_mnist5k", "veegan"), ("color_mnist5k", "alpha_gan")):
    config, named = score.protocol_config(argparse.Namespace(run=None, data=data))
    assert (config.data.name, config.method) == (data, method)
    assert named == f"configs/{method}_images.py:{data}"
    assert config.eval.to_dict() == config_of(method, data).eval.to_dict()
