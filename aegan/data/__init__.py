"""Datasets, each drawn on device inside the step.

A dataset exposes `example_shape`, `num_modes`, `arrays(split)` (host arrays the trainer places
on the devices once and passes into the jitted step) and `sample_labelled(arrays, key)` /
`sample(arrays, key)` (one example, a pure function of the key). A set with a finite split (the
image sets) also has `num_examples(arrays)` and `example_labelled(arrays, index, key)`, example
`index` of the split, with which the evaluation takes distinct held-out examples
(aegan/data/images.py). `make_dataset` builds the one
named by `config.data.name` from the section's other fields; a tfds image set that is not
prepared on this machine raises `DatasetNotFoundError` with one line saying how to get it, and
one whose images are of another shape or dtype `DatasetFormatError`.
"""

from typing import Protocol

import jax
import ml_collections
import numpy as np

from aegan.data import digits, images, mnist5k
from aegan.data.mixtures import GaussianMixture, grid, mixture_1200d, ring
from aegan.data.tfds_images import DatasetFormatError, DatasetNotFoundError


class Dataset(Protocol):
  example_shape: tuple[int, ...]
  num_modes: int | None

  def arrays(self, split: str) -> dict[str, np.ndarray]: ...

  def sample_labelled(self, arrays: dict[str, jax.Array], key: jax.Array) -> tuple[jax.Array, jax.Array]: ...

  def sample(self, arrays: dict[str, jax.Array], key: jax.Array) -> jax.Array: ...


DATASETS = {
    "ring": ring,
    "grid": grid,
    "mixture_1200d": mixture_1200d,
    "cifar10": images.cifar10,
    "mnist": images.mnist,
    "stacked_mnist": images.stacked_mnist,
    "color_mnist": images.color_mnist,
    "celeb_a": images.celeb_a,
    "stacked_digits": digits.stacked_digits,
    "digits": digits.digits,
    "mnist5k": mnist5k.mnist5k,
    "stacked_mnist5k": mnist5k.stacked_mnist5k,
    "color_mnist5k": mnist5k.color_mnist5k,
}


def make_dataset(config: ml_collections.ConfigDict) -> Dataset:
  """Builds the dataset named by `config.name` from the other fields of `config`."""
  kwargs = {k: v for k, v in config.items() if k != "name"}
  return DATASETS[config.name](**kwargs)


__all__ = ["DATASETS", "Dataset", "DatasetFormatError", "DatasetNotFoundError", "GaussianMixture", "make_dataset"]
