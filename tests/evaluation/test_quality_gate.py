"""The quality gate beside the stacked mode counts: its rule and pieces by hand, and with a
trained digit classifier (shared with test_classifier.py) noise fails it where real stacks
pass, though the classifier labels the noise into hundreds of modes."""

import ml_collections
import numpy as np
import pytest

from aegan.configuration import ConfigError
from aegan.data.digits import stacked_digits
from aegan.evaluation import quality_gate
from aegan.evaluation.classifier import TrainedClassifier
from aegan.evaluation.feature_metrics import frechet_inception_distance
from aegan.evaluation.quality_gate import QualityGate, shuffle_pixels
from aegan.evaluation.sample_quality import reference_images

SIZE = 500  # Stacks a set: the first 1,000 of the 5,000 test stacks are the real sets.


def section(gate_samples) -> ml_collections.ConfigDict:
  return ml_collections.ConfigDict({"gate_samples": gate_samples})


def test_shuffled_pixels_keep_each_channels_intensities_and_lose_their_layout():
  images = np.random.default_rng(0).integers(0, 256, (4, 5, 6, 3), np.uint8)
  shuffled = shuffle_pixels(images)
  assert shuffled.shape == images.shape and shuffled.dtype == np.uint8
  for image, moved in zip(images, shuffled):
    for channel in range(3):
      np.testing.assert_array_equal(np.sort(image[..., channel], None),
                                    np.sort(moved[..., channel], None))
  assert np.mean(shuffled == images) < 0.1  # 1/30 of the pixels stay where they were.
  # Each channel has an order of its own: the R, G, B triple of a pixel does not move together.
  assert not np.array_equal(np.argsort(shuffled[0, ..., 0], None), np.argsort(shuffled[0, ..., 1], None))
  np.testing.assert_array_equal(shuffle_pixels(images), shuffled)  # Seed 0, the same every time.


def test_the_rule_is_the_midpoint_of_real_and_shuffled():
  assert quality_gate.threshold(300.0, 50_000.0) == 25_150.0
  assert quality_gate.passes(25_149.0, 300.0, 50_000.0)
  assert not quality_gate.passes(25_150.0, 300.0, 50_000.0)  # As close to shuffled as to real.
  assert not quality_gate.passes(60_000.0, 300.0, 50_000.0)


def test_the_gate_size_is_at_most_the_samples_and_half_the_test_split():
  assert quality_gate.gate_size(5_000, 26_000, 10_000) == 5_000
  assert quality_gate.gate_size(5_000, 26_000, 5_000) == 2_500
  assert quality_gate.gate_size(5_000, 512, 10_000) == 512


def test_the_table_shows_the_gate_beside_the_mode_counts():
  measures = (("modes", "eval/modes", 1, 1), ("KL", "eval/mode_kl", 1, 2),
              ("IvOM", "eval/ivom", 1, 4))
  assert quality_gate.with_gate_measure(measures) == (*measures[:2], quality_gate.MEASURE,
                                                      measures[2])
  assert quality_gate.with_gate_measure(measures[2:]) == measures[2:]
  # Three seeds of which two failed: eval/gate_passed is their mean, 1/3.
  gate = {"eval/gate_fid_real": 300.4, "eval/gate_fid_shuffled": 50_000.0, "eval/gate_samples": 5_000.0}
  rows = {"dcgan": {**gate, "eval/gate_passed": 1.0}, "veegan": {**gate, "eval/gate_passed": 1 / 3},
          "cifar_row": {"eval/ivom": 0.1}}
  assert [quality_gate.failing_seeds(results, 3) for results in rows.values()] == [0, 2, 0]
  assert quality_gate.table_notes(rows, 3) == [
      "gate FID: the samples' FID on the classifier's features to 5,000 real test stacks; real "
      "against other real stacks 300, against pixel-shuffled ones 50000: samples above 25150 "
      f"fail the quality gate ({quality_gate.DOCS}).",
      "† samples failing the quality gate: veegan 2 of 3 seeds; their mode counts are counts of "
      "noise, not coverage."]
  assert len(quality_gate.table_notes({"dcgan": rows["dcgan"]}, 3)) == 1  # None fails.
  assert quality_gate.table_notes({"cifar_row": rows["cifar_row"]}, 3) == []


@pytest.fixture(scope="module")
def gate_and_classifier(classifier_run):
  classifier = TrainedClassifier(classifier_run[0])
  return QualityGate(section(SIZE), classifier, stacked_digits(), 26_000), classifier


def test_the_gate_numbers_are_the_fids_of_its_sets(gate_and_classifier):
  gate, classifier = gate_and_classifier
  real = reference_images(stacked_digits(), "test", 2 * SIZE)
  features = {name: classifier(images)[0] for name, images in
              (("reference", real[:SIZE]), ("other", real[SIZE:]),
               ("shuffled", shuffle_pixels(real[SIZE:])))}
  samples = np.random.default_rng(1).integers(0, 256, (SIZE + 5, 16, 16, 3), np.uint8)
  sample_features, probabilities = classifier.channel_outputs(samples)
  metrics = gate(sample_features, probabilities)  # The first SIZE of them.
  assert metrics["eval/gate_samples"] == SIZE
  for name, measured in (("eval/gate_fid", classifier(samples[:SIZE])[0]),
                         ("eval/gate_fid_real", features["other"]),
                         ("eval/gate_fid_shuffled", features["shuffled"])):
    assert metrics[name] == pytest.approx(
        frechet_inception_distance(measured, features["reference"]), rel=1e-6), name
  assert metrics["eval/gate_confidence"] == pytest.approx(
      np.mean(np.max(probabilities[:SIZE], -1)), rel=1e-6)


def test_noise_fails_the_gate_and_real_stacks_pass(gate_and_classifier):
  gate, classifier = gate_and_classifier
  rng = np.random.default_rng(0)
  coloured_blocks = rng.integers(0, 256, (SIZE, 4, 4, 3), np.uint8).repeat(4, 1).repeat(4, 2)
  sets = {"training stacks": (reference_images(stacked_digits(), "train", SIZE), 1.0),
          "uniform noise": (rng.integers(0, 256, (SIZE, 16, 16, 3), np.uint8), 0.0),
          "coloured 4x4 blocks": (coloured_blocks, 0.0)}
  measured = {}
  for name, (images, passed) in sets.items():
    features, probabilities = classifier.channel_outputs(images)
    measured[name] = {**gate(features, probabilities),
                      **classifier.counted_modes(probabilities, confidence=0.9)}
    assert measured[name]["eval/gate_passed"] == passed, (name, measured[name])
  real, shuffled = (measured["uniform noise"][f"eval/gate_fid_{name}"] for name in ("real", "shuffled"))
  assert 0 < real < shuffled / 10, (real, shuffled)
  # The classifier spreads the noise over modes too (measured: 283 and 258 modes of 500 noise
  # images, 398 of 500 training stacks), which is why the counts need the gate; its FIDs:
  # training stacks 414, blocks 6,190, uniform noise 12,537; the references 194 and 6,919.
  for noise in ("coloured 4x4 blocks", "uniform noise"):
    assert measured[noise]["eval/modes"] > measured["training stacks"]["eval/modes"] / 2, measured
  # Confidence does not tell noise from digits: the classifier is surer of the coloured blocks
  # (0.856) than of real stacks with their pixels shuffled (0.774).
  blocks = measured["coloured 4x4 blocks"]
  assert blocks["eval/gate_confidence"] > blocks["eval/gate_confidence_shuffled"], blocks


def test_a_cached_gate_reference_is_read_back_without_the_classifier(gate_and_classifier, tmp_path):
  gate, classifier = gate_and_classifier
  samples = np.random.default_rng(2).integers(0, 256, (SIZE, 16, 16, 3), np.uint8)
  features, probabilities = classifier.channel_outputs(samples)
  prefix = str(tmp_path / "stacked_digits-key")
  first = QualityGate(section(SIZE), classifier, stacked_digits(), 26_000, prefix)
  metrics = first(features, probabilities)
  assert metrics == gate(features, probabilities)  # The uncached gate's numbers, exactly.
  assert sorted(p.name for p in tmp_path.iterdir()) == [
      f"stacked_digits-key_gate_{classifier.name}_{SIZE}.npz"]

  class WeightsOnly:  # The same classifier by name; reading the real stacks again would fail.
    name = classifier.name

    def channel_outputs(self, images):
      raise AssertionError(f"the reference was recomputed from {len(images)} stacks")

  second = QualityGate(section(SIZE), WeightsOnly(), stacked_digits(), 26_000, prefix)
  assert second(features, probabilities) == metrics


@pytest.mark.parametrize("value, message", [
    (-1, "must be a non-negative integer, got -1"),
    (True, "must be a non-negative integer, got True"),
    (2.5, "must be a non-negative integer, got 2.5"),
])
def test_a_bad_gate_size_is_one_line(value, message):
  with pytest.raises(ConfigError, match=f"^config.eval.classifier.gate_samples {message}$"):
    QualityGate(section(value), None, stacked_digits(), 26_000)


def test_too_few_samples_for_the_gate_is_one_line():
  with pytest.raises(ConfigError, match=r"^config.eval.classifier.gate_samples=5000: the gate "
                                        r"compares at least 2 stacks a set, and 1 samples with "
                                        r"5000 test stacks leave 1$"):
    QualityGate(section(5_000), None, stacked_digits(), 1)
