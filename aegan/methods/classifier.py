"""A classifier trained by the codebase itself: the digit classifier that counts modes in
VEEGAN's Stacked-MNIST protocol (Srivastava et al. 2017: a pretrained MNIST classifier labels
each channel), and the in-repo feature network for FID/KID/Inception score on offline data.

Network: classifier C: x -> logits over `config.model.num_classes` classes (a conv encoder for
images, an MLP for vectors; `config.model.classifier`).
One phase per iteration:
    L(C) = -E[log softmax(C(x + σ n))_y],   n ~ N(0, I),
the cross-entropy on labelled draws (x, y) of the training split, with Gaussian input noise of
std σ = `config.loss.input_noise_std` (ours: generated images are never exactly digits, and a
classifier that has seen noisy digits labels them more reliably; 0 disables it). The noise is
drawn per example like every other draw, so a batch is the same on any device count.
"""

import jax
import jax.numpy as jnp
import ml_collections

from aegan import config_checks, losses, models
from aegan.methods.base import Batch, Method, Networks, Phase


def make(config: ml_collections.ConfigDict, example_shape: tuple[int, ...]) -> Method:
  num_classes = config.model.num_classes
  dtype = models.compute_dtype(config)
  noise_std = config.loss.input_noise_std

  def classifier_loss(nets: Networks, batch: Batch):
    logits = nets("classifier", batch["x"] + noise_std * batch["input_noise"])
    loss = losses.classification_cross_entropy(logits, batch["label"])
    accuracy = jnp.mean(jnp.argmax(logits, -1) == batch["label"])
    return loss, {"cross_entropy": loss, "accuracy": accuracy}

  def sample_noise(key: jax.Array) -> dict[str, jax.Array]:
    return {"input_noise": jax.random.normal(key, example_shape)}

  return Method(
      networks={"classifier": models.make_encoder(config.model.classifier, num_classes, dtype)},
      example_inputs={"classifier": (jnp.zeros((1,) + example_shape),)},
      phases=(Phase("classifier", ("classifier",), classifier_loss),),
      sample_noise=sample_noise,
      generate=None,
      labelled=True,
  )


def validate(config: ml_collections.ConfigDict, num_devices: int) -> None:
  """Raises config_checks.ConfigError unless the classifier can train `config`."""
  del num_devices  # Its examples stand alone: any split over devices is the same batch.
  config_checks.positive_int(config, "model.num_classes")
  config_checks.non_negative(config, "loss.input_noise_std")


def recipe(config: ml_collections.ConfigDict) -> str:
  """The classifier's rate and schedule."""
  return config_checks.rates_recipe(config, "classifier")
