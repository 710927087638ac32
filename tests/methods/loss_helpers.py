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


def apply(method, params, name, *inputs):
  return method.networks[name].apply({"params": params[name]}, *inputs)


def phase_loss(method, phase, params, batch):
  """Phase `phase`'s loss on `params` (MLP networks: no batch statistics)."""
  return method.phases[phase].loss(Networks(method.networks, params, {}, train=True), batch)
