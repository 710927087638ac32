"""Optimizers and schedules built from config."""

import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from aegan.optimizers import make_optimizer


def run(config: dict, steps: int) -> list[float]:
  optimizer = make_optimizer(ml_collections.ConfigDict(config))
  param, state, trajectory = jnp.zeros(()), None, []
  state = optimizer.init(param)
  for _ in range(steps):
    updates, state = optimizer.update(jnp.ones(()), state, param)
    param = optax.apply_updates(param, updates)
    trajectory.append(float(param))
  return trajectory


def test_sgd_linear_schedule_decays_to_the_final_fraction():
  # Rates 1, 0.75, 0.5, 0.25, then 0 from step 4 on: x = -cumsum.
  trajectory = run(dict(name="sgd", learning_rate=1.0, schedule="linear", decay_steps=4), 6)
  np.testing.assert_allclose(trajectory, [-1.0, -1.75, -2.25, -2.5, -2.5, -2.5])


def test_cosine_schedule_and_constant_rate():
  trajectory = run(dict(name="sgd", learning_rate=1.0, schedule="cosine", decay_steps=2), 3)
  np.testing.assert_allclose(trajectory, [-1.0, -1.5, -1.5], atol=1e-6)  # cos: 1, ½, 0.
  np.testing.assert_allclose(run(dict(name="sgd", learning_rate=0.5), 2), [-0.5, -1.0])


def test_adam_reads_its_betas():
  optimizer = make_optimizer(ml_collections.ConfigDict(dict(name="adam", learning_rate=0.1, b1=0.5, b2=0.9)))
  _, state = optimizer.update(jnp.ones(()), optimizer.init(jnp.zeros(())), jnp.zeros(()))
  adam_state = state[0]
  np.testing.assert_allclose([adam_state.mu, adam_state.nu], [1 - 0.5, 1 - 0.9], rtol=1e-6)
