"""The codebase's own classifier as an evaluation network: trained by `train_and_evaluate` on
the digits, restored from its workdir, it labels real stacked digits with their true triples,
and a stacked run's evaluation counts modes with it."""

import json
import os
import shutil

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan import train
from aegan.configuration import ConfigError
from aegan.data.digits import stacked_digits
from aegan.evaluation.classifier import TrainedClassifier
from aegan.evaluation.evaluator import classification_metrics, quantise
from aegan.evaluation.stacked import triple_modes
from configs import classifier_digits, dcgan_stacked_digits
from tests.conftest import tiny
from tests.precision import assert_equal_to_float32_resolution


def test_classification_metrics_by_hand():
  logits = np.array([[2.0, 0.0], [0.0, 1.0], [3.0, 1.0]])
  metrics = classification_metrics(logits, np.array([0, 0, 0]))
  assert metrics["eval/accuracy"] == pytest.approx(2 / 3)
  expected = np.mean([np.log(1 + np.exp(-2.0)), np.log(1 + np.exp(1.0)), np.log(1 + np.exp(-2.0))])
  assert metrics["eval/cross_entropy"] == pytest.approx(expected)


def test_the_classifier_labels_real_stacks_with_their_triples(classifier_run):
  workdir, results = classifier_run
  # It makes no samples: no samples/ (which held only an empty final.npz), and the run's last
  # line names its results and curves alone.
  assert not os.path.exists(os.path.join(workdir, "samples"))
  assert train._where_results_are(classifier_digits.get_config(), workdir) == (  # pylint: disable=protected-access
      f"results in {workdir}/results.json, curves: tensorboard --logdir {workdir}")
  assert results["eval/accuracy"] > 0.85  # The digits are easy: 92% at the config's 1,500 steps.
  classifier = TrainedClassifier(workdir)
  assert classifier.accuracy == results["eval/accuracy"]
  dataset = stacked_digits()
  arrays = jax.tree.map(jnp.asarray, dataset.arrays("test"))
  images, labels = jax.vmap(dataset.sample_labelled, (None, 0))(arrays, jax.random.split(jax.random.PRNGKey(0), 3_000))
  probabilities = classifier.channel_probabilities(quantise(images))
  assert probabilities.shape == (3_000, 3, 10)
  np.testing.assert_allclose(probabilities.sum(-1), 1.0, rtol=1e-5)
  predicted = triple_modes(jnp.asarray(probabilities.argmax(-1)))
  # A triple is right when all three channels are: about accuracy³ of them.
  assert np.mean(predicted == labels) > results["eval/accuracy"] ** 3 - 0.05
  metrics = classifier.mode_metrics(quantise(images), confidence=0.9)
  true_modes = len(np.unique(labels))
  assert abs(metrics["eval/modes"] - true_modes) <= 0.05 * true_modes
  assert 0 < metrics["eval/confident_fraction"] <= 1
  assert metrics["eval/confident_modes"] <= metrics["eval/modes"]


def test_a_stacked_run_counts_its_modes_with_the_named_classifier(classifier_run, tmp_path):
  workdir, results = classifier_run
  config = tiny(dcgan_stacked_digits.get_config(), steps=2, steps_per_call=1)
  config.model.generator.width = config.model.discriminator.width = 8
  config.eval.update(num_samples=512, ms_ssim_pairs=0)
  del config.eval["critic"], config.eval["ivom"]
  config.eval.classifier.workdir = workdir
  # The same classifier's features for FID, KID, IS and precision/recall.
  config.eval.features.update(workdir=workdir, num_samples=512, num_real=512, kid_subset_size=256)
  metrics = train.train_and_evaluate(config, str(tmp_path))
  # The counts are the named classifier's on the saved final samples.
  samples = np.load(tmp_path / "samples" / "final.npz")["x"]
  recount = TrainedClassifier(workdir).mode_metrics(samples, confidence=0.9)
  for name in ("eval/modes", "eval/confident_modes", "eval/confident_fraction"):
    assert metrics[name] == pytest.approx(recount[name]), name
  assert metrics["eval/classifier_accuracy"] == results["eval/accuracy"]
  saved = json.load(open(tmp_path / "results.json"))
  assert saved["eval/modes"] == metrics["eval/modes"]
  # Two iterations of training make noise, far from the real stacks.
  assert metrics["eval/fid"] > 1.0 and metrics["eval/kid"] > 0
  assert metrics["eval/inception_score_real"] > 10 * metrics["eval/inception_score"]
  # No noise image lies in the real stacks' k-NN balls, nor a real stack in the noise's: 0.0, 0.0.
  assert metrics["eval/precision"] < 0.1 and metrics["eval/recall"] < 0.1, metrics
  # And the noise fails the quality gate beside the counts (512 samples: 512 stacks a set).
  assert metrics["eval/gate_samples"] == 512 and metrics["eval/gate_passed"] == 0.0, metrics
  assert metrics["eval/gate_fid"] >= (metrics["eval/gate_fid_real"]
                                      + metrics["eval/gate_fid_shuffled"]) / 2
  assert saved["eval/gate_passed"] == 0.0
  assert saved["feature_network"]["network"].startswith(f"classifier of {workdir} (step 300, ")
  assert saved["feature_network"]["resize"].startswith("none")


def test_the_classifier_features_of_a_stack_are_its_channels_features(classifier_run, tmp_path,
                                                                     float64):
  """A stack's 18 channel images against each channel's 6 alone: other rows of the padded
  batch, which the convolutions may group otherwise. The run's copy computing in float64
  (tests/conftest.py `float64`; the float32 parameters exact in it): equal to float32's
  resolution (tests/precision.py)."""
  workdir = str(tmp_path / "classifier")
  shutil.copytree(classifier_run[0], workdir)
  config = json.load(open(os.path.join(workdir, "config.json")))
  config["model"]["compute_dtype"] = "float64"
  json.dump(config, open(os.path.join(workdir, "config.json"), "w"))
  classifier = TrainedClassifier(workdir)
  images = np.random.default_rng(0).integers(0, 256, (6, 16, 16, 3), np.uint8)
  features, joint = classifier(images)
  assert features.shape == (6, 3 * 128) and joint.shape == (6, 1000)
  for channel in range(3):
    alone, probabilities = classifier(images[..., channel:channel + 1])
    assert_equal_to_float32_resolution(features[:, 128 * channel:128 * (channel + 1)], alone)
    assert probabilities.shape == (6, 10)
  np.testing.assert_allclose(joint.sum(-1), 1.0, rtol=1e-5)
  labels = classifier.channel_probabilities(images).argmax(-1)
  np.testing.assert_array_equal(joint.argmax(-1), triple_modes(jnp.asarray(labels)))


def test_a_missing_classifier_is_one_line(tmp_path):
  with pytest.raises(ConfigError, match=r"^eval.classifier.workdir=.* holds no finished classifier "
                                        r"run: train one with `python launch/main.py"):
    TrainedClassifier(str(tmp_path))
