"""The offline digits and their stacked set: the split, the resizing, and the stacking."""

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.datasets import load_digits

from aegan.data.digits import digits, stacked_digits

SKLEARN = load_digits()


def test_the_split_is_the_first_80_percent_and_the_rest():
  dataset = digits(image_size=8)  # No resizing: the package's digits, scaled to 0..255.
  assert dataset.example_shape == (8, 8, 1) and dataset.num_modes == 10
  train, test = dataset.arrays("train"), dataset.arrays("test")
  assert len(train["labels"]) == 1437 and len(test["labels"]) == 360
  np.testing.assert_array_equal(np.concatenate([train["images"], test["images"]])[..., 0],
                                np.rint(SKLEARN.images * 255 / 16))
  np.testing.assert_array_equal(np.concatenate([train["labels"], test["labels"]]), SKLEARN.target)
  assert set(test["labels"]) == set(range(10))


def test_resized_digits_keep_their_range_and_ink():
  small, large = digits(image_size=8).arrays("test"), digits().arrays("test")
  assert large["images"].shape == (360, 16, 16, 1) and large["images"].dtype == np.uint8
  assert large["images"].min() == 0 and large["images"].max() == 255
  np.testing.assert_allclose(large["images"].mean((1, 2, 3)), small["images"].mean((1, 2, 3)),
                             rtol=0.05)
  np.testing.assert_array_equal(large["labels"], small["labels"])


def test_stacked_digits_labels_name_the_test_digits_in_each_channel():
  dataset = stacked_digits(num_train=1000, num_test=500)
  assert dataset.example_shape == (16, 16, 3) and dataset.num_modes == 1000
  train, test = dataset.arrays("train"), dataset.arrays("test")
  assert train["triples"].shape == (1000, 3) and test["triples"].shape == (500, 3)
  keys = jax.random.split(jax.random.key(0), 300)
  sample = jax.jit(jax.vmap(dataset.sample_labelled, (None, 0)))
  x, labels = map(np.asarray, sample(test, jnp.concatenate([keys[:1], keys])))
  assert x.shape == (301, 16, 16, 3) and labels.dtype == np.int32
  np.testing.assert_array_equal(x[0], x[1])
  assert len({example.tobytes() for example in x}) > 200
  index = {digit.tobytes(): i for i, digit in enumerate(test["images"])}
  stacked = np.rint(127.5 * x + 127.5).astype(np.uint8)
  triples = np.array([[index[example[..., c, None].tobytes()] for c in range(3)]
                      for example in stacked])  # KeyError if a channel is not a test digit.
  np.testing.assert_array_equal(labels, test["labels"][triples] @ [100, 10, 1])


def test_stacking_is_fixed_by_the_stack_seed():
  tables = [stacked_digits(num_train=200, stack_seed=seed).arrays("train")["triples"]
            for seed in (0, 0, 1)]
  np.testing.assert_array_equal(tables[0], tables[1])
  assert not np.array_equal(tables[0], tables[2])
  assert tables[0].min() >= 0 and tables[0].max() < 1437
