"""A classifier trained by the codebase, restored from its run's workdir, as an evaluation
network: per-channel digit labels for Stacked-MNIST mode counting (VEEGAN's protocol).

`python launch/main.py --config=configs/classifier_digits.py` (or classifier_mnist.py) trains
one into `runs/classifier_digits`; an evaluation config names that workdir in
`eval.classifier.workdir`, and every evaluation of a stacked set then labels each channel of
each generated sample (quantised to uint8 first, as an image file would hold it) and reports

    eval/modes, eval/mode_kl            over every sample (the paper's count)
    eval/confident_fraction             samples whose 3 channels all have probability
                                        ≥ eval.classifier.confidence
    eval/confident_modes, eval/confident_mode_kl   over those samples only
    eval/classifier_accuracy            the classifier's own test accuracy (its results.json)

(aegan/evaluation/stacked.py has the counting.)
"""

import json
import os

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from aegan.checkpoint import Checkpointer
from aegan.configuration import ConfigError
from aegan.data.images import to_float
from aegan.evaluation.stacked import confident_labels, stacked_mode_metrics
from aegan.methods import Networks


class ClassifierNotFoundError(ConfigError):
  """The named classifier workdir holds no trained classifier (one line: how to train it)."""


class ChannelClassifier:
  """A trained classifier of single-channel images applied to every channel of stacked ones."""

  def __init__(self, workdir: str, batch_size: int = 2_000):
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
    # The state's structure, to restore into: the classifier method as its run built it.
    from aegan import train  # pylint: disable=import-outside-toplevel  (train imports evaluation)
    method, dataset, optimizers = train.build(config)
    target = train.init_state(method, optimizers, config.seed)
    state = Checkpointer(os.path.join(workdir, "checkpoints"), config.checkpoint.keep).restore(target)
    if state is None:
      raise ClassifierNotFoundError(f"eval.classifier.workdir={workdir} has no checkpoint: {how}")
    self.image_shape = dataset.example_shape
    nets = Networks(method.networks, state.params, state.batch_stats, train=False)
    self._probabilities = jax.jit(lambda x: jax.nn.softmax(nets("classifier", x), -1))
    self._batch_size = batch_size

  def channel_probabilities(self, images: np.ndarray) -> np.ndarray:
    """uint8 [N, H, W, C] -> [N, C, classes]: the class probabilities of each channel."""
    if images.shape[1:3] != self.image_shape[:2]:
      raise ValueError(f"images of {images.shape[1:3]} pixels, the classifier reads "
                       f"{self.image_shape[:2]}")
    channels = np.moveaxis(images, -1, 1).reshape((-1,) + images.shape[1:3] + (1,))
    probabilities = np.concatenate([
        np.asarray(self._probabilities(to_float(jnp.asarray(channels[i:i + self._batch_size]))))
        for i in range(0, len(channels), self._batch_size)])
    return probabilities.reshape(images.shape[0], images.shape[-1], -1)

  def mode_metrics(self, images: np.ndarray, confidence: float) -> dict[str, float]:
    """The stacked mode counts of uint8 samples [N, H, W, 3] (module docstring)."""
    labels, confident = confident_labels(self.channel_probabilities(images), confidence)
    every = stacked_mode_metrics(labels)
    sure = stacked_mode_metrics(labels, confident)
    return {"eval/modes": every["eval/modes"], "eval/mode_kl": every["eval/mode_kl"],
            "eval/confident_fraction": sure["eval/confident_fraction"],
            "eval/confident_modes": sure["eval/modes"], "eval/confident_mode_kl": sure["eval/mode_kl"],
            "eval/classifier_accuracy": self.accuracy}
