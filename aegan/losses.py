"""Pure loss terms shared by every method.

Each function is jit-able, checks its input shapes with chex, and reduces to a scalar by
averaging over the leading (batch) axis. Adversarial terms take discriminator *logits* and are
written with `jax.nn.softplus` so they stay finite for logits of any magnitude:
    -log σ(l) = softplus(-l),    -log(1 - σ(l)) = softplus(l).

Convention: a discriminator's logit l(x) estimates the log density ratio
    l(x) ≈ log p_pos(x) / p_neg(x)
between the distribution it labels 1 ("positive") and the one it labels 0 (Goodfellow et al.
2014; Sugiyama et al. 2012, "density-ratio estimation by probabilistic classification").
"""

from collections.abc import Callable
from typing import Literal

import chex
import jax
import jax.numpy as jnp
import optax

AdversarialForm = Literal["non_saturating", "minimax", "log_ratio"]


def logistic_discriminator_loss(positive_logits: jax.Array, *negative_logits: jax.Array) -> jax.Array:
  """Logistic (binary cross-entropy) loss of a density-ratio discriminator.

      L = -E_pos[log σ(l)] - Σ_k E_neg_k[log(1 - σ(l))]
        = mean softplus(-l_pos) + Σ_k mean softplus(l_neg_k).

  With one negative set its minimiser over all functions is l*(x) = log p_pos(x) / p_neg(x)
  (Goodfellow et al. 2014, Prop. 1; VEEGAN Algorithm 1 step 2; α-GAN's code discriminator).
  α-GAN's data discriminator has two negative sets, reconstructions and samples, each its own
  term (Rosca et al. 2017, Algorithm 1).

  Args:
    positive_logits: [batch] or [batch, 1] logits on samples labelled 1.
    *negative_logits: one or more [batch] or [batch, 1] logits on samples labelled 0.
  """
  chex.assert_rank([positive_logits, *negative_logits], {1, 2})
  if not negative_logits:
    raise TypeError("logistic_discriminator_loss needs at least one set of negative logits")
  return jnp.mean(jax.nn.softplus(-positive_logits)) + sum(
      jnp.mean(jax.nn.softplus(logits)) for logits in negative_logits)


def non_saturating_generator_loss(fake_logits: jax.Array) -> jax.Array:
  """Non-saturating generator loss  L = -E[log σ(l(G(z)))] = mean softplus(-l).

  The discriminator labels data 1. Goodfellow et al. 2014, Section 3 (the "-log D trick").
  """
  chex.assert_rank(fake_logits, {1, 2})
  return jnp.mean(jax.nn.softplus(-fake_logits))


def minimax_generator_loss(fake_logits: jax.Array) -> jax.Array:
  """Minimax generator loss  L = E[log(1 - σ(l(G(z))))] = -mean softplus(l).

  The discriminator labels data 1. The generator's side of Goodfellow et al. 2014, Eq. 1.
  """
  chex.assert_rank(fake_logits, {1, 2})
  return -jnp.mean(jax.nn.softplus(fake_logits))


def log_ratio_generator_loss(fake_logits: jax.Array) -> jax.Array:
  """Log-ratio generator loss  L = -E[l(G(z))] = E[log (1 - D) / D].

  With the discriminator labelling data 1, l ≈ log p*(x) / p_θ(x), so this is the generator's
  estimate of KL(p_θ ‖ p*): the synthetic-likelihood term of α-GAN's bound (Rosca et al. 2017,
  Eq. 8: log D/(1 - D) is the logit) and, with VEEGAN's joint discriminator, the KL term of its
  objective Ô (Srivastava et al. 2017, Eq. 7).
  """
  chex.assert_rank(fake_logits, {1, 2})
  return -jnp.mean(fake_logits)


_GENERATOR_LOSSES = {
    "non_saturating": non_saturating_generator_loss,
    "minimax": minimax_generator_loss,
    "log_ratio": log_ratio_generator_loss,
}
ADVERSARIAL_FORMS = tuple(_GENERATOR_LOSSES)


def generator_adversarial_loss(fake_logits: jax.Array, form: AdversarialForm) -> jax.Array:
  """The generator's adversarial term in the chosen form (see the three functions above)."""
  return _GENERATOR_LOSSES[form](fake_logits)


def _per_example_sum(values: jax.Array) -> jax.Array:
  return jnp.sum(values.reshape(values.shape[0], -1), axis=1)


def l1_reconstruction(target: jax.Array, reconstruction: jax.Array) -> jax.Array:
  """L1 reconstruction  L = E_i ‖target_i - reconstruction_i‖₁  (summed over features).

  −log of a unit-scale Laplace likelihood up to a constant; α-GAN's λ‖x − G(E(x))‖₁ term
  (Rosca et al. 2017, Eq. 8). Works in data space and in latent space alike.
  """
  chex.assert_equal_shape([target, reconstruction])
  return jnp.mean(_per_example_sum(jnp.abs(target - reconstruction)))


def l2_reconstruction(target: jax.Array, reconstruction: jax.Array) -> jax.Array:
  """Squared L2 reconstruction  L = E_i ‖target_i - reconstruction_i‖₂²  (summed over features).

  VEEGAN's d(z, F(G(z))) with d = ℓ2 (Srivastava et al. 2017, Eq. 7); data or latent space.
  """
  chex.assert_equal_shape([target, reconstruction])
  return jnp.mean(_per_example_sum(jnp.square(target - reconstruction)))


def gaussian_reconstruction_nll(target: jax.Array, reconstruction: jax.Array) -> jax.Array:
  """Unit-variance Gaussian negative log-likelihood of the target under its reconstruction.

      L = E_i[-log N(target_i; reconstruction_i, I)] = ½ E_i ‖target_i - reconstruction_i‖² + (d/2) log 2π

  The latent reconstruction of the VEEGAN authors' code, −log N(z; F(G(z)), I), with
  p_θ(z|x) = N(F(x), I) (docs/papers.md, VEEGAN, [code]). Its gradient is half that of
  `l2_reconstruction`.
  """
  chex.assert_equal_shape([target, reconstruction])
  dim = target[0].size
  return 0.5 * l2_reconstruction(target, reconstruction) + 0.5 * dim * jnp.log(2.0 * jnp.pi)


def bidirectional_generator_loss(encoder_pair_logits: jax.Array, generator_pair_logits: jax.Array,
                                 form: AdversarialForm) -> jax.Array:
  """The generator-and-encoder loss of ALI / BiGAN against a joint discriminator D(x, z).

  D labels encoder pairs (x, E(x)) 1 and generator pairs (G(z), z) 0 (the value functions of
  Dumoulin et al. 2017 and Donahue et al. 2017), so its logit l ≈ log q(x, z) / p(x, z). The generator and
  encoder play against the flipped labels, each pair set with the chosen adversarial form A:

      L = A(l(G(z), z)) + A(-l(x, E(x)))

  Negating the encoder pairs' logit swaps their labels. With "non_saturating" (BiGAN trains
  with the labels inverted; the ALI authors' code, ali/bricks.py `compute_losses`)
      L = E[softplus(-l(G(z), z))] + E[softplus(l(x, E(x)))];
  "minimax" is minus the discriminator's loss, and "log_ratio" is E[l(x, E(x))] - E[l(G(z), z)].

  Args:
    encoder_pair_logits: [batch] logits of D on (x, E(x)), the pairs it labels 1.
    generator_pair_logits: [batch] logits of D on (G(z), z), the pairs it labels 0.
    form: the adversarial form, one of ADVERSARIAL_FORMS.
  """
  return (generator_adversarial_loss(generator_pair_logits, form)
          + generator_adversarial_loss(-encoder_pair_logits, form))


def _global_batch_mean(values: jax.Array, axis_name: str | None) -> jax.Array:
  """Mean over the leading (batch) axis, and over the devices mapped along `axis_name`."""
  mean = jnp.mean(values, axis=0)
  return mean if axis_name is None else jax.lax.pmean(mean, axis_name)


def batch_gaussian_kl(codes: jax.Array, axis_name: str | None = None,
                      epsilon: float = 1e-8) -> jax.Array:
  """KL(N(m, diag s²) ‖ N(0, I)) of the diagonal Gaussian fitted to a batch of codes.

  AGE's divergence between a distribution of codes and the prior (Ulyanov et al. 2017, Section 3):
  with m_j and s_j² the batch mean and (population, 1/N, as the authors' code) variance of code
  dimension j,

      KL = Σ_j [ (s_j² + m_j² - 1) / 2 - log s_j ],

  summed over the M code dimensions; zero iff every dimension has mean 0 and variance 1.
  The AGE authors' code (src/losses.py, KLN01Loss 'qp') differs in two ways we do not copy: it
  averages over the dimensions (our value is M times larger, which rescales the reconstruction
  weights) and it puts the variance where the formula has the standard deviation, i.e.
  (v_j² + m_j²)/2 - log v_j - 1/2 with v_j = s_j².

  Args:
    codes: [batch, M] codes.
    axis_name: inside a function mapped over the data-parallel axis, its name: the mean and
      variance are then those of the global batch (first and second moments averaged over the
      devices with `pmean`, as synchronised BatchNorm does), so the KL is the same on 1 or N
      devices. None: the batch given is the whole batch.
    epsilon: added to s_j² inside the log, so a collapsed dimension gives a large, finite KL.
  """
  chex.assert_rank(codes, 2)
  mean = _global_batch_mean(codes, axis_name)
  variance = _global_batch_mean(jnp.square(codes - mean), axis_name)
  return jnp.sum(0.5 * (variance + jnp.square(mean) - 1.0) - 0.5 * jnp.log(variance + epsilon))


def wasserstein_critic_loss(real_scores: jax.Array, fake_scores: jax.Array) -> jax.Array:
  """The critic's side of the Wasserstein-1 estimate  L = E[f(G(z))] - E[f(x)].

  Minimising it over a (softly) 1-Lipschitz critic f makes -L the Kantorovich-Rubinstein dual
  estimate of W1(p_data, p_G) (Arjovsky et al. 2017, Eq. 3; Gulrajani et al. 2017, Eq. 3 without
  its penalty, see `gradient_penalty`). Scores are unbounded critic outputs, not logits.

  Args:
    real_scores: [batch] or [batch, 1] critic outputs f(x) on data.
    fake_scores: [batch] or [batch, 1] critic outputs f(G(z)) on samples.
  """
  chex.assert_rank([real_scores, fake_scores], {1, 2})
  return jnp.mean(fake_scores) - jnp.mean(real_scores)


def wasserstein_generator_loss(fake_scores: jax.Array) -> jax.Array:
  """The generator's side of the Wasserstein-1 estimate  L = -E[f(G(z))].

  Gulrajani et al. 2017, Algorithm 1, line 11 (E[f(x)] does not depend on the generator).
  """
  chex.assert_rank(fake_scores, {1, 2})
  return -jnp.mean(fake_scores)


def gradient_penalty(critic: Callable[[jax.Array], jax.Array], points: jax.Array,
                     target_norm: float = 1.0) -> jax.Array:
  """Two-sided gradient penalty  P = E_i[(‖∇_x f(x̂_i)‖₂ - target_norm)²].

  WGAN-GP's soft 1-Lipschitz constraint, taken at random interpolates x̂ = εx + (1-ε)G(z)
  between data and samples (Gulrajani et al. 2017, Eq. 3; the critic loss adds λ·P, λ = 10).
  The norm is over every non-batch axis of x̂. Each example's gradient is the gradient of the
  summed scores, exact when the critic scores every example independently (no BatchNorm:
  the reason WGAN-GP's critic has none). A zero gradient gets a zero (not NaN) penalty
  gradient, via `optax.safe_norm`.

  Args:
    critic: [batch, ...] -> [batch] scores; differentiable in its input.
    points: [batch, ...] the points x̂ at which the gradient is penalised.
    target_norm: the gradient norm the penalty pulls toward (1 for a 1-Lipschitz critic).
  """

  def summed_scores(x: jax.Array) -> jax.Array:
    scores = critic(x)
    chex.assert_shape(scores, (points.shape[0],))
    return jnp.sum(scores)

  gradients = jax.grad(summed_scores)(points)
  norms = optax.safe_norm(gradients.reshape(points.shape[0], -1), 0.0, axis=1)
  return jnp.mean(jnp.square(norms - target_norm))


def classification_cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
  """Cross-entropy of a classifier  L = -E[log softmax(l(x))_y]  over labelled examples (x, y):
  the classifier's loss (aegan/methods/classifier.py; the digit classifier of VEEGAN's
  Stacked-MNIST protocol, Srivastava et al. 2017, Section 5.2).

  Args:
    logits: [batch, classes].
    labels: int [batch], each in [0, classes).
  """
  chex.assert_rank(logits, 2)
  chex.assert_shape(labels, (logits.shape[0],))
  return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, labels))
