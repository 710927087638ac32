"""Learning floors: every method family, trained briefly from its shipped config with small
networks, must reach levels that a method which stopped learning does not.

Each test trains seeds 0, 1, 2 side by side in one process (`train.num_seeds`, vmapped) and
asserts on every seed. The thresholds are measured: the comment by each gives the values of
four or five seeds at this budget, and the threshold sits beyond the worst of them with a margin
that does not depend on an exact trajectory. The classifier's floor (test accuracy > 0.85 after
300 iterations; 0.897 measured) is tests/evaluation/test_classifier.py's."""

import functools
import importlib

import jax
import ml_collections
import numpy as np
import pytest

from aegan import train
from aegan.evaluation.evaluator import make_evaluation_draws
from aegan.evaluation.mixtures import mode_metrics
from aegan.parallel import data_mesh, replicate

SEEDS = 3
NUM_DRAWS = 1_000  # Samples and held-out reconstructions drawn per seed.


def small(name: str, steps: int, hidden: tuple[int, ...] = (64, 64), latent_dim: int = 16,
          batch_size: int = 128, steps_per_call: int = 250) -> ml_collections.ConfigDict:
  """configs/<name>.py with `hidden`-unit MLPs (conv configs: their widths, unchanged here), a
  `latent_dim` latent, and `steps` iterations of `batch_size`; every schedule spans
  `train.steps` (aegan/optimizers.py)."""
  config = importlib.import_module(f"configs.{name}").get_config()
  config.model.latent_dim = latent_dim
  for network in config.model.values():
    if isinstance(network, ml_collections.ConfigDict) and network.get("kind", "mlp") == "mlp":
      network.hidden = hidden
  config.train.steps = steps
  config.train.update(batch_size=batch_size, steps_per_call=steps_per_call, num_seeds=SEEDS)
  return config


# VEEGAN's optimizer setting: discriminator 1e-2, every rate decaying on a cosine. GAN, ALI,
# BiGAN and Unrolled GAN ship the settings their sweep kept (benchmarks/baseline_sweep.py: constant rates), which
# reach the modes later than these tests' budgets; their floors (measured with this setting,
# which anneals within the budget) pin it.
ANNEALED = (1e-2, "cosine")


def with_setting(config: ml_collections.ConfigDict, discriminator_rate: float,
                 schedule: str) -> ml_collections.ConfigDict:
  """`config` with the two knobs the tuning sweep turns: the discriminator's learning rate and
  every network's schedule."""
  config.optimizer.discriminator.learning_rate = discriminator_rate
  for optimizer in config.optimizer.values():
    optimizer.schedule = schedule
  return config


@functools.cache
def trained(name: str, steps: int, setting: tuple[float, str] | None = None) -> "Trained":
  """`small(name, steps)` (with `setting`, if given) trained once per test session (several
  tests read one run)."""
  config = small(name, steps)
  return Trained(with_setting(config, *setting) if setting else config)


class Trained:
  """A config's method trained for `train.steps` iterations, seeds 0..SEEDS-1 at once on one
  device; `draws(state, i)` are seed i's samples, real examples and reconstructions."""

  def __init__(self, config: ml_collections.ConfigDict):
    self.method, self.dataset, optimizers = train.build(config)
    self.mesh = data_mesh(jax.devices()[:1])
    self.initial = jax.device_get(train.init_state(self.method, optimizers, config.seed, SEEDS))
    update = train.make_update(self.method, optimizers, self.dataset, self.mesh,
                               config.train.batch_size, config.train.steps_per_call,
                               num_seeds=SEEDS)
    self.data = replicate(self.dataset.arrays("train"), self.mesh)
    state = replicate(self.initial, self.mesh)
    for _ in range(config.train.steps // config.train.steps_per_call):
      state, _ = update(state, self.data)
    self.final = jax.device_get(state)
    self._draw = make_evaluation_draws(self.method, self.dataset, self.mesh, NUM_DRAWS, 250)
    self._test = replicate(self.dataset.arrays("test"), self.mesh)

  def draws(self, state, seed: int) -> tuple[np.ndarray, ...]:
    params, batch_stats = jax.tree.map(lambda leaf: leaf[seed], (state.params, state.batch_stats))
    outputs = self._draw(params, batch_stats, self._test, seed)
    return tuple(None if out is None else np.asarray(out, np.float64) for out in outputs)


def modes_and_hq(run: Trained) -> tuple[list[int], list[float]]:
  """VEEGAN's mode count and high-quality fraction of each seed's samples."""
  metrics = [mode_metrics(run.draws(run.final, i)[0], run.dataset.means,
                          run.dataset.hq_unit, threshold=3.0) for i in range(SEEDS)]
  return [int(m["eval/modes"]) for m in metrics], [float(m["eval/hq_fraction"]) for m in metrics]


def reconstruction_mse(run: Trained, state) -> list[float]:
  """Each seed's mean squared error of its held-out reconstructions."""
  errors = []
  for i in range(SEEDS):
    _, real, reconstructions = run.draws(state, i)
    errors.append(float(np.mean((real - reconstructions) ** 2)))
  return errors


def mean_radius(run: Trained, state) -> list[float]:
  """Each seed's mean distance of its samples from the origin, E‖x‖ (the ring's radius is 1)."""
  return [float(np.mean(np.linalg.norm(run.draws(state, i)[0], axis=1))) for i in range(SEEDS)]


# The values in the comments are seeds 0-4's, or 0-3's where they say so, measured at the test's
# budget on a 2-core AMD EPYC (other jobs running); another CPU's rounding may move them slightly.


def test_gan_learns_to_put_its_samples_on_ring_modes():
  _, hq = modes_and_hq(trained("gan_ring", 1_500, ANNEALED))
  # High-quality fraction 0.34, 0.91, 0.43, 0.83, 0.86 (untrained: 0); with the shipped
  # setting (1e-3, constant) 0.026, 0.054, 0.006 at this budget.
  assert min(hq) > 0.15, hq


def test_unrolled_gan_learns_to_put_its_samples_on_ring_modes():
  """The generator's gradient through K = 5 unrolled discriminator updates. With Metz et al.'s
  discriminator rate (1e-4, the shipped config's) nothing is learned in 1,500 iterations; with
  VEEGAN's setting (1e-2, cosine decay) the samples reach the modes (and collapse, as the
  config's docstring says)."""
  _, hq = modes_and_hq(trained("unrolled_gan_ring", 1_500, ANNEALED))
  # High-quality fraction 0.123, 0.151, 0.019, 0.174, 0.213 (modes 1, 1, 3, 1, 1; untrained:
  # 0): any three average >= 0.098.
  assert min(hq) > 0.01 and np.mean(hq) > 0.07, hq


def test_veegan_learns_to_cover_more_ring_modes_than_gan():
  """VEEGAN's point (Srivastava et al. 2017, Table 1): at GAN's budget, networks and optimizers
  its samples spread over more modes. Without its latent reconstruction term (the loss times 0) seeds 0-2
  reached modes 3, 4, 4 but high-quality fractions 0.026, 0.004, 0.027: they fail the HQ floors."""
  modes, hq = modes_and_hq(trained("veegan_ring", 1_500))
  # GAN with VEEGAN's optimizer setting, so that only the method differs.
  gan_modes, _ = modes_and_hq(trained("gan_ring", 1_500, ANNEALED))
  # Modes 3, 4, 5, 4, 2; GAN's 3, 1, 3, 1, 1: any three of VEEGAN's seeds sum to >= 9, any
  # three of GAN's to <= 7.
  assert min(modes) >= 2 and sum(modes) > sum(gan_modes), (modes, gan_modes)
  # High-quality fraction 0.044, 0.052, 0.059, 0.042, 0.214: any three average >= 0.046.
  assert min(hq) > 0.02 and np.mean(hq) > 0.035, hq


@pytest.mark.parametrize("name, floor", [
    # Held-out MSE at initialisation 0.47-0.53; after: 0.9e-4-1.5e-4 (ratio <= 3.1e-4).
    ("age_ring", 1e-2),
    # 0.49-0.74; after: 0.6e-5-2.4e-5 (ratio <= 3.7e-5).
    ("alpha_gan_ring", 1e-3),
    # 0.45-0.69; after: 0.020-0.058 (ratio 0.029-0.097).
    ("ali_ring", 0.25),
])
def test_encoder_methods_learn_to_reconstruct_held_out_examples(name, floor):
  """AGE, α-GAN and ALI: the held-out reconstruction error G(E(x)) falls below `floor` times
  its value at initialisation on every seed."""
  run = trained(name, 500, ANNEALED if name == "ali_ring" else None)
  before, after = reconstruction_mse(run, run.initial), reconstruction_mse(run, run.final)
  assert all(a < floor * b for a, b in zip(after, before)), (before, after)


def test_bigan_learns_to_reconstruct_held_out_examples():
  """BiGAN's encoder learns only through the joint discriminator (no reconstruction term), more
  slowly than ALI's: at 1,000 iterations the error had not fallen (ratio 0.70-1.25, 4 seeds)."""
  run = trained("bigan_ring", 1_500, ANNEALED)
  before, after = reconstruction_mse(run, run.initial), reconstruction_mse(run, run.final)
  # 0.45-0.55; after: 0.15-0.24 (ratio 0.27-0.48, seeds 0-3).
  assert all(a < 0.8 * b for a, b in zip(after, before)), (before, after)


def test_wgan_gp_learns_to_move_its_samples_out_to_the_ring():
  """The untrained generator's samples sit near the origin; following the critic moves them
  out to the ring and, at this budget and rate (Adam 1e-4, β1 0), past it. Not reached in the
  seconds a test may take: the critic distance falling (the samples settling on the ring)."""
  run = trained("wgan_gp_ring", 1_000)
  # Mean radius at initialisation 0.38-0.57; after: 2.14, 1.01, 1.88, 2.20 (seeds 0-3).
  before, after = mean_radius(run, run.initial), mean_radius(run, run.final)
  assert max(before) < 0.7 and min(after) > 0.85, (before, after)
