"""`config.loss.discriminator_updates`: k discriminator updates per generator update, each on
its own draws, for VEEGAN, GAN and ALI/BiGAN (the n_critic of WGAN-GP); and GAN's
`config.loss.generator_updates`, the generator updated n times on the first update's draws."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from aegan import configuration, train
from aegan.methods import Networks, make_method
from aegan.optimizers import updates_per_iteration
from aegan.parallel import data_mesh, replicate
from aegan.sampling import sample_batch
from tests.precision import assert_equal_to_float32_resolution

UPDATES = 3


def sgd(config, updates: int):
  config.loss.discriminator_updates = updates
  for name in config.optimizer:
    config.optimizer[name] = dict(name="sgd", learning_rate=0.05, momentum=None)
  return config


def by_hand(method, dataset, optimizers, state, batch_size, updates=UPDATES, generator_updates=1):
  """One iteration unrolled: `updates` discriminator SGD steps, step r on the draws of
  fold_in(fold_in(key, step 0), r), then `generator_updates` generator steps, each on repeat 0's
  draws."""
  key, params, opt_state = jax.device_get((state.key, state.params, state.opt_state))
  step_key = jax.random.fold_in(key, 0)
  batches = [sample_batch(method, dataset, {}, jax.random.fold_in(step_key, r), jnp.arange(batch_size))
             for r in range(updates)]
  discriminator, generator = method.phases
  for batch in batches:
    grads = jax.grad(lambda p, batch=batch: discriminator.loss(
        Networks(method.networks, p, {}, True), batch)[0])(params)
    updates, opt_state["discriminator"] = optimizers["discriminator"].update(
        grads["discriminator"], opt_state["discriminator"], params["discriminator"])
    params["discriminator"] = optax.apply_updates(params["discriminator"], updates)
  for _ in range(generator_updates):
    grads = jax.grad(lambda p: generator.loss(Networks(method.networks, p, {}, True), batches[0])[0])(params)
    for name in generator.updates:
      moves, opt_state[name] = optimizers[name].update(grads[name], opt_state[name], params[name])
      params[name] = optax.apply_updates(params[name], moves)
  return params


@pytest.mark.parametrize("config_name", ["tiny_veegan", "tiny_gan", "tiny_ali"])
def test_k_discriminator_updates_match_the_hand_unrolled_iteration(config_name, request, float64):
  """On 4 devices, one iteration of the step equals k explicit discriminator SGD steps on
  fresh draws followed by one generator step. In float64 (tests/conftest.py `float64`), where
  the two differ only in the order of their sums (over 4 devices against one batch): each
  parameter's move equal to float32's resolution (tests/precision.py)."""
  config = sgd(request.getfixturevalue(config_name), UPDATES)
  config.model.compute_dtype = "float64"
  mesh = data_mesh()
  method, dataset, optimizers = train.build(config)
  assert [phase.repeat for phase in method.phases] == [UPDATES, 1]
  initial = float64(jax.device_get(train.init_state(method, optimizers, config.seed)))
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size, 1)
  state, _ = update(replicate(initial, mesh), {})
  expected = by_hand(method, dataset, optimizers, initial, config.train.batch_size)
  move = lambda params: jax.tree.map(np.subtract, params, initial.params)
  assert_equal_to_float32_resolution(move(jax.device_get(state.params)), move(expected))


def test_gans_generator_updates_repeat_its_step_on_the_first_draws(tiny_gan, float64):
  """GAN with 2 discriminator and 2 generator updates (VEEGAN's Stacked-MNIST DCGAN takes two
  generator steps on one z) on 4 devices: one iteration of the step equals the two
  discriminator SGD steps on their own draws, then two generator steps on the first update's
  draws; each parameter's move equal to float32's resolution, in float64 as above. The
  iteration draws 2 batches, not 3 or 4: the generator's repeats add none."""
  config = sgd(tiny_gan, 2)
  config.loss.generator_updates = 2
  config.model.compute_dtype = "float64"
  mesh = data_mesh()
  method, dataset, optimizers = train.build(config)
  assert [(phase.repeat, phase.same_draws) for phase in method.phases] == [(2, False), (2, True)]
  assert train.draws_per_iteration(method) == 2
  initial = float64(jax.device_get(train.init_state(method, optimizers, config.seed)))
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size, 1)
  state, _ = update(replicate(initial, mesh), {})
  expected = by_hand(method, dataset, optimizers, initial, config.train.batch_size, 2, 2)
  once = by_hand(method, dataset, optimizers, initial, config.train.batch_size, 2, 1)
  move = lambda params: jax.tree.map(np.subtract, params, initial.params)
  assert_equal_to_float32_resolution(move(jax.device_get(state.params)), move(expected))
  # The second generator step moved the generator: the test tells 2 updates from 1.
  gap = jax.tree.map(lambda a, b: np.max(np.abs(a - b)), expected["generator"], once["generator"])
  assert max(jax.tree.leaves(gap)) > 1e-4


def test_generator_updates_must_be_positive_and_one_for_unrolled_gan(tiny_gan, tiny_unrolled_gan):
  tiny_gan.loss.generator_updates = 0
  with pytest.raises(configuration.ConfigError, match="config.loss.generator_updates must be a positive integer, got 0"):
    configuration.validate(tiny_gan, 1)
  tiny_unrolled_gan.loss.generator_updates = 2
  with pytest.raises(configuration.ConfigError, match="generator_updates must be 1 for Unrolled GAN"):
    configuration.validate(tiny_unrolled_gan, 1)


def test_discriminator_updates_must_be_positive(tiny_gan):
  tiny_gan.loss.discriminator_updates = 0
  with pytest.raises(configuration.ConfigError, match="config.loss.discriminator_updates must be a positive integer, got 0"):
    configuration.validate(tiny_gan, 1)


def test_the_discriminators_updates_share_the_iterations_rate():
  # Its schedule maps its 4 updates per iteration onto the iteration (tests/test_optimizers.py).
  from configs import ali_ring, gan_ring, veegan_ring  # pylint: disable=import-outside-toplevel
  for module in (veegan_ring, gan_ring, ali_ring):
    config = module.get_config()
    config.loss.discriminator_updates = 4
    counts = updates_per_iteration(make_method(config, (2,)).phases)
    assert counts["discriminator"] == 4 and counts["generator"] == 1
