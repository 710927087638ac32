"""scikit-learn's bundled handwritten digits, and a Stacked-MNIST built from them: offline sets.

`sklearn.datasets.load_digits`: 1,797 grey 8x8 digits (values 0..16) from the UCI "Optical
Recognition of Handwritten Digits" set (Alpaydin & Kaynak 1998), shipped inside scikit-learn,
so nothing is downloaded. Each digit is scaled to 0..255 and resized once, bilinearly (PIL), to
image_size x image_size, stored uint8. Split, fixed: the first 80% in the package's order
(1,437 digits, 141 to 146 of each class) are "train", the last 360 (33 to 37 of each) "test".

`stacked_digits` stacks three of them in R, G, B exactly as `images.stacked_mnist` stacks MNIST
(label 100 l_R + 10 l_G + l_B, 1000 modes); `digits` is the single-channel set, e.g. to train
the classifier that counts a generator's modes.
"""

import functools

import numpy as np
import PIL.Image

from aegan.data.images import LabelledImages, StackedImages
from aegan.data.records import ArrayRecords

TRAIN_FRACTION = 0.8


def _resize(digit: np.ndarray, image_size: int) -> np.ndarray:
  """A 0..16 [8, 8] digit as uint8 [image_size, image_size, 1], bilinearly resized."""
  grey = PIL.Image.fromarray((digit * (255 / 16)).astype(np.float32))
  resized = np.asarray(grey.resize((image_size, image_size), PIL.Image.Resampling.BILINEAR))
  return np.clip(np.rint(resized), 0, 255).astype(np.uint8)[..., None]


def _records(split: str, image_size: int) -> ArrayRecords:
  from sklearn import datasets  # pylint: disable=import-outside-toplevel  # ~2 s: only when used.
  data = datasets.load_digits()
  cut = int(TRAIN_FRACTION * len(data.target))
  part = slice(None, cut) if split == "train" else slice(cut, None)
  images = np.stack([_resize(digit, image_size) for digit in data.images[part]])
  return ArrayRecords(images, data.target[part].astype(np.int32))


def digits(image_size: int = 16) -> LabelledImages:
  """The digits themselves: image_size x image_size x 1, label = digit (10)."""
  return LabelledImages(functools.partial(_records, image_size=image_size),
                        (image_size, image_size, 1), 10)


def stacked_digits(image_size: int = 16, num_train: int = 50_000, num_test: int = 5_000,
                   stack_seed: int = 0) -> StackedImages:
  """Three digits as R, G, B: image_size x image_size x 3; 1000 modes."""
  return StackedImages(digits(image_size), num_train, num_test, stack_seed)
