"""FID, KID, Inception score and precision/recall on Gaussians and constructed point sets."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

from aegan.evaluation.feature_metrics import (expected_entropy_of_uniform_draws,
                                              frechet_distance, frechet_inception_distance,
                                              gaussian_reference, gaussian_statistics,
                                              inception_score,
                                              inception_score_ceiling,
                                              kernel_inception_distance, knn_squared_radii,
                                              polynomial_mmd2_unbiased, precision_recall,
                                              sqrtm_psd, trace_sqrt_product)


def random_covariance(rng: np.random.Generator, dim: int, min_eigenvalue: float = 0.5) -> np.ndarray:
  factor = rng.normal(size=(dim, dim))
  return factor @ factor.T / dim + min_eigenvalue * np.eye(dim)


# --- Gaussian statistics and FID ------------------------------------------------------------


def test_gaussian_statistics_are_float64_mean_and_unbiased_covariance():
  features = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]], dtype=np.float32)
  mean, covariance = gaussian_statistics(jnp.asarray(features))
  assert mean.dtype == covariance.dtype == np.float64
  np.testing.assert_allclose(mean, [3.0, 4.0])
  # Deviations (-2, -2), (0, 2), (2, 0): sums of products / (N - 1 = 2).
  np.testing.assert_allclose(covariance, [[4.0, 2.0], [2.0, 4.0]])
  np.testing.assert_allclose(covariance, np.cov(features, rowvar=False))


def test_fid_of_diagonal_gaussians_is_closed_form():
  # Commuting covariances: ‖μ1 − μ2‖² + Σ_i (σ1i − σ2i)².
  mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
  std1, std2 = np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 0.5])
  expected = 1.0 + 4.0 + (2.0**2 + 1.0**2 + 0.0)
  assert frechet_distance(mu1, np.diag(std1**2), mu2, np.diag(std2**2)) == pytest.approx(
      expected, abs=1e-12)


def test_fid_of_full_covariances_matches_scipy_sqrtm_reference():
  rng = np.random.default_rng(0)
  mu1, mu2 = rng.normal(size=8), rng.normal(size=8)
  sigma1, sigma2 = random_covariance(rng, 8), random_covariance(rng, 8)
  # pytorch-fid's formula, on a well-conditioned pair where scipy's sqrtm is accurate.
  reference = (np.sum((mu1 - mu2)**2) + np.trace(sigma1) + np.trace(sigma2)
               - 2 * np.trace(scipy.linalg.sqrtm(sigma1 @ sigma2)).real)
  np.testing.assert_allclose(frechet_distance(mu1, sigma1, mu2, sigma2), reference, rtol=1e-10)


def test_fid_against_a_reference_with_its_square_root_is_the_fid():
  """`gaussian_reference` keeps Σ's square root for later comparisons: the same Fréchet distance
  as computing it each time, to the rounding of float64 (the nuclear norm of S1·S2 against
  that of the same product from the same roots), and the root squares back to Σ."""
  rng = np.random.default_rng(3)
  reference_features = rng.normal(size=(200, 12)) @ rng.normal(size=(12, 12))
  samples = rng.normal(size=(150, 12)) @ rng.normal(size=(12, 12)) + 0.5
  mean, covariance, root = gaussian_reference(reference_features)
  np.testing.assert_allclose(root @ root, covariance, rtol=0, atol=1e-12 * np.abs(covariance).max())
  with_root = frechet_distance(*gaussian_statistics(samples), mean, covariance, root)
  assert with_root == pytest.approx(frechet_inception_distance(samples, reference_features),
                                    rel=1e-12)
  assert with_root == pytest.approx(frechet_inception_distance(reference_features, samples),
                                    rel=1e-12)


def test_fid_of_identical_statistics_is_zero():
  rng = np.random.default_rng(1)
  mu, sigma = rng.normal(size=16), random_covariance(rng, 16)
  assert abs(frechet_distance(mu, sigma, mu, sigma)) < 1e-8
  # Also for a singular covariance (5 samples in 16-D), where Tr Σ is ~10.
  _, singular = gaussian_statistics(rng.normal(size=(5, 16)))
  assert abs(frechet_distance(mu, singular, mu, singular)) < 1e-8


def test_trace_sqrt_product_of_low_rank_covariances_is_real_and_exact():
  # Σ = A Aᵀ with A [64, 10]: Tr((Σ1Σ2)^{1/2}) = ‖A1ᵀ A2‖_* exactly. scipy's sqrtm of the
  # non-symmetric product is complex here (and off in the 8th digit); ours is not.
  rng = np.random.default_rng(2)
  factor1, factor2 = rng.normal(size=(64, 10)), rng.normal(size=(64, 10))
  sigma1, sigma2 = factor1 @ factor1.T, factor2 @ factor2.T
  exact = np.linalg.svd(factor1.T @ factor2, compute_uv=False).sum()
  np.testing.assert_allclose(trace_sqrt_product(sigma1, sigma2), exact, rtol=1e-12)
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    assert np.iscomplexobj(scipy.linalg.sqrtm(sigma1 @ sigma2))


def test_fid_from_samples_approaches_the_closed_form():
  rng = np.random.default_rng(3)
  mu1, mu2 = np.zeros(4), np.array([1.0, 0.5, 0.0, -1.0])
  sigma1, sigma2 = np.diag([1.0, 2.0, 0.5, 1.0]), random_covariance(rng, 4)
  exact = frechet_distance(mu1, sigma1, mu2, sigma2)
  errors = []
  for num_samples in (100, 100_000):
    x = rng.multivariate_normal(mu1, sigma1, num_samples)
    y = rng.multivariate_normal(mu2, sigma2, num_samples)
    errors.append(abs(frechet_inception_distance(x, y) - exact))
  # At 1e5 samples the estimate's std is ~0.015 (mostly from the mean term).
  assert errors[1] < 0.05 and errors[1] < errors[0]


# --- Matrix square root ---------------------------------------------------------------------


def test_sqrtm_psd_of_ill_conditioned_matrix():
  rng = np.random.default_rng(4)
  rotation, _ = np.linalg.qr(rng.normal(size=(30, 30)))
  matrix = (rotation * np.logspace(0, -10, 30)) @ rotation.T  # condition number 1e10
  root = sqrtm_psd(matrix)
  assert root.dtype == np.float64
  np.testing.assert_allclose(root, root.T, atol=1e-15)
  assert np.linalg.eigvalsh(root).min() > -1e-12
  np.testing.assert_allclose(root @ root, matrix, atol=1e-14)
  np.testing.assert_allclose(root, scipy.linalg.sqrtm(matrix).real, atol=1e-10)


def test_sqrtm_psd_clips_rounding_negative_eigenvalues():
  vector = np.array([1.0, 2.0, 3.0])
  matrix = np.outer(vector, vector)  # rank 1: two eigenvalues are 0 up to rounding
  root = sqrtm_psd(matrix)
  assert np.all(np.isfinite(root))
  np.testing.assert_allclose(root, matrix / np.linalg.norm(vector), atol=1e-7)
  np.testing.assert_allclose(root @ root, matrix, atol=1e-12)


# --- KID ------------------------------------------------------------------------------------


def expected_polynomial_kernel(mean_a: np.ndarray, mean_b: np.ndarray) -> float:
  """E k(x, y) for independent x ~ N(a, I), y ~ N(b, I) in d dimensions, k = (xᵀy/d + 1)³:
  with u = xᵀy, E u = a·b, E u² = d + ‖a‖² + ‖b‖² + (a·b)²,
  E u³ = (a·b)³ + 3 (a·b)(‖a‖² + ‖b‖²) + (3d + 6)(a·b)  (Gaussian moments contracted)."""
  dim, dot = mean_a.shape[0], float(mean_a @ mean_b)
  norms = float(mean_a @ mean_a + mean_b @ mean_b)
  moment1, moment2 = dot, dim + norms + dot**2
  moment3 = dot**3 + 3 * dot * norms + (3 * dim + 6) * dot
  return 1 + 3 * moment1 / dim + 3 * moment2 / dim**2 + moment3 / dim**3


def test_mmd_estimator_matches_hand_computation():
  x, y = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 2.0]])
  kernel = lambda a, b: (a @ b / 2 + 1)**3
  within = sum(kernel(x[i], x[j]) + kernel(y[i], y[j]) for i in range(3) for j in range(3) if i != j)
  cross = sum(kernel(x[i], y[j]) for i in range(3) for j in range(3))
  expected = within / 6 - 2 * cross / 9
  np.testing.assert_allclose(polynomial_mmd2_unbiased(jnp.asarray(x), jnp.asarray(y)), expected,
                             rtol=1e-6)
  # subset_size is clipped to the 3 rows: every subset is a permutation of the data, which
  # leaves the estimate unchanged, so KID is that value with std 0.
  mean, std = kernel_inception_distance(x, y, num_subsets=3, subset_size=10)
  np.testing.assert_allclose(mean, expected, rtol=1e-6)
  assert float(std) == pytest.approx(0.0, abs=1e-5)


def test_kid_of_same_distribution_is_near_zero():
  rng = np.random.default_rng(5)
  x, y = rng.normal(size=(2000, 16)), rng.normal(size=(2000, 16))
  mean, std = kernel_inception_distance(x, y, num_subsets=50, subset_size=500, key=0)
  assert abs(float(mean)) < float(std)  # std = one subset's spread, ~10 × |mean| here


def test_kid_of_shifted_gaussians_matches_closed_form():
  rng = np.random.default_rng(6)
  dim, shift = 16, np.full(16, 0.5)
  zero = np.zeros(dim)
  closed_form = (expected_polynomial_kernel(zero, zero) + expected_polynomial_kernel(shift, shift)
                 - 2 * expected_polynomial_kernel(zero, shift))  # = 1.0293 for these
  x, y = rng.normal(size=(4000, dim)), rng.normal(size=(4000, dim)) + shift
  mean, std = kernel_inception_distance(x, y, num_subsets=50, subset_size=1000,
                                        key=jax.random.key(1))
  # Over seeds the estimate spreads by ~0.035 at 4000 samples (the cubic kernel's heavy
  # tails), so 10% is ~3 of its standard deviations.
  np.testing.assert_allclose(float(mean), closed_form, rtol=0.1)
  assert float(mean) > 10 * float(std)


def test_mmd_estimator_is_unbiased():
  # 400 independent pairs of same-distribution samples: the unbiased estimates average to 0
  # (within 4 standard errors, here independent), while the biased V-statistic is clearly > 0.
  num_pairs, num_samples, dim = 400, 30, 4
  keys = jax.random.split(jax.random.key(7), 2)
  x = jax.random.normal(keys[0], (num_pairs, num_samples, dim))
  y = jax.random.normal(keys[1], (num_pairs, num_samples, dim))
  unbiased = np.asarray(jax.vmap(polynomial_mmd2_unbiased)(x, y))
  standard_error = unbiased.std(ddof=1) / np.sqrt(num_pairs)
  assert abs(unbiased.mean()) < 4 * standard_error

  def biased(a: jax.Array, b: jax.Array) -> jax.Array:
    kernel = lambda u, v: (u @ v.T / dim + 1)**3
    return jnp.mean(kernel(a, a)) + jnp.mean(kernel(b, b)) - 2 * jnp.mean(kernel(a, b))
  assert np.asarray(jax.vmap(biased)(x, y)).mean() > 10 * standard_error


# --- Inception score ------------------------------------------------------------------------


def test_uniform_predictions_score_one():
  mean, std = inception_score(jnp.full((100, 10), 0.1), num_splits=10)
  np.testing.assert_allclose(mean, 1.0, rtol=1e-6)
  np.testing.assert_allclose(std, 0.0, atol=1e-6)


def test_confident_predictions_spread_over_k_classes_score_k():
  num_classes = 7
  predictions = np.tile(np.eye(num_classes), (10 * 3, 1))  # each split: every class 3 times
  mean, std = inception_score(predictions, num_splits=10)
  np.testing.assert_allclose(mean, num_classes, rtol=1e-5)
  np.testing.assert_allclose(std, 0.0, atol=1e-5)


def test_inception_score_per_split_mean_and_std():
  # Split 0: uniform over 4 classes (IS 1); split 1: one-hot over all 4 (IS 4).
  predictions = np.concatenate([np.full((4, 4), 0.25), np.eye(4)])
  mean, std = inception_score(predictions, num_splits=2)
  np.testing.assert_allclose([mean, std], [2.5, 1.5], rtol=1e-5)
  # Uneven split sizes (7 rows in 2 splits: rows 0-2 and 3-6) as in the reference code.
  mean, _ = inception_score(np.concatenate([np.eye(4)[:3], np.eye(4)]), num_splits=2)
  np.testing.assert_allclose(mean, 3.5, rtol=1e-5)


# --- Precision and recall -------------------------------------------------------------------


def test_knn_radii_and_coverage_by_hand():
  real = jnp.array([[0.0], [1.0], [2.0], [3.0], [10.0]])
  # k = 1: nearest other point; 10 is 7 from 3.
  np.testing.assert_allclose(knn_squared_radii(real, k=1), [1.0, 1.0, 1.0, 1.0, 49.0])
  fake = jnp.array([[10.5], [20.0], [2.5], [-1.5]])
  # 10.5 (in 10's ball), 20 (17 from 10: out), 2.5 (in), -1.5 (1.5 from 0: out).
  precision, _ = precision_recall(real, fake, k=1)
  np.testing.assert_allclose(precision, 0.5)


def test_identical_sets_have_full_precision_and_recall():
  features = jax.random.normal(jax.random.key(8), (300, 8))
  np.testing.assert_allclose(precision_recall(features, features, k=3), [1.0, 1.0])


def test_far_apart_sets_have_zero_precision_and_recall():
  keys = jax.random.split(jax.random.key(9))
  real = jax.random.normal(keys[0], (200, 8))
  fake = jax.random.normal(keys[1], (200, 8)) + 100.0
  np.testing.assert_allclose(precision_recall(real, fake, k=3), [0.0, 0.0])


def test_fake_set_on_half_the_real_clusters():
  # Real: 4 clusters far apart in 2-D; fake: fresh samples of 2 of them. Fake points are
  # real-looking (precision ≈ 1: the 3-NN balls of 250 points cover ~97% of their Gaussian in
  # 2-D, less in more dimensions) but cover half the real data (recall ≈ 0.5).
  rng = np.random.default_rng(10)
  centres = 20.0 * np.eye(4, 2) - 20.0 * np.eye(4, 2, k=-2)  # (±20, 0), (0, ±20)
  real = np.concatenate([centre + rng.normal(size=(250, 2)) for centre in centres])
  fake = np.concatenate([centre + rng.normal(size=(500, 2)) for centre in centres[:2]])
  precision, recall = precision_recall(real, fake, k=3, batch_size=128)
  assert float(precision) > 0.95
  np.testing.assert_allclose(recall, 0.5, atol=0.05)
  assert float(recall) <= 0.5  # the two uncovered clusters are out of every fake ball


def test_batched_distances_match_one_batch():
  # Batch sizes that do not divide the set sizes (padding) give the same answer as one batch.
  keys = jax.random.split(jax.random.key(11))
  real = jax.random.normal(keys[0], (301, 6))
  fake = jax.random.normal(keys[1], (257, 6)) * 1.3 + 0.3
  whole = precision_recall(real, fake, k=3, batch_size=1024)
  batched = precision_recall(real, fake, k=3, batch_size=64)
  np.testing.assert_allclose(batched, whole)
  assert 0.0 < float(whole[0]) < 1.0 and 0.0 < float(whole[1]) < 1.0
  # And both match a brute-force numpy float64 reference.
  real64, fake64 = np.asarray(real, np.float64), np.asarray(fake, np.float64)
  def coverage(queries, references):
    radii = np.sort(np.linalg.norm(references[:, None] - references[None], axis=-1), axis=1)[:, 3]
    return np.mean(np.any(np.linalg.norm(queries[:, None] - references[None], axis=-1)
                          <= radii[None], axis=1))
  # (float32 expansion vs float64 differences could flip a point on a ball's boundary: allow 1.)
  np.testing.assert_allclose(whole, [coverage(fake64, real64), coverage(real64, fake64)],
                             atol=1.01 / 257)


def test_inception_score_ceiling_of_two_draws_over_two_classes_by_hand():
  # Two draws over two classes: histogram (1, 1) or (2, 0), each with probability ½, so
  # E[H] = ½ log 2 and the ceiling is exp(½ log 2) = √2.
  np.testing.assert_allclose(expected_entropy_of_uniform_draws(2, 2), 0.5 * np.log(2), rtol=1e-12)
  np.testing.assert_allclose(inception_score_ceiling(2, 1, 2), np.sqrt(2), rtol=1e-12)
  # Splits of uneven size average their ceilings: 5 samples in 2 splits are sizes 2 and 3.
  np.testing.assert_allclose(inception_score_ceiling(5, 2, 2),
                             (np.sqrt(2) + np.exp(expected_entropy_of_uniform_draws(3, 2))) / 2)
  # Three draws over two: (2, 1) w.p. ¾, (3, 0) w.p. ¼: E[H] = ¾ H(⅔, ⅓).
  np.testing.assert_allclose(expected_entropy_of_uniform_draws(3, 2),
                             -0.75 * (2 / 3 * np.log(2 / 3) + 1 / 3 * np.log(1 / 3)), rtol=1e-12)


def test_stacked_inception_score_ceiling_matches_simulated_perfect_generators():
  # 1,000 samples per split over 1,000 classes (Stacked-MNIST's protocol): ≈ 564, not 1,000.
  ceiling = inception_score_ceiling(10_000, 10, 1_000)
  counts = np.random.default_rng(0).multinomial(1_000, np.full(1_000, 1e-3), size=4_000) / 1_000
  scores = np.exp(-np.sum(counts * np.log(np.where(counts > 0, counts, 1.0)), axis=1))
  stderr = scores.std() / np.sqrt(len(scores))
  assert abs(scores.mean() - ceiling) < 4 * stderr + 0.1  # 0.1: E[exp H] - exp E[H].
  np.testing.assert_allclose(ceiling, 563.8, atol=0.1)


def test_inception_score_of_perfect_samples_reaches_the_ceiling():
  # One-hot predictions of uniform classes, scored by `inception_score` itself: 300 splits of
  # 100 samples over 100 classes.
  classes = np.random.default_rng(1).integers(0, 100, 30_000)
  score, split_std = inception_score(np.eye(100, dtype=np.float32)[classes], num_splits=300)
  ceiling = inception_score_ceiling(30_000, 300, 100)
  assert 56 < ceiling < 57  # Far below K = 100.
  assert abs(float(score) - ceiling) < 4 * float(split_std) / np.sqrt(300) + 0.2
