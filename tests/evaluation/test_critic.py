"""The independent Wasserstein critic on 1-D Gaussians, where W1 and the WGAN-GP critic's
optimum are known: it separates N(2, 1) from N(0, 1) by their distance, and scores two samples
of N(0, 1) ≈ 0. Also: the Evaluator's wiring of the critic and IvOM."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.stats import norm

from aegan import train
from aegan.configuration import ConfigError
from aegan.evaluation import Evaluator
from aegan.evaluation.critic import WassersteinCritic, check_config
from aegan.models.mlp import MLPDiscriminator
from aegan.parallel import data_mesh, replicate
from aegan.writers import MetricWriter
from configs import common
from tests.precision import assert_equal_to_float32_resolution

NUM = 4096  # examples in each training pool and each held-out set
SHIFT, PENALTY = 2.0, 10.0


def penalised_optimum(shift: float, penalty: float) -> float:
  """E_p f - E_q f at the maximiser, over all f, of the WGAN-GP critic's objective
  E_p f - E_q f - λ E[(|f'(x̂)| - 1)²] for p = N(shift, 1), q = N(0, 1).

  By parts E_p f - E_q f = ∫ f'(x) ΔF(x) dx, ΔF = Φ(x) - Φ(x - shift) ≥ 0, and the penalty is
  λ ∫ (f' - 1)² ρ(x) dx, ρ the density of x̂ = εx_p + (1 - ε)x_q: given ε, N(ε·shift,
  ε² + (1 - ε)²). Pointwise f' = 1 + ΔF / (2λρ), so the estimate is
  W1 + ∫ ΔF² / (2λρ) dx with W1 = ∫ ΔF dx = shift (2.21 for shift 2, λ 10).
  """
  x, dx = np.linspace(-10.0, 10.0 + shift, 20_001, retstep=True)
  eps = (np.arange(1_000) + 0.5) / 1_000
  rho = np.mean(norm.pdf(x[:, None], shift * eps, np.sqrt(eps**2 + (1 - eps) ** 2)), axis=1)
  gap = norm.cdf(x) - norm.cdf(x - shift)
  return float(np.sum(gap + gap**2 / (2 * penalty * rho)) * dx)


def critic(devices: list[jax.Device], steps: int, steps_per_call: int) -> WassersteinCritic:
  """A 64-unit ReLU MLP critic with WGAN-GP's Adam β = (0, 0.9) at 10x its rate (1e-3), so that
  2,000 steps converge on this small problem."""
  return WassersteinCritic(MLPDiscriminator((64,), "relu"), optax.adam(1e-3, b1=0.0, b2=0.9),
                           data_mesh(devices), steps, batch_size=256,
                           steps_per_call=steps_per_call, gradient_penalty=PENALTY)


@pytest.fixture(scope="module")
def converged() -> WassersteinCritic:
  return critic(jax.devices()[:4], steps=2_000, steps_per_call=2_000)


def standard_normal_sets(seed: int) -> list[np.ndarray]:
  """Training pools (real, fake) and held-out sets (real, fake), NUM x 1 each."""
  keys = jax.random.split(jax.random.PRNGKey(seed), 4)
  return [np.asarray(jax.random.normal(key, (NUM, 1))) for key in keys]


def test_distance_between_shifted_gaussians_is_their_penalised_w1(converged):
  real_train, fake_train, real_test, fake_test = standard_normal_sets(0)
  distance = converged(real_train + SHIFT, fake_train, real_test + SHIFT, fake_test,
                       jax.random.PRNGKey(1))
  # Held-out sampling error: std f ≈ 1.1, so √(2 · 1.1² / 4096) ≈ 0.024; 0.1 leaves ~4σ, which
  # also covers the critic's distance from the optimum after 2,000 steps (≤ 0.04 over 4 seeds).
  assert abs(distance - penalised_optimum(SHIFT, PENALTY)) < 0.1
  assert abs(distance - SHIFT) < 0.35  # W1 itself, plus the penalty's 0.21.


def test_identical_distributions_are_at_distance_zero(converged):
  real_train, fake_train, real_test, fake_test = standard_normal_sets(2)
  distance = converged(real_train, fake_train, real_test, fake_test, jax.random.PRNGKey(3))
  assert abs(distance) < 0.1  # ~4 held-out sampling standard errors (above).


def test_same_critic_on_one_and_four_devices(float64):
  """One step per call (the conv critics' path): the same parameters on 1 and 4 devices. In
  float64 (tests/conftest.py `float64`; parameters created float64 too), where the two differ
  only in the order of their reductions: each parameter moves alike to float32's resolution
  (tests/precision.py)."""
  real, fake = standard_normal_sets(4)[:2]
  in_float64 = lambda tree: jax.tree.map(lambda p: p.astype(jnp.float64), tree)
  model = nn.map_variables(MLPDiscriminator, "params", trans_out_fn=in_float64, init=True)(
      (64,), "relu", jnp.float64)
  initial = model.init(jax.random.split(jax.random.PRNGKey(5))[0], real[:1])["params"]
  moves = []
  for n in (1, 4):
    trainer = WassersteinCritic(model, optax.adam(1e-3, b1=0.0, b2=0.9),
                                data_mesh(jax.devices()[:n]), steps=3, batch_size=256,
                                steps_per_call=1, gradient_penalty=PENALTY)
    params = trainer.train(real + SHIFT, fake, jax.random.PRNGKey(5))
    moves.append(jax.tree.map(np.subtract, jax.device_get(params), jax.device_get(initial)))
  # Every leaf moves but the output bias, which neither the score gap nor the penalty sees.
  assert [np.any(move != 0) for move in jax.tree.leaves(moves[0])] == [True, True, False, True]
  assert_equal_to_float32_resolution(moves[1], moves[0])


def test_refuses_a_critic_with_batch_norm():
  section = ml_collections.ConfigDict(dict(
      steps=10, batch_size=8, steps_per_call=1, num_train=16, num_test=16, gradient_penalty=10.0,
      model=dict(kind="conv", width=8, batch_norm=True),
      optimizer=dict(name="adam", learning_rate=1e-4, b1=0.0, b2=0.9)))
  with pytest.raises(ConfigError, match="BatchNorm"):
    check_config(section, num_devices=4, num_samples=16)
  section.model.batch_norm = False
  check_config(section, num_devices=4, num_samples=16)


def test_evaluator_reports_the_critic_and_ivom_when_configured(tiny_veegan, tmp_path):
  """Both measures through the Evaluator (VEEGAN on the ring, 4 devices): the critic at every
  evaluation, IvOM (`final_only`) at step train.steps alone."""
  config = tiny_veegan
  # A critic that converges on the 2-D ring (the shifted-Gaussians critic above).
  config.eval.critic = common.independent_critic(
      common.mlp((64,)), steps=1_000, num_train=256, num_test=256, batch_size=256,
      learning_rate=1e-3, steps_per_call=1_000)
  config.eval.ivom = common.ivom(num_images=8, steps=10, restarts=2, steps_per_call=10,
                                 final_only=True)
  method, dataset, optimizers = train.build(config)
  mesh = data_mesh()
  state = replicate(train.init_state(method, optimizers, config.seed), mesh)
  (tmp_path / "samples").mkdir()
  evaluator = Evaluator(config, method, dataset, mesh, str(tmp_path))
  writer = MetricWriter(str(tmp_path))
  earlier, _ = evaluator(config.train.steps // 2, state.params, state.batch_stats, writer)
  final, samples = evaluator(config.train.steps, state.params, state.batch_stats, writer)
  assert "eval/critic_distance" in earlier and "eval/ivom" not in earlier
  measures = {name: final[name] for name in ("eval/critic_distance", "eval/ivom", "eval/ivom_stderr")}
  assert all(np.isfinite(value) for value in measures.values()), measures
  assert final["eval/ivom"] > 0
  # The critic estimates W1 between the untrained generator's samples, near the origin, and the
  # ring; here the exact W1 of the 256 samples and 256 fresh ring examples (optimal matching).
  keys = jax.random.split(jax.random.PRNGKey(7), 256)
  ring = np.asarray(jax.vmap(dataset.sample, (None, 0))(dataset.arrays("train"), keys))
  cost = np.linalg.norm(samples[:, None] - ring[None], axis=-1)
  w1 = cost[linear_sum_assignment(cost)].mean()
  assert abs(final["eval/critic_distance"] - w1) < 0.25 * w1  # Measured: 0.510 and 0.546.
