"""Loss terms against hand-derived values, and the density-ratio property of the logistic loss."""

import math

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from absl.testing import parameterized

from aegan import losses
from tests.precision import assert_equal_to_float32_resolution

LOG2 = math.log(2.0)


def softplus(x: float) -> float:
  return math.log1p(math.exp(x))


class LossValuesTest(chex.TestCase):

  @chex.variants(with_jit=True, without_jit=True)
  def test_logistic_discriminator_loss(self):
    loss = self.variant(losses.logistic_discriminator_loss)
    # σ(0) = ½ on both sides: -log ½ - log ½.
    np.testing.assert_allclose(loss(jnp.zeros(4), jnp.zeros(4)), 2 * LOG2, rtol=1e-6)
    # mean(softplus(-2), softplus(1)) + softplus(0.5)
    expected = (softplus(-2.0) + softplus(1.0)) / 2 + softplus(0.5)
    np.testing.assert_allclose(loss(jnp.array([2.0, -1.0]), jnp.array([[0.5]])), expected, rtol=1e-6)

  @chex.variants(with_jit=True, without_jit=True)
  def test_logistic_loss_sums_a_term_per_negative_set(self):
    # α-GAN's data discriminator: data positive, reconstructions and samples each negative.
    loss = self.variant(losses.logistic_discriminator_loss)
    expected = softplus(-1.0) + (softplus(0.5) + softplus(-0.5)) / 2 + softplus(2.0)
    np.testing.assert_allclose(loss(jnp.array([1.0]), jnp.array([0.5, -0.5]), jnp.array([2.0])),
                               expected, rtol=1e-6)
    with self.assertRaises(TypeError):
      losses.logistic_discriminator_loss(jnp.array([1.0]))

  @chex.variants(with_jit=True, without_jit=True)
  def test_logistic_loss_is_finite_for_huge_logits(self):
    loss = self.variant(losses.logistic_discriminator_loss)
    np.testing.assert_allclose(loss(jnp.array([1e4]), jnp.array([-1e4])), 0.0, atol=1e-6)
    np.testing.assert_allclose(loss(jnp.array([-1e4]), jnp.array([1e4])), 2e4, rtol=1e-6)
    grads = jax.grad(loss, argnums=(0, 1))(jnp.array([-1e4]), jnp.array([1e4]))
    np.testing.assert_allclose(grads, [[-1.0], [1.0]], rtol=1e-6)

  @parameterized.parameters(
      ("non_saturating", [0.0], LOG2),
      ("non_saturating", [1.0, -3.0], (softplus(-1.0) + softplus(3.0)) / 2),
      ("minimax", [0.0], -LOG2),
      ("minimax", [2.0, -1.0], -(softplus(2.0) + softplus(-1.0)) / 2),
      ("log_ratio", [1.0, 3.0], -2.0),
      ("log_ratio", [-5.0], 5.0),
  )
  def test_generator_forms(self, form, logits, expected):
    np.testing.assert_allclose(
        losses.generator_adversarial_loss(jnp.array(logits), form), expected, rtol=1e-6)

  def test_generator_forms_are_finite_for_huge_logits(self):
    for form in losses.ADVERSARIAL_FORMS:
      value = losses.generator_adversarial_loss(jnp.array([-1e4, 1e4]), form)
      self.assertTrue(np.isfinite(value), form)
    np.testing.assert_allclose(losses.non_saturating_generator_loss(jnp.array([-1e4])), 1e4)

  def test_forms_share_the_gradient_direction(self):
    # Each form decreases as the discriminator's logit on the fakes rises.
    for form in losses.ADVERSARIAL_FORMS:
      grad = jax.grad(lambda l, f=form: losses.generator_adversarial_loss(l, f))(jnp.array([0.3]))
      self.assertLess(float(grad[0]), 0.0, form)

  @chex.variants(with_jit=True, without_jit=True)
  def test_reconstructions(self):
    target = jnp.array([[1.0, 2.0], [0.0, 0.0]])
    reconstruction = jnp.array([[0.0, 0.0], [1.0, 1.0]])
    # Per example: L1 3 and 2, squared L2 5 and 2.
    np.testing.assert_allclose(self.variant(losses.l1_reconstruction)(target, reconstruction), 2.5)
    np.testing.assert_allclose(self.variant(losses.l2_reconstruction)(target, reconstruction), 3.5)
    np.testing.assert_allclose(
        self.variant(losses.gaussian_reconstruction_nll)(target, reconstruction),
        0.5 * 3.5 + math.log(2 * math.pi), rtol=1e-6)

  def test_reconstruction_sums_over_all_non_batch_axes(self):
    target = jnp.ones((3, 2, 2, 3))
    np.testing.assert_allclose(losses.l1_reconstruction(target, jnp.zeros_like(target)), 12.0)

  def test_gaussian_nll_equals_minus_log_density(self):
    z, z_rec = jax.random.normal(jax.random.PRNGKey(0), (2, 16, 5))
    expected = -jnp.mean(jnp.sum(jax.scipy.stats.norm.logpdf(z, loc=z_rec), axis=1))
    np.testing.assert_allclose(losses.gaussian_reconstruction_nll(z, z_rec), expected, rtol=1e-5)

  def test_shape_mismatch_is_refused(self):
    with pytest.raises(AssertionError):
      losses.l1_reconstruction(jnp.zeros((4, 2)), jnp.zeros((4, 3)))
    with pytest.raises(AssertionError):
      losses.logistic_discriminator_loss(jnp.zeros((4, 1, 1)), jnp.zeros(4))


def test_logistic_discriminator_recovers_the_log_density_ratio():
  """Trained to optimum between p = N(1, 0.5²) (label 1) and q = N(0, 1) (label 0), a logistic
  discriminator with quadratic features a x² + b x + c, a family that holds the answer, recovers
  log p(x)/q(x) = log 2 - 2(x - 1)² + x²/2. The two expectations are taken over 20,000
  quantiles of each distribution, Φ⁻¹((i + ½) / n) (the midpoint rule in probability), not
  random draws: the minimiser is then the population one up to the rule's error (4e-4 from the
  log ratio on [-0.5, 2] after 100 L-BFGS steps, float32), where 200,000 random draws of each
  were 2e-2 from it, and took 10x longer."""
  quantiles = jax.scipy.special.ndtri((jnp.arange(20_000) + 0.5) / 20_000)
  positives, negatives = 1.0 + 0.5 * quantiles, quantiles

  def logit(w, x):
    return w[0] * x**2 + w[1] * x + w[2]

  def loss(w):
    return losses.logistic_discriminator_loss(logit(w, positives), logit(w, negatives))

  optimizer = optax.lbfgs()
  w = jnp.zeros(3)
  state = optimizer.init(w)
  value_and_grad = optax.value_and_grad_from_state(loss)

  @jax.jit
  def step(w, state):
    value, grad = value_and_grad(w, state=state)
    updates, state = optimizer.update(grad, state, w, value=value, grad=grad, value_fn=loss)
    return optax.apply_updates(w, updates), state

  for _ in range(100):
    w, state = step(w, state)
  x = jnp.linspace(-0.5, 2.0, 11)
  analytic = math.log(2.0) - 2.0 * (x - 1.0) ** 2 + 0.5 * x**2
  np.testing.assert_allclose(logit(w, x), analytic, atol=5e-3)


class WassersteinLossTest(chex.TestCase):
  """WGAN-GP's terms (Gulrajani et al. 2017, Eq. 3 and Algorithm 1) on hand-computed values."""

  @chex.variants(with_jit=True, without_jit=True)
  def test_critic_and_generator_losses(self):
    # E[f(G(z))] - E[f(x)] = mean(0.5, -1.5) - mean(1, 2, 3) = -0.5 - 2.
    critic_loss = self.variant(losses.wasserstein_critic_loss)
    np.testing.assert_allclose(critic_loss(jnp.array([1.0, 2.0, 3.0]), jnp.array([0.5, -1.5])), -2.5)
    np.testing.assert_allclose(critic_loss(jnp.array([[4.0]]), jnp.array([[1.0], [3.0]])), -2.0)
    np.testing.assert_allclose(self.variant(losses.wasserstein_generator_loss)(jnp.array([1.0, 3.0])), -2.0)

  @chex.variants(with_jit=True, without_jit=True)
  def test_penalty_of_a_linear_critic_is_its_slope_minus_one_squared(self):
    # f(x) = a·x has ∇f = a everywhere: P = (‖a‖ - 1)² at any points.
    points = jax.random.normal(jax.random.PRNGKey(0), (5, 2))
    penalty = self.variant(losses.gradient_penalty, static_argnums=0)
    np.testing.assert_allclose(penalty(lambda x: x @ jnp.array([3.0, 4.0]), points), 16.0, rtol=1e-6)
    np.testing.assert_allclose(penalty(lambda x: x @ jnp.array([0.6, 0.8]), points), 0.0, atol=1e-12)

  def test_penalty_norm_is_over_all_non_batch_axes(self):
    # An image-shaped linear critic with slope a of ‖a‖² = 12 · 0.5² = 3.
    slope = jnp.full((2, 2, 3), 0.5)
    critic = lambda x: jnp.sum(x * slope, axis=(1, 2, 3))
    np.testing.assert_allclose(losses.gradient_penalty(critic, jnp.ones((4, 2, 2, 3))),
                               (math.sqrt(3.0) - 1.0) ** 2, rtol=1e-6)

  def test_penalty_of_a_quadratic_critic_is_per_example(self):
    # f(x) = ½‖x‖² has ∇f(x) = x: P = mean over examples of (‖x_i‖ - 1)² = ((5-1)² + (0.5-1)²)/2,
    # not the penalty of the batch's summed gradient (‖(3, 4.5)‖ - 1)².
    critic = lambda x: 0.5 * jnp.sum(x**2, axis=1)
    points = jnp.array([[3.0, 4.0], [0.0, 0.5]])
    np.testing.assert_allclose(losses.gradient_penalty(critic, points), (16.0 + 0.25) / 2, rtol=1e-6)

  def test_penalty_gradient_in_the_critic_parameters(self):
    # f_w(x) = w·x: P(w) = (‖w‖ - 1)², dP/dw = 2(‖w‖ - 1) w/‖w‖ = 2 · 4 · (0.6, 0.8) at w = (3, 4).
    points = jnp.ones((3, 2))
    grad = jax.grad(lambda w: losses.gradient_penalty(lambda x: x @ w, points))(jnp.array([3.0, 4.0]))
    np.testing.assert_allclose(grad, [4.8, 6.4], rtol=1e-6)

  def test_penalty_at_a_zero_gradient_is_one_with_a_finite_gradient(self):
    # f_w(x) = w‖x‖² at x = 0 has ∇f = 0: P = (0 - 1)² = 1, and dP/dw is 0, not NaN.
    critic = lambda w: (lambda x: w * jnp.sum(x**2, axis=1))
    value, grad = jax.value_and_grad(lambda w: losses.gradient_penalty(critic(w), jnp.zeros((2, 3))))(2.0)
    np.testing.assert_allclose(value, 1.0)
    np.testing.assert_allclose(grad, 0.0)

  def test_penalty_refuses_a_critic_without_one_score_per_example(self):
    with pytest.raises(AssertionError):
      losses.gradient_penalty(lambda x: x, jnp.ones((3, 2)))


class BidirectionalGeneratorLossTest(parameterized.TestCase):
  """ALI / BiGAN's generator-and-encoder loss: D labels (x, E(x)) 1 and (G(z), z) 0, and the
  generator and encoder play against the flipped labels (Dumoulin et al. 2017; Donahue et al.
  2017)."""

  @parameterized.parameters(
      # Encoder pairs l = 1, generator pairs l = -2 and 0.
      ("non_saturating", softplus(1.0) + (softplus(2.0) + softplus(0.0)) / 2),
      ("minimax", -softplus(-1.0) - (softplus(-2.0) + softplus(0.0)) / 2),
      ("log_ratio", 1.0 - (-2.0 + 0.0) / 2),
  )
  def test_values(self, form, expected):
    loss = losses.bidirectional_generator_loss(jnp.array([1.0]), jnp.array([-2.0, 0.0]), form)
    np.testing.assert_allclose(loss, expected, rtol=1e-6)

  def test_minimax_is_minus_the_discriminator_loss(self):
    encoder_pairs, generator_pairs = jnp.array([0.3, -1.2]), jnp.array([2.0, 0.7])
    np.testing.assert_allclose(
        losses.bidirectional_generator_loss(encoder_pairs, generator_pairs, "minimax"),
        -losses.logistic_discriminator_loss(encoder_pairs, generator_pairs), rtol=1e-6)

  def test_gradients_flip_the_labels(self):
    # The loss falls as D scores generator pairs higher and encoder pairs lower.
    grads = jax.grad(losses.bidirectional_generator_loss, argnums=(0, 1))(
        jnp.array([0.2]), jnp.array([0.2]), "non_saturating")
    self.assertGreater(float(grads[0][0]), 0.0)
    self.assertLess(float(grads[1][0]), 0.0)


def _gaussian_kl_by_quadrature(mean: float, std: float) -> float:
  """KL(N(mean, std²) ‖ N(0, 1)) = ∫ q log(q/p), by the trapezoid rule on ±12 std."""
  x = np.linspace(mean - 12 * std, mean + 12 * std, 200_001)
  log_q = -0.5 * ((x - mean) / std) ** 2 - np.log(std) - 0.5 * np.log(2 * np.pi)
  log_p = -0.5 * x**2 - 0.5 * np.log(2 * np.pi)
  return float(np.trapezoid(np.exp(log_q) * (log_q - log_p), x))


class BatchGaussianKLTest(chex.TestCase):
  """AGE's divergence: KL from the diagonal Gaussian fitted to a batch of codes to N(0, I)
  (Ulyanov et al. 2017, Section 3)."""

  @chex.variants(with_jit=True, without_jit=True)
  def test_hand_computed_value(self):
    # Per dimension (population mean, variance): (0, 1) -> 0; (2, 1) -> (1 + 4 - 1)/2 = 2;
    # (0, 4) -> (4 - 1)/2 - log 2.
    codes = jnp.array([[1.0, 3.0, -2.0], [-1.0, 1.0, 2.0]])
    np.testing.assert_allclose(self.variant(losses.batch_gaussian_kl)(codes), 2.0 + 1.5 - LOG2, rtol=1e-6)

  def test_zero_for_a_batch_with_the_prior_moments(self):
    codes = jax.random.normal(jax.random.PRNGKey(0), (64, 5)) * 3.0 + 1.0
    standardised = (codes - codes.mean(axis=0)) / codes.std(axis=0)
    np.testing.assert_allclose(losses.batch_gaussian_kl(standardised), 0.0, atol=1e-5)
    self.assertGreater(float(losses.batch_gaussian_kl(codes)), 1.0)

  def test_matches_the_kl_integral_per_dimension(self):
    # Two-point batches {m - s, m + s} have mean m and variance s²; the KL sums over dimensions.
    means, stds = np.array([0.5, -1.0, 0.0]), np.array([0.3, 2.0, 1.0])
    codes = jnp.array(np.stack([means - stds, means + stds]), jnp.float32)
    expected = sum(_gaussian_kl_by_quadrature(m, s) for m, s in zip(means, stds))
    np.testing.assert_allclose(losses.batch_gaussian_kl(codes), expected, rtol=1e-5)

  def test_collapsed_batch_is_large_but_finite(self):
    value = losses.batch_gaussian_kl(jnp.ones((4, 2)))
    self.assertTrue(np.isfinite(value))
    self.assertGreater(float(value), 10.0)

  def test_mapped_over_devices_uses_the_global_batch_moments(self):
    """Under shard_map each device holds a quarter of the codes; with the axis name the KL is
    the whole batch's on every device (not the mean of the quarters' KLs). In float64, where
    the pmean'd moments and the whole batch's differ only in the order of their sums: equal to
    float32's resolution (tests/precision.py; the KL's terms, ~1 each, do not cancel)."""
    self.assertGreaterEqual(jax.device_count(), 4, "run the tests with JAX_NUM_CPU_DEVICES=4")
    with jax.enable_x64(True):
      codes = jnp.arange(32.0, dtype=jnp.float64).reshape(16, 2) / 10.0  # Each quarter has its own mean.
      mesh = jax.make_mesh((4,), ("data",), devices=jax.devices()[:4])
      mapped = jax.jit(jax.shard_map(lambda c: losses.batch_gaussian_kl(c, "data"), mesh=mesh,
                                     in_specs=jax.sharding.PartitionSpec("data"),
                                     out_specs=jax.sharding.PartitionSpec()))
      sharded = jax.device_put(codes, jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("data")))
      whole = losses.batch_gaussian_kl(codes)
      assert_equal_to_float32_resolution(mapped(sharded), whole)
      quarters = np.mean([losses.batch_gaussian_kl(codes[4 * i:4 * i + 4]) for i in range(4)])
    self.assertGreater(abs(float(quarters) - float(whole)), 1.0)


def test_classification_cross_entropy_by_hand():
  logits = jnp.array([[2.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
  labels = jnp.array([0, 2])
  # -log(e² / (e² + 2)) and -log(e / (2e + 1)), averaged.
  expected = (np.log(np.exp(2.0) + 2) - 2.0 + np.log(2 * np.e + 1) - 1.0) / 2
  np.testing.assert_allclose(losses.classification_cross_entropy(logits, labels), expected, rtol=1e-6)
