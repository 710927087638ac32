"""Datasets: each exposes `sample(key) -> one example`, drawn on device inside the step."""

import ml_collections

from aegan.data.mixtures import GaussianMixture, grid, ring

DATASETS = {"ring": ring, "grid": grid}


def make_dataset(config: ml_collections.ConfigDict) -> GaussianMixture:
  """Builds the dataset named by `config.name` from the other fields of `config`."""
  kwargs = {k: v for k, v in config.items() if k != "name"}
  return DATASETS[config.name](**kwargs)
