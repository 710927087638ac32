"""Every method's configs on VEEGAN's three mixtures (configs/<method>_{ring,grid,1200d}.py, the
cells of `launch/table.py --table=veegan1 --methods=all`): each validates and builds on 4
devices, and each method's ring config trains with tiny networks, moving every network."""

import importlib

import jax
import numpy as np
import pytest

from aegan import configuration, train
from aegan.parallel import data_mesh, replicate
from configs.tables import TABLES
from tests.conftest import tiny

TABLE = TABLES["veegan1"]
METHODS = TABLE["methods"] + TABLE["extra_methods"]


def load(method: str, data: str):
  return importlib.import_module(f"configs.{method}_{data}").get_config()


@pytest.mark.parametrize("data", TABLE["datasets"])
@pytest.mark.parametrize("method", METHODS)
def test_config_validates_and_builds(method, data):
  config = load(method, data)
  configuration.validate(config, 4)
  built, dataset, optimizers = train.build(config)
  assert config.method == method and set(optimizers) == set(built.networks)
  assert dataset.example_shape == {"ring": (2,), "grid": (2,), "1200d": (1200,)}[data]
  # Each column's configs share the high-quality threshold of VEEGAN's protocol.
  assert config.eval.hq_threshold == (10.0 if data == "1200d" else 3.0)


@pytest.mark.parametrize("method", METHODS)
def test_ring_config_trains_every_network(method):
  config = tiny(load(method, "ring"))
  built, dataset, optimizers = train.build(config)
  initial = jax.device_get(train.init_state(built, optimizers, config.seed))
  mesh = data_mesh(jax.devices()[:4])
  update = train.make_update(built, optimizers, dataset, mesh, config.train.batch_size, 10)
  state = replicate(initial, mesh)
  for _ in range(2):
    state, metrics = update(state, replicate(dataset.arrays("train"), mesh))
  assert metrics and all(np.isfinite(float(v)) for v in metrics.values()), metrics
  params = jax.device_get(state.params)
  for network in built.networks:
    assert any(not np.array_equal(a, b) for a, b in
               zip(jax.tree.leaves(initial.params[network]), jax.tree.leaves(params[network]))), network
