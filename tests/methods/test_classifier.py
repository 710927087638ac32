"""The classifier: its loss is the cross-entropy on labelled draws with input noise, its
batches carry each example's true label, and the configs validate."""

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from aegan.data import make_dataset
from aegan.methods import Networks, init_variables, make_method
from aegan.sampling import sample_batch
from tests.precision import assert_equal_to_float32_resolution


def ring_classifier(noise_std: float = 0.0) -> ml_collections.ConfigDict:
  return ml_collections.ConfigDict(dict(
      method="classifier", data=dict(name="ring"),
      model=dict(num_classes=8, classifier=dict(hidden=(16,), activation="relu")),
      loss=dict(input_noise_std=noise_std)))


def test_batches_carry_the_true_labels():
  config = ring_classifier()
  dataset = make_dataset(config.data)
  method = make_method(config, dataset.example_shape)
  batch = sample_batch(method, dataset, {}, jax.random.PRNGKey(0), jnp.arange(64))
  nearest = np.argmin(np.linalg.norm(np.asarray(batch["x"])[:, None] - dataset.means[None], axis=-1), -1)
  np.testing.assert_array_equal(batch["label"], nearest)
  assert batch["input_noise"].shape == (64, 2)


def test_loss_is_the_cross_entropy_of_the_noisy_input(float64):
  """The loss against the cross-entropy in numpy, which sums otherwise, the network and both
  in float64 (tests/conftest.py `float64`): equal to float32's resolution (tests/precision.py).
  Each -log softmax = log Σ exp(l) - l_y is a difference of terms as large as the logits:
  rounded relative to the mean of log Σ exp(l) + |l_y|. The accuracy counts: exact."""
  config = ring_classifier(noise_std=0.5)
  config.model.compute_dtype = "float64"
  method = make_method(config, (2,))
  params, _ = init_variables(method, jax.random.PRNGKey(0))
  batch = {"x": jnp.array([[1.0, 0.0], [0.0, -1.0], [0.3, 0.2]]), "label": jnp.array([0, 6, 7]),
           "input_noise": jnp.array([[0.2, -0.4], [1.0, 0.0], [0.0, 0.0]])}
  params, batch = float64((params, batch))
  loss, metrics = method.phases[0].loss(Networks(method.networks, params, {}, train=True), batch)
  logits = np.asarray(method.networks["classifier"].apply(
      {"params": params["classifier"]}, batch["x"] + 0.5 * batch["input_noise"]))
  log_normaliser = np.log(np.exp(logits).sum(-1))
  label_logits = logits[np.arange(3), np.asarray(batch["label"])]
  expected = np.mean(log_normaliser - label_logits)
  assert_equal_to_float32_resolution(loss, expected,
                                     np.mean(np.abs(log_normaliser) + np.abs(label_logits)))
  # The fraction of the 3 whose largest logit is the label's, from the same logits, in float32:
  # exactly. The untrained network's top classes are (7, 5, 7): one of the three labels is right.
  np.testing.assert_array_equal(
      metrics["accuracy"], np.float32(np.mean(logits.argmax(-1) == np.asarray(batch["label"]))))
  assert metrics["accuracy"] == np.float32(1 / 3)
