"""What the loss tests of the 2-D methods share: a method with initial parameters and a batch of
2-D data with its noise, and its networks and phase losses applied by hand."""

import jax

from aegan.methods import Networks, init_variables, make_method


def setup(config, seed: int = 0):
  """(method, parameters initialised from `seed`, a batch of 9 standard-normal 2-D examples
  with their noise)."""
  method = make_method(config, (2,))
  params, _ = init_variables(method, jax.random.PRNGKey(seed))
  keys = jax.random.split(jax.random.PRNGKey(1), 9)
  batch = {"x": jax.random.normal(keys[0], (9, 2)), **jax.vmap(method.sample_noise)(keys)}
  return method, params, batch


def setup_in_float64(config, float64, seed: int = 0):
  """`setup` with the networks computing in float64 and the parameters and batch cast by
  `float64` (tests/conftest.py's fixture): a phase's loss and the same equation by hand then
  differ only in the order of their sums, and agree to float32's resolution
  (tests/precision.py)."""
  config.model.compute_dtype = "float64"
  method, params, batch = setup(config, seed)
  return (method, *float64((params, batch)))


def apply(method, params, name, *inputs):
  return method.networks[name].apply({"params": params[name]}, *inputs)


def phase_loss(method, phase, params, batch):
  """Phase `phase`'s loss on `params` (MLP networks: no batch statistics)."""
  return method.phases[phase].loss(Networks(method.networks, params, {}, train=True), batch)
