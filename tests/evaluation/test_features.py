"""Feature networks' plumbing: batches split over devices, joint channel probabilities, and
the k-th smallest value behind the k-NN radii."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan.evaluation.classifier import joint_probabilities
from aegan.evaluation.feature_metrics import kth_smallest
from aegan.evaluation.features import ShardedApply
from aegan.evaluation.progress import Progress
from aegan.parallel import data_mesh


def _outputs(scale, images):
  """A per-image function with two outputs, to compare against numpy."""
  x = images.astype(jnp.float32)
  return scale * jnp.sum(x, axis=(1, 2, 3)), x.reshape(len(x), -1)[:, :2]


@pytest.mark.parametrize("num_images, batch_size", [(10, 4), (3, 8), (16, 16), (9, 3)])
def test_sharded_apply_equals_the_function_on_the_host(num_images, batch_size):
  mesh = data_mesh()
  assert mesh.size == 4
  images = np.random.default_rng(0).integers(0, 256, (num_images, 4, 4, 3), np.uint8)
  sums, firsts = ShardedApply(_outputs, jnp.float32(0.5), mesh, batch_size)(images)
  np.testing.assert_array_equal(sums, 0.5 * images.reshape(num_images, -1).sum(1))
  np.testing.assert_array_equal(firsts, images.reshape(num_images, -1)[:, :2])
  assert sums.shape == (num_images,) and firsts.shape == (num_images, 2)


def test_sharded_apply_on_one_device_equals_four():
  images = np.random.default_rng(1).integers(0, 256, (13, 4, 4, 1), np.uint8)
  one = ShardedApply(_outputs, jnp.float32(2.0), data_mesh(jax.devices()[:1]), 5)(images)
  four = ShardedApply(_outputs, jnp.float32(2.0), data_mesh(), 5)(images)
  for a, b in zip(one, four):
    np.testing.assert_array_equal(a, b)


def test_joint_probabilities_by_hand():
  channels = np.array([[[0.2, 0.8], [0.5, 0.5]]])  # One image, two channels, two classes.
  np.testing.assert_allclose(joint_probabilities(channels), [[0.1, 0.1, 0.4, 0.4]])
  one_hot = np.eye(10)[[[3, 0, 7]]]  # Digits 3, 0, 7 for R, G, B: mode 307.
  joint = joint_probabilities(one_hot)
  assert joint.shape == (1, 1000) and joint[0, 307] == 1.0 and joint.sum() == 1.0
  random = np.random.default_rng(0).dirichlet(np.ones(10), size=(5, 3))
  np.testing.assert_allclose(joint_probabilities(random).sum(-1), 1.0)
  np.testing.assert_allclose(joint_probabilities(random)[:, 123],
                             random[:, 0, 1] * random[:, 1, 2] * random[:, 2, 3])


@pytest.mark.parametrize("k", [0, 1, 3, 5])
def test_kth_smallest_is_column_k_of_the_sorted_rows(k):
  values = np.random.default_rng(k).integers(0, 6, (7, 12)).astype(np.float32)  # Many ties.
  np.testing.assert_array_equal(kth_smallest(jnp.asarray(values), k), np.sort(values, 1)[:, k])


def test_progress_lines(caplog):
  caplog.set_level("INFO")
  progress = Progress("features of 100 samples", 100, "images", every_s=0.0)
  progress.update(25)
  progress.update(100)  # Done: no progress line, the total time follows.
  seconds = progress.finish()
  lines = [record.getMessage() for record in caplog.records]
  assert len(lines) == 2, lines
  assert lines[0].startswith("features of 100 samples: 25/100 images (25%), ")
  assert "ETA" in lines[0]
  assert lines[1] == f"features of 100 samples took {seconds:.1f} s"
  quiet = Progress("slow", 10, every_s=3600.0)
  quiet.update(5)  # Within every_s of the start: nothing.
  assert len(caplog.records) == 2


def test_a_progress_line_counts_computed_work(caplog):
  caplog.set_level("INFO")
  waited = []

  class Pending:  # What jax.block_until_ready waits for: any object with block_until_ready.
    def block_until_ready(self):
      waited.append(True)
      return self

  progress = Progress("critic", 10, "steps", every_s=0.0)
  progress.update(4, Pending())
  assert waited == [True] and "critic: 4/10 steps (40%)" in caplog.records[0].getMessage()
  Progress("critic", 10, "steps", every_s=3600.0).update(4, Pending())
  assert waited == [True]  # No line due: nothing is waited for.
