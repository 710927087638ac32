"""Optimizers and schedules built from config; every schedule is keyed on the iteration."""

import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
import pytest

from aegan.experiment import build
from aegan.methods import make_method
from aegan.methods.base import Phase
from aegan.optimizers import initial_rate, learning_rate, make_optimizer, make_optimizers, updates_per_iteration


def run(optimizer: optax.GradientTransformation, updates: int) -> list[float]:
  """The parameter after each of `updates` updates with gradient 1, from 0."""
  param, trajectory = jnp.zeros(()), []
  state = optimizer.init(param)
  for _ in range(updates):
    update, state = optimizer.update(jnp.ones(()), state, param)
    param = optax.apply_updates(param, update)
    trajectory.append(float(param))
  return trajectory


def sgd(**fields) -> ml_collections.ConfigDict:
  return ml_collections.ConfigDict({"name": "sgd", "learning_rate": 1.0, **fields})


def test_sgd_linear_schedule_decays_to_the_final_fraction():
  # Rates 1, 0.75, 0.5, 0.25 over 4 iterations, then 0: x = -cumsum.
  trajectory = run(make_optimizer(sgd(schedule="linear"), iterations=4), 6)
  np.testing.assert_allclose(trajectory, [-1.0, -1.75, -2.25, -2.5, -2.5, -2.5])
  # To a final fraction of 0.2: 1, 0.8, 0.6, 0.4, then 0.2.
  trajectory = run(make_optimizer(sgd(schedule="linear", final_fraction=0.2), iterations=4), 5)
  np.testing.assert_allclose(np.diff([0.0] + trajectory), [-1.0, -0.8, -0.6, -0.4, -0.2], rtol=1e-6)


def test_cosine_schedule_and_constant_rate():
  trajectory = run(make_optimizer(sgd(schedule="cosine"), iterations=2), 3)
  np.testing.assert_allclose(trajectory, [-1.0, -1.5, -1.5], atol=1e-6)  # cos: 1, ½, 0.
  np.testing.assert_allclose(run(make_optimizer(sgd(learning_rate=0.5)), 2), [-0.5, -1.0])


def test_a_network_updated_five_times_per_iteration_has_the_iterations_rate():
  # Linear over 4 iterations: 1, 0.75, 0.5, 0.25, 0, 0. A network with 5 updates per iteration
  # takes all 5 of iteration t at that rate; counted per update (the old schedules), it would
  # have been at 0 from its 5th update, iteration 0.
  config = ml_collections.ConfigDict(dict(
      train=dict(steps=4), optimizer=dict(critic=sgd(schedule="linear"),
                                          generator=sgd(schedule="linear"))))
  phases = (Phase("critic", ("critic",), None, repeat=5), Phase("generator", ("generator",), None))
  optimizers = make_optimizers(config, ("critic", "generator"), phases)
  generator_rates = -np.diff([0.0] + run(optimizers["generator"], 6))
  critic_rates = -np.diff([0.0] + run(optimizers["critic"], 30)).reshape(6, 5)
  np.testing.assert_allclose(generator_rates, [1.0, 0.75, 0.5, 0.25, 0.0, 0.0])
  np.testing.assert_allclose(critic_rates, np.repeat(generator_rates[:, None], 5, axis=1))


def test_updates_per_iteration_are_the_phases_repeats(tiny_wgan_gp, tiny_alpha_gan, tiny_age):
  assert updates_per_iteration(make_method(tiny_wgan_gp, (2,)).phases) == {
      "discriminator": 5, "generator": 1}
  assert updates_per_iteration(make_method(tiny_alpha_gan, (2,)).phases) == {
      "encoder": 2, "generator": 2, "discriminator": 1, "code_discriminator": 1}
  assert updates_per_iteration(make_method(tiny_age, (2,)).phases) == {"encoder": 1, "generator": 2}


def test_the_ring_configs_rates_follow_the_iterations_cosine():
  from configs import age_ring, alpha_gan_ring, wgan_gp_ring  # pylint: disable=import-outside-toplevel
  for module in (wgan_gp_ring, alpha_gan_ring, age_ring):
    config = module.get_config()
    config.train.steps = 2000  # An override of the steps alone rescales every schedule.
    counts = updates_per_iteration(make_method(config, (2,)).phases)
    for name, updates in counts.items():
      rate = learning_rate(config.optimizer[name], config.train.steps, updates)
      base = config.optimizer[name].learning_rate
      # Every update of iteration t at base (1 + cos(π t / 2000)) / 2: base, base / 2 halfway,
      # ~6e-7 base in the last iteration.
      for t, expected in ((0, base), (1000, base / 2), (1999, base * (1 + np.cos(np.pi * 1999 / 2000)) / 2)):
        for update in range(updates):
          np.testing.assert_allclose(rate(updates * t + update), expected, rtol=1e-5, atol=1e-7 * base)


def test_adam_reads_its_betas():
  optimizer = make_optimizer(ml_collections.ConfigDict(dict(name="adam", learning_rate=0.1, b1=0.5, b2=0.9)))
  _, state = optimizer.update(jnp.ones(()), optimizer.init(jnp.zeros(())), jnp.zeros(()))
  adam_state = state[0]
  np.testing.assert_allclose([adam_state.mu, adam_state.nu], [1 - 0.5, 1 - 0.9], rtol=1e-6)


def test_a_rate_per_modes_falls_as_the_power_of_the_modes_down_to_its_least_fraction():
  config = ml_collections.ConfigDict(dict(name="adam", learning_rate=1e-2,
                                          per_modes=dict(modes=8, power=2.0, min_fraction=0.1)))
  # (8/K)² · 1e-2: 1e-2 at 8 modes and at fewer, 1.024e-3 at 25, a tenth, 1e-3, at 49
  # (2.67e-4 below a tenth of the rate).
  for num_modes, expected in ((4, 1e-2), (8, 1e-2), (12, 1e-2 * 4 / 9), (25, 1.024e-3), (49, 1e-3)):
    assert initial_rate(config, num_modes) == pytest.approx(expected, rel=1e-12)
  with pytest.raises(ValueError, match="modes"):
    initial_rate(config, None)
  del config.per_modes
  assert initial_rate(config, 49) == 1e-2  # Without the rule the rate is the config's.


@pytest.mark.parametrize("size, rate", [(5, 1.024e-3), (7, 1e-3)])
def test_veegans_grid_discriminator_takes_the_rate_of_its_number_of_modes(size, rate):
  from configs import veegan_grid  # pylint: disable=import-outside-toplevel
  config = veegan_grid.get_config()
  config.data.size = size  # A data override moves the rate with it.
  config.optimizer.discriminator.schedule = "constant"
  _, _, optimizers = build(config)
  # Adam's first step with gradient 1 moves a parameter by the rate, up to float32's 1 − β2:
  # 1 − 0.999 carries a rounding of 2⁻²⁴ / 1e-3 ≈ 6e-5 relative, halved by the square root.
  np.testing.assert_allclose(run(optimizers["discriminator"], 1), [-rate], rtol=1e-4)
  np.testing.assert_allclose(run(optimizers["generator"], 1), [-1e-3], rtol=1e-4)


def test_veegans_ring_and_1200d_mixture_keep_their_rate():
  from configs import veegan_1200d, veegan_ring  # pylint: disable=import-outside-toplevel
  assert initial_rate(veegan_ring.get_config().optimizer.discriminator, 8) == 1e-2
  # The 1200-D mixture's 10 modes would give 6.4e-3: the rule is off there (power 0).
  assert initial_rate(veegan_1200d.get_config().optimizer.discriminator, 10) == 1e-2
