"""Networks and the forward passes the train step's phases share (aegan/methods/base.py
`SharedForwards`): a replayed pass has the value, BatchNorm update and gradient of running the
network again, is used only on the same inputs, parameters and statistics, and spares GAN's
update one generator pass per iteration."""

import dataclasses

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from aegan import train
from aegan.methods import Networks
from aegan.methods.base import SharedForwards
from aegan.parallel import data_mesh, replicate


def dense_batch_norm(calls: list) -> nn.Module:
  """Dense -> BatchNorm -> tanh, counting its applications in `calls`."""

  class DenseBatchNorm(nn.Module):

    @nn.compact
    def __call__(self, z, *, train: bool):
      calls.append(z.shape)
      h = nn.BatchNorm(use_running_average=not train, momentum=0.9)(nn.Dense(3)(z))
      return jnp.tanh(h)

  return DenseBatchNorm()


def networks_and_inputs():
  calls = []
  modules = {"generator": dense_batch_norm(calls)}
  variables = modules["generator"].init(jax.random.key(0), jnp.zeros((1, 2)), train=False)
  z = jax.random.normal(jax.random.key(1), (5, 2))
  params, batch_stats = {"generator": variables["params"]}, {"generator": variables["batch_stats"]}
  calls.clear()
  return modules, params, batch_stats, z, calls


def loss_of(output):
  return jnp.sum(jnp.sin(output) * jnp.arange(1.0, 4.0))


def test_replayed_forward_has_the_value_statistics_and_gradient_of_a_fresh_one():
  """Op for op the same computation (eagerly, no compiler in between): equal bit for bit."""
  modules, params, batch_stats, z, calls = networks_and_inputs()
  shared = SharedForwards()
  saving = Networks(modules, params, batch_stats, True,
                    shared=shared.for_phase(params, frozenset(), frozenset({"generator"})))
  saved_output = saving("generator", z)

  def replayed_loss(trainable):
    nets = Networks(modules, trainable, batch_stats, True,
                    shared=shared.for_phase(params, frozenset({"generator"}), frozenset()))
    output = nets("generator", z)
    return loss_of(output), (output, nets.batch_stats)

  def fresh_loss(trainable):
    nets = Networks(modules, trainable, batch_stats, True)
    output = nets("generator", z)
    return loss_of(output), (output, nets.batch_stats)

  calls.clear()
  (loss, (output, stats)), grads = jax.value_and_grad(replayed_loss, has_aux=True)(params)
  assert len(calls) == 0, "the saved pass is replayed, the network not run again"
  (fresh, (fresh_output, fresh_stats)), fresh_grads = jax.value_and_grad(fresh_loss, has_aux=True)(params)
  np.testing.assert_array_equal(saved_output, fresh_output)
  np.testing.assert_array_equal(loss, fresh)
  np.testing.assert_array_equal(output, fresh_output)
  jax.tree.map(np.testing.assert_array_equal, stats, fresh_stats)
  jax.tree.map(np.testing.assert_array_equal, grads, fresh_grads)
  assert any(np.any(g != 0) for g in jax.tree.leaves(grads))
  assert not np.array_equal(stats["generator"]["BatchNorm_0"]["mean"],
                            batch_stats["generator"]["BatchNorm_0"]["mean"])


def test_forward_is_replayed_only_on_the_same_inputs_parameters_and_statistics():
  modules, params, batch_stats, z, calls = networks_and_inputs()
  shared = SharedForwards()
  Networks(modules, params, batch_stats, True,
           shared=shared.for_phase(params, frozenset(), frozenset({"generator"})))("generator", z)
  calls.clear()
  other_params = {"generator": jax.tree.map(lambda p: p + 0.0, params["generator"])}
  other_stats = {"generator": jax.tree.map(lambda s: s + 0.0, batch_stats["generator"])}
  for seen_params, seen_stats, inputs in [(params, batch_stats, z + 0.0),  # equal values, other arrays
                                          (other_params, batch_stats, z),
                                          (params, other_stats, z)]:
    nets = Networks(modules, seen_params, seen_stats, True,
                    shared=shared.for_phase(seen_params, frozenset({"generator"}), frozenset()))
    nets("generator", inputs)
  assert len(calls) == 3
  replaying = Networks(modules, params, batch_stats, True,
                       shared=shared.for_phase(params, frozenset({"generator"}), frozenset()))
  replaying("generator", z)
  assert len(calls) == 3
  replaying("generator", z)  # The first call updated the statistics: this one runs afresh.
  assert len(calls) == 4


def counting_generator(method):
  """`method` with its generator wrapped to count its applications while the step is traced."""
  calls = []

  class Counted(nn.Module):
    inner: nn.Module

    @nn.compact
    def __call__(self, *inputs, train: bool):
      calls.append(1)
      return self.inner(*inputs, train=train)

  networks = {**method.networks, "generator": Counted(method.networks["generator"])}
  return dataclasses.replace(method, networks=networks), calls


def generator_passes_per_iteration(config) -> int:
  method, dataset, optimizers = train.build(config)
  method, calls = counting_generator(method)
  mesh = data_mesh(jax.devices()[:1])
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size, 1)
  state = replicate(train.init_state(method, optimizers, config.seed), mesh)
  calls.clear()
  update(state, replicate(dataset.arrays("train"), mesh))
  return len(calls)


def test_gan_update_runs_the_generator_once_per_draw(tiny_gan):
  """The discriminator phase's G(z) serves the generator phase (same z, same θ_G); with a
  second discriminator update on its own draws, G runs on those too; a second generator update
  follows an update of θ_G and so runs G again."""
  assert generator_passes_per_iteration(tiny_gan) == 1
  tiny_gan.loss.discriminator_updates = 2
  assert generator_passes_per_iteration(tiny_gan) == 2
  tiny_gan.loss.discriminator_updates = 1
  tiny_gan.loss.generator_updates = 2
  assert generator_passes_per_iteration(tiny_gan) == 2
