"""The classifier: its loss is the cross-entropy on labelled draws with input noise, its
batches carry each example's true label, and the configs validate."""

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from aegan.data import make_dataset
from aegan.methods import Networks, init_variables, make_method
from aegan.sampling import sample_batch


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


def test_loss_is_the_cross_entropy_of_the_noisy_input():
  config = ring_classifier(noise_std=0.5)
  method = make_method(config, (2,))
  params, _ = init_variables(method, jax.random.PRNGKey(0))
  batch = {"x": jnp.array([[1.0, 0.0], [0.0, -1.0], [0.3, 0.2]]), "label": jnp.array([0, 6, 3]),
           "input_noise": jnp.array([[0.2, -0.4], [1.0, 0.0], [0.0, 0.0]])}
  loss, metrics = method.phases[0].loss(Networks(method.networks, params, {}, train=True), batch)
  logits = np.asarray(method.networks["classifier"].apply(
      {"params": params["classifier"]}, batch["x"] + 0.5 * batch["input_noise"]), np.float64)
  log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
  expected = -np.mean(log_softmax[np.arange(3), np.asarray(batch["label"])])
  np.testing.assert_allclose(loss, expected, rtol=1e-5)
  np.testing.assert_allclose(metrics["accuracy"],
                             np.mean(logits.argmax(-1) == np.asarray(batch["label"])))
