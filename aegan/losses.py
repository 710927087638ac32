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

from typing import Literal

import chex
import jax
import jax.numpy as jnp

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
  p_θ(z|x) = N(F(x), I) (PAPERS.md §1, [code]). Its gradient is half that of
  `l2_reconstruction`.
  """
  chex.assert_equal_shape([target, reconstruction])
  dim = target[0].size
  return 0.5 * l2_reconstruction(target, reconstruction) + 0.5 * dim * jnp.log(2.0 * jnp.pi)
