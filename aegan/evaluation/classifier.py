"""A classifier trained by the codebase, restored from its run's workdir, as an evaluation
network: per-channel digit labels for Stacked-MNIST mode counting (VEEGAN's protocol), and
features and class probabilities for FID, KID and the Inception score (aegan/evaluation/
features.py; the α-GAN paper's "CIFAR-10 net" Inception score is one of these).

`python launch/main.py --config=configs/classifier_digits.py` (or classifier_mnist.py) trains
one into `runs/classifier_digits`; an evaluation config names that workdir in
`eval.classifier.workdir`, and every evaluation of a stacked set then labels each channel of
each generated sample (quantised to uint8 first, as an image file would hold it) and reports

    eval/modes, eval/mode_kl            over every sample (the paper's count)
    eval/confident_fraction             samples whose 3 channels all have probability
                                        ≥ eval.classifier.confidence
    eval/confident_modes, eval/confident_mode_kl   over those samples only (the KL is NaN,
                                        null in results.json, when there are none)
    eval/classifier_accuracy            the classifier's own test accuracy (its results.json)

(aegan/evaluation/stacked.py has the counting), and with `eval.classifier.gate_samples` > 0
the quality gate of the same samples against real test stacks, `eval/gate_*`
(aegan/evaluation/quality_gate.py): a count of noise fails it. A classifier of single-channel images applied
to C-channel ones reads each channel as an image of its own.
"""

import json
import os

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from jax.sharding import Mesh

from aegan.checkpoint import digest
from aegan.configuration import ConfigError
from aegan.data.images import to_float
from aegan.evaluation.features import ShardedApply
from aegan.evaluation.progress import Progress
from aegan.evaluation.stacked import confident_labels, stacked_mode_metrics
from aegan.experiment import restore_read_only
from aegan.parallel import data_mesh


class ClassifierNotFoundError(ConfigError):
  """The named classifier workdir holds no trained classifier (one line: how to train it)."""


def joint_probabilities(channel_probabilities: np.ndarray) -> np.ndarray:
  """[N, C, K] independent per-channel class probabilities -> [N, K^C], the probability of
  each tuple of classes, the first channel's class most significant (for C = 3, K = 10: index
  100·d_R + 10·d_G + d_B, the mode index of aegan/evaluation/stacked.py)."""
  joint = channel_probabilities[:, 0]
  for channel in range(1, channel_probabilities.shape[1]):
    joint = (joint[:, :, None] * channel_probabilities[:, channel, None, :]).reshape(len(joint), -1)
  return joint


class TrainedClassifier:
  """A trained classifier run (config and newest checkpoint), applied in evaluation mode on
  every device of `mesh` (default: all), `batch_size` images per call."""

  def __init__(self, workdir: str, mesh: Mesh | None = None, batch_size: int = 2_000):
    config_path = os.path.join(workdir, "config.json")
    results_path = os.path.join(workdir, "results.json")
    how = ("train one with `python launch/main.py --config=configs/classifier_digits.py` "
           "(or classifier_mnist.py for Stacked-MNIST) and name its workdir")
    if not (os.path.isfile(config_path) and os.path.isfile(results_path)):
      raise ClassifierNotFoundError(
          f"eval.classifier.workdir={workdir} holds no finished classifier run: {how}")
    with open(config_path) as f:
      config = ml_collections.ConfigDict(json.load(f))
    if config.method != "classifier":
      raise ClassifierNotFoundError(
          f"eval.classifier.workdir={workdir} is a {config.method} run, not a classifier: {how}")
    with open(results_path) as f:
      self.accuracy = json.load(f)["eval/accuracy"]
    # Read-only: the classifier's run may be training still.
    run = restore_read_only(config, workdir)
    method, dataset, state = run.method, run.dataset, run.state
    if state is None:
      raise ClassifierNotFoundError(f"eval.classifier.workdir={workdir} has no checkpoint: {how}")
    self.image_shape = dataset.example_shape
    variables = {"params": state.params["classifier"]}
    if state.batch_stats.get("classifier"):
      variables["batch_stats"] = state.batch_stats["classifier"]
    self._module = method.networks["classifier"]
    self.name = f"classifier-{digest(variables)[:12]}"  # Its weights, not its path.
    self.description = (f"classifier of {workdir} (step {int(state.step)}, "
                        f"{100 * self.accuracy:.1f}% test accuracy), last hidden layer")
    self.resize = "none (the classifier's own image size)"
    self._apply = ShardedApply(self._outputs, variables, mesh or data_mesh(), batch_size)

  def _outputs(self, variables, images: jax.Array) -> tuple[jax.Array, jax.Array]:
    """uint8 [B, H, W, c] -> (last hidden layer [B, D], class probabilities [B, K])."""
    logits, state = self._module.apply(variables, to_float(images), train=False,
                                       mutable=["intermediates"])
    features = state["intermediates"]["features"][0]
    return features.reshape(len(features), -1), jax.nn.softmax(logits, -1)

  def channel_outputs(self, images: np.ndarray, progress: Progress | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """uint8 [N, H, W, C] -> (features [N, C', D], probabilities [N, C', K]) with C' = 1 for a
    classifier of C-channel images, and C' = C (each channel read alone) for one of
    single-channel images."""
    height, width, channels = self.image_shape
    if images.shape[1:3] != (height, width) or images.shape[-1] % channels:
      raise ValueError(f"images of shape {images.shape[1:]}, the classifier reads "
                       f"{self.image_shape}")
    if channels == images.shape[-1]:
      groups = images[:, None]
    else:  # Single-channel classifier: every channel an image of its own.
      groups = np.moveaxis(images, -1, 1)[..., None]
    features, probabilities = self._apply(groups.reshape((-1, height, width, channels)),
                                          progress)
    return (features.reshape(len(images), groups.shape[1], -1),
            probabilities.reshape(len(images), groups.shape[1], -1))

  def channel_probabilities(self, images: np.ndarray) -> np.ndarray:
    """uint8 [N, H, W, C] -> [N, C', classes] (`channel_outputs`)."""
    return self.channel_outputs(images)[1]

  def __call__(self, images: np.ndarray, progress: Progress | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """uint8 [N, H, W, C] -> (features [N, C'·D], probabilities [N, K^C']): the channels'
    features side by side and the joint probability of their classes (`joint_probabilities`),
    as a feature network (aegan/evaluation/features.py)."""
    return self.joined(*self.channel_outputs(images, progress))

  @staticmethod
  def joined(features: np.ndarray, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`channel_outputs`' (features [N, C', D], probabilities [N, C', K]) -> this classifier's
    outputs as a feature network (`__call__`): [N, C'·D], [N, K^C']."""
    return features.reshape(len(features), -1), joint_probabilities(probabilities)

  def mode_metrics(self, images: np.ndarray, confidence: float) -> dict[str, float]:
    """The stacked mode counts of uint8 samples [N, H, W, 3] (module docstring)."""
    return self.counted_modes(self.channel_probabilities(images), confidence)

  def counted_modes(self, channel_probabilities: np.ndarray, confidence: float
                    ) -> dict[str, float]:
    """The stacked mode counts (module docstring) of samples whose channels this classifier
    gave `channel_probabilities` [N, 3, 10]."""
    labels, confident = confident_labels(jnp.asarray(channel_probabilities), confidence)
    every = stacked_mode_metrics(labels)
    sure = stacked_mode_metrics(labels, confident)
    return {"eval/modes": every["eval/modes"], "eval/mode_kl": every["eval/mode_kl"],
            "eval/confident_fraction": sure["eval/confident_fraction"],
            "eval/confident_modes": sure["eval/modes"], "eval/confident_mode_kl": sure["eval/mode_kl"],
            "eval/classifier_accuracy": self.accuracy}
