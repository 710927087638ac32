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
  log p(x)/q(x) = log 2 - 2(x - 1)² + x²/2."""
  keys = jax.random.split(jax.random.PRNGKey(0), 2)
  positives = 1.0 + 0.5 * jax.random.normal(keys[0], (200_000,))
  negatives = jax.random.normal(keys[1], (200_000,))

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
  np.testing.assert_allclose(logit(w, x), analytic, atol=0.05)
