"""Sample-quality metrics on feature arrays: FID, KID, Inception score, precision and recall.

Every function here takes features (or class probabilities) that some feature network has
already computed — [N, D] arrays, one row per image; which network (Inception-v3 pool3, a
CIFAR-10 or MNIST classifier, ...) is the caller's choice and not part of this module.

    FID  (Heusel et al. 2017, arXiv 1706.08500)
         ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^{1/2})   of Gaussian fits to the two feature sets
    KID  (Bińkowski et al. 2018, arXiv 1801.01401)
         unbiased MMD² with k(x, y) = (xᵀy / d + 1)³, averaged over random subsets
    IS   (Salimans et al. 2016, arXiv 1606.03498)
         exp(E_x KL(p(y|x) ‖ p(y))), per split of the samples, and the ceiling a perfect
         generator reaches at that split size (`inception_score_ceiling`)
    precision / recall  (Kynkäänniemi et al. 2019, arXiv 1904.06991)
         share of fake points inside the real k-NN manifold, and of real points inside the fake one

Precision policy. The Gaussian fit and the Fréchet distance run in numpy float64 on the host:
JAX computes in float32 unless `jax_enable_x64` is set, and FID is a small difference of large
traces (Tr Σ of 2048-D Inception features is in the hundreds, FIDs of good models are single
digits), which float32 covariances and eigenvalues would blur — the reference implementations
(TTUR, pytorch-fid) also use float64 numpy/scipy. KID, IS and precision/recall are jitted JAX
and run in the input's precision (float32 by default, float64 with x64 enabled); their sums are
of bounded, positive terms and float32 is what the reference implementations use for them.
"""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import xlogy


# --------------------------------------------------------------------------------------------
# Fréchet Inception Distance (host, float64).


def gaussian_statistics(features: np.ndarray | jax.Array) -> tuple[np.ndarray, np.ndarray]:
  """Mean [D] and unbiased covariance [D, D] of `features` [N, D], as numpy float64.

      μ = 1/N Σ_i f_i,     Σ = 1/(N − 1) Σ_i (f_i − μ)(f_i − μ)ᵀ

  The N − 1 (ddof = 1) normalisation is the one of the reference FID code: TTUR's and
  pytorch-fid's `np.cov(features, rowvar=False)`. float64 on the host because JAX's float64 is
  off by default (see the module docstring).
  """
  features = np.asarray(features, dtype=np.float64)
  if features.ndim != 2 or features.shape[0] < 2:
    raise ValueError(f"need [N >= 2, D] features, got shape {features.shape}")
  return features.mean(axis=0), np.cov(features, rowvar=False, ddof=1).reshape(
      features.shape[1], features.shape[1])


def sqrtm_psd(matrix: np.ndarray) -> np.ndarray:
  """The symmetric positive semi-definite square root S of a symmetric PSD `matrix` A (S·S = A).

      A = V diag(λ) Vᵀ  (eigh)   →   S = V diag(√max(λ, 0)) Vᵀ

  The matrix is symmetrised first, (A + Aᵀ)/2, and eigenvalues that rounding made slightly
  negative are clipped to 0, so S is always real, symmetric and PSD. An eigendecomposition of
  a symmetric matrix is backward stable, so ‖S·S − A‖ ≈ ε‖A‖ however ill-conditioned A is;
  a general-purpose Schur-based square root (`scipy.linalg.sqrtm`) does not exploit symmetry
  and can return complex parts for singular or nearly singular input.
  """
  matrix = np.asarray(matrix, dtype=np.float64)
  eigenvalues, eigenvectors = np.linalg.eigh((matrix + matrix.T) / 2)
  return (eigenvectors * np.sqrt(np.maximum(eigenvalues, 0.0))) @ eigenvectors.T


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray,
                       root2: np.ndarray | None = None) -> float:
  """Tr((Σ1 Σ2)^{1/2}) for symmetric PSD Σ1, Σ2, without a square root of a non-symmetric matrix.

  Σ1 Σ2 is not symmetric, but with S1 = Σ1^{1/2} it is similar to the symmetric PSD matrix
  M = S1 Σ2 S1 (Σ1 Σ2 = S1 M S1⁻¹, for singular Σ1 by continuity), so both have the same
  eigenvalues λ_i ≥ 0, and with S2 = Σ2^{1/2}, M = (S1 S2)(S1 S2)ᵀ:

      Tr((Σ1 Σ2)^{1/2}) = Tr((S1 Σ2 S1)^{1/2}) = Σ_i √λ_i(M) = Σ_i σ_i(S1 S2) = ‖S1 S2‖_*

  the nuclear norm (sum of singular values) of S1 S2, both square roots from `sqrtm_psd`.
  Taking singular values of S1 S2 rather than eigenvalues of M avoids squaring: rounding
  leaves M's zero eigenvalues at ±ε‖M‖, whose square roots (√ε ≈ 1e-8 relative) would
  dominate the error for singular covariances (fewer samples than feature dimensions), while
  σ_i(S1 S2) carry absolute errors ≈ ε‖S1 S2‖ (measured: 1e-14 relative vs 1e-8 with
  eigvalsh(M) for rank-10 covariances in 64-D).

  pytorch-fid instead calls `scipy.linalg.sqrtm(Σ1 @ Σ2)` on the non-symmetric product, which
  can come back with imaginary parts, or inaccurate, when the covariances are ill-conditioned
  or singular; it then retries with ε·I added to both. Here everything is real, no retry.

  `root2`, if given, is `sqrtm_psd(sigma2)` computed once for a reference that several sets are
  compared with (`gaussian_reference`), saving one of the two eigenproblems per comparison.
  """
  product = sqrtm_psd(sigma1) @ (sqrtm_psd(sigma2) if root2 is None else root2)
  return float(np.sum(np.linalg.svd(product, compute_uv=False)))


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray, root2: np.ndarray | None = None) -> float:
  """The Fréchet (2-Wasserstein) distance² between N(μ1, Σ1) and N(μ2, Σ2), i.e. FID when the
  statistics are those of Inception features (Heusel et al. 2017, arXiv 1706.08500, Section 3):

      d² = ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^{1/2})

  in float64; the trace of the square root is `trace_sqrt_product` (two symmetric
  eigenproblems and one SVD; one with `root2` = sqrtm_psd(Σ2) given). Exactly the formula of
  TTUR / pytorch-fid, minus their complex-part checks.
  """
  mu1, mu2 = np.asarray(mu1, dtype=np.float64), np.asarray(mu2, dtype=np.float64)
  sigma1, sigma2 = np.asarray(sigma1, dtype=np.float64), np.asarray(sigma2, dtype=np.float64)
  mean_term = float(np.sum((mu1 - mu2) ** 2))
  return mean_term + float(np.trace(sigma1) + np.trace(sigma2)) - 2 * trace_sqrt_product(
      sigma1, sigma2, root2)


def gaussian_reference(features: np.ndarray | jax.Array
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
  """(μ, Σ, sqrtm_psd(Σ)) of a reference set's `features` [N, D]: what several sets x are
  compared with, `frechet_distance(*gaussian_statistics(x), *reference)`, Σ's square root
  computed once instead of at every comparison (a D-dimensional eigenproblem each)."""
  mean, covariance = gaussian_statistics(features)
  return mean, covariance, sqrtm_psd(covariance)


def frechet_inception_distance(features_x: np.ndarray | jax.Array,
                               features_y: np.ndarray | jax.Array) -> float:
  """FID of two feature sets [N, D], [M, D]: `frechet_distance` of their `gaussian_statistics`."""
  return frechet_distance(*gaussian_statistics(features_x), *gaussian_statistics(features_y))


# --------------------------------------------------------------------------------------------
# Kernel Inception Distance (JAX).


def polynomial_kernel(x: jax.Array, y: jax.Array) -> jax.Array:
  """[N, D], [M, D] -> [N, M] kernel matrix k(x, y) = (xᵀy / D + 1)³ (KID's kernel,
  Bińkowski et al. 2018, Section 4)."""
  return (x @ y.T / x.shape[-1] + 1.0) ** 3


@jax.jit
def polynomial_mmd2_unbiased(x: jax.Array, y: jax.Array) -> jax.Array:
  """Unbiased estimate of MMD²(P, Q) from x [m, D] ~ P and y [m, D] ~ Q with the KID kernel
  (Gretton et al. 2012, JMLR, Lemma 6; Bińkowski et al. 2018, Section 4):

      MMD²_u = 1/(m(m−1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m−1)) Σ_{i≠j} k(y_i, y_j)
               − 2/m² Σ_{i,j} k(x_i, y_j)

  (the cross term keeps its diagonal: x_i and y_i are independent; this is the `unbiased`
  estimator of the authors' `polynomial_mmd`). It can be negative when P = Q.
  """
  m = x.shape[0]
  k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
  within = ((jnp.sum(k_xx) - jnp.trace(k_xx)) + (jnp.sum(k_yy) - jnp.trace(k_yy))) / (m * (m - 1))
  return within - 2.0 * jnp.sum(k_xy) / (m * m)


@functools.partial(jax.jit, static_argnames=("num_subsets", "subset_size"))
def _kid_per_subset(features_x: jax.Array, features_y: jax.Array, key: jax.Array,
                    num_subsets: int, subset_size: int) -> jax.Array:
  """[num_subsets] MMD²_u values, each on `subset_size` rows drawn without replacement from
  each set; subsets are independent draws (they may share rows), one at a time (lax.map) so
  memory stays at three [subset_size, subset_size] kernel matrices."""
  def one_subset(subset_key: jax.Array) -> jax.Array:
    key_x, key_y = jax.random.split(subset_key)
    rows_x = jax.random.permutation(key_x, features_x.shape[0])[:subset_size]
    rows_y = jax.random.permutation(key_y, features_y.shape[0])[:subset_size]
    return polynomial_mmd2_unbiased(features_x[rows_x], features_y[rows_y])
  return jax.lax.map(one_subset, jax.random.split(key, num_subsets))


def kernel_inception_distance(features_x: jax.Array | np.ndarray,
                              features_y: jax.Array | np.ndarray, num_subsets: int = 100,
                              subset_size: int = 1000, key: jax.Array | int = 0
                              ) -> tuple[jax.Array, jax.Array]:
  """KID (Bińkowski et al. 2018, arXiv 1801.01401): (mean, std) of `polynomial_mmd2_unbiased`
  over `num_subsets` random subsets of `subset_size` rows of each feature set, the protocol of
  the authors' `polynomial_mmd_averages` (and torch-fidelity's `kid_subsets`):

      KID = 1/S Σ_s MMD²_u(x[I_s], y[J_s]),   I_s, J_s drawn without replacement

  `subset_size` is clipped to the smaller set (min(N_x, N_y, subset_size)), as in that code.
  The second value is the standard deviation over subsets (ddof = 0, as the authors' code and
  torch-fidelity report it) — the spread of a single subset's estimate, **not** a standard
  error of the mean: the subsets overlap (when subset_size = N they are all the same data and
  the std is 0), so std/√S would understate the uncertainty. `key` is a PRNG key or an int seed.
  """
  if isinstance(key, int):
    key = jax.random.key(key)
  features_x, features_y = jnp.asarray(features_x), jnp.asarray(features_y)
  subset_size = min(subset_size, features_x.shape[0], features_y.shape[0])
  if subset_size < 2:
    raise ValueError("KID needs at least 2 rows per subset")
  values = _kid_per_subset(features_x, features_y, key, num_subsets, subset_size)
  return jnp.mean(values), jnp.std(values)


# --------------------------------------------------------------------------------------------
# Inception score (JAX).


@functools.partial(jax.jit, static_argnames="num_splits")
def _inception_score_of_segments(probabilities: jax.Array, split_ids: jax.Array,
                                 num_splits: int) -> tuple[jax.Array, jax.Array]:
  counts = jax.ops.segment_sum(jnp.ones(probabilities.shape[0]), split_ids, num_splits)
  marginals = jax.ops.segment_sum(probabilities, split_ids, num_splits) / counts[:, None]
  kl = jnp.sum(xlogy(probabilities, probabilities) - xlogy(probabilities, marginals[split_ids]),
               axis=-1)
  scores = jnp.exp(jax.ops.segment_sum(kl, split_ids, num_splits) / counts)
  return jnp.mean(scores), jnp.std(scores)


def inception_score(probabilities: jax.Array | np.ndarray, num_splits: int = 10
                    ) -> tuple[jax.Array, jax.Array]:
  """Inception score (Salimans et al. 2016, arXiv 1606.03498, Section 4) of class
  probabilities p(y|x_i) [N, K] (softmax outputs, rows summing to 1): the samples are cut into
  `num_splits` consecutive splits and, in each,

      IS = exp( 1/n Σ_i KL(p(y|x_i) ‖ p(y)) ),   p(y) = 1/n Σ_i p(y|x_i)   (the split's marginal)

  returning the (mean, std) over splits, std with ddof = 0 — the protocol of the authors'
  `get_inception_score` (split i is rows [i·N // S, (i+1)·N // S), so splits differ by at most
  one row). 0·log 0 is taken as 0. IS ranges from 1 (every p(y|x) equal to the marginal) to K
  (confident predictions spread evenly over all K classes).
  """
  probabilities = jnp.asarray(probabilities)
  num_samples = probabilities.shape[0]
  if num_samples < num_splits:
    raise ValueError(f"{num_samples} samples cannot make {num_splits} splits")
  split_ids = np.searchsorted(_split_starts(num_samples, num_splits), np.arange(num_samples),
                              side="right") - 1
  return _inception_score_of_segments(probabilities, jnp.asarray(split_ids), num_splits)


def _split_starts(num_samples: int, num_splits: int) -> np.ndarray:
  """The first row of each of `inception_score`'s splits: i·N // S."""
  return np.arange(num_splits) * num_samples // num_splits


def expected_entropy_of_uniform_draws(num_draws: int, num_classes: int) -> float:
  """E[H(p̂)] in nats, p̂ the class histogram of n draws uniform over K classes, exactly:

      E[H] = −K Σ_{k=1}^{n} Binom(k; n, 1/K) (k/n) log(k/n),

  each class's count being Binomial(n, 1/K) and H a sum over the classes."""
  counts = np.arange(1, num_draws + 1)
  log_p, log_q = -math.log(num_classes), math.log1p(-1 / num_classes)
  log_pmf = np.array([math.lgamma(num_draws + 1) - math.lgamma(k + 1) - math.lgamma(num_draws - k + 1)
                      for k in counts]) + counts * log_p + (num_draws - counts) * log_q
  shares = counts / num_draws
  return float(-num_classes * np.sum(np.exp(log_pmf) * shares * np.log(shares)))


def inception_score_ceiling(num_samples: int, num_splits: int, num_classes: int) -> float:
  """The Inception score of a perfect generator at this sample size: every sample labelled
  with certainty (p(y|x) one-hot), classes uniform. A split of n such samples scores
  exp(H(p̂)), the exponentiated entropy of its class histogram, which reaches K only once
  n ≫ K: with n = K = 1,000 (10 splits of 10,000 samples over Stacked-MNIST's 1,000 modes) a
  perfect generator scores ≈ 564, not 1,000. Returned: the mean over `inception_score`'s
  splits of exp(E[H(p̂)]) (`expected_entropy_of_uniform_draws`); the expected score E[exp H]
  exceeds it by ≈ ½·Var(H)·exp(E[H]), 0.1 at n = K = 1,000 (tests/evaluation/
  test_feature_metrics.py checks it against simulated splits)."""
  sizes = np.diff(np.append(_split_starts(num_samples, num_splits), num_samples))
  return float(np.mean([math.exp(expected_entropy_of_uniform_draws(int(n), num_classes))
                        for n in sizes]))


# --------------------------------------------------------------------------------------------
# Improved precision and recall (JAX).


def _squared_distances(queries: jax.Array, references: jax.Array,
                       reference_norms: jax.Array) -> jax.Array:
  """[B, D], [N, D], [N] -> [B, N] ‖q − r‖² = ‖q‖² − 2qᵀr + ‖r‖², clipped at 0."""
  squared = (jnp.sum(queries**2, axis=1)[:, None] - 2 * queries @ references.T
             + reference_norms[None, :])
  return jnp.maximum(squared, 0.0)


def _map_over_row_batches(function, rows: jax.Array, batch_size: int) -> jax.Array:
  """function([B, D] rows) -> [B] values, over all rows in batches of `batch_size` (the last
  one zero-padded, its padding dropped), one batch at a time."""
  num_rows = rows.shape[0]
  batch_size = min(batch_size, num_rows)
  num_batches = -(-num_rows // batch_size)
  padded = jnp.pad(rows, ((0, num_batches * batch_size - num_rows), (0, 0)))
  values = jax.lax.map(function, padded.reshape(num_batches, batch_size, rows.shape[1]))
  return values.reshape(-1)[:num_rows]


@functools.partial(jax.jit, static_argnames=("k", "batch_size"))
def knn_squared_radii(features: jax.Array, k: int = 3, batch_size: int = 1024) -> jax.Array:
  """[N, D] -> [N] squared distance from each point to its k-th nearest neighbour among the
  *other* points of the same set (the point itself, at distance 0, is the 0-th), i.e. the
  radius of its k-NN ball (Kynkäänniemi et al. 2019, Section 2, and the authors'
  `ManifoldEstimator`, which takes column k of the row-sorted distances). Distances are
  computed `batch_size` rows at a time ([batch_size, N] at once, never [N, N])."""
  norms = jnp.sum(features**2, axis=1)
  def radii(rows: jax.Array) -> jax.Array:
    return kth_smallest(_squared_distances(rows, features, norms), k)
  return _map_over_row_batches(radii, features, batch_size)


def kth_smallest(values: jax.Array, k: int) -> jax.Array:
  """[B, N] -> [B]: each row's k-th smallest value, 0-based (column k of the row sorted, equal
  values counted separately), by setting the row's smallest entry to +inf k times. For small
  k this is much faster than `lax.top_k` on XLA:CPU: 0.075 s against 1.49 s for k = 3 on a
  [1024, 10000] block (2-core CPU), so k-NN radii of 10,000 points take ~1 s instead of 15."""
  rows = jnp.arange(values.shape[0])
  for _ in range(k):
    values = values.at[rows, jnp.argmin(values, axis=1)].set(jnp.inf)
  return jnp.min(values, axis=1)


@functools.partial(jax.jit, static_argnames="batch_size")
def manifold_coverage(queries: jax.Array, references: jax.Array,
                      reference_squared_radii: jax.Array, batch_size: int = 1024) -> jax.Array:
  """Share of `queries` [M, D] inside the manifold estimate of `references` [N, D]
  (Kynkäänniemi et al. 2019, Section 2):

      f(q) = 1  if  ∃ r:  ‖q − r‖ ≤ ‖r − NN_k(r)‖,   else 0;      coverage = 1/M Σ_q f(q)

  in `batch_size`-row batches of queries."""
  norms = jnp.sum(references**2, axis=1)
  def inside(rows: jax.Array) -> jax.Array:
    return jnp.any(_squared_distances(rows, references, norms)
                   <= reference_squared_radii[None, :], axis=1)
  return jnp.mean(_map_over_row_batches(inside, queries, batch_size).astype(jnp.float32))


def precision_recall(real_features: jax.Array | np.ndarray, fake_features: jax.Array | np.ndarray,
                     k: int = 3, batch_size: int = 1024) -> tuple[jax.Array, jax.Array]:
  """Improved precision and recall (Kynkäänniemi et al. 2019, arXiv 1904.06991, Section 2):
  each set's manifold is the union of balls around its points with radius the distance to the
  k-th nearest neighbour within that set (k = 3 in the paper);

      precision = share of fake points inside the real manifold   (quality)
      recall    = share of real points inside the fake manifold   (coverage)

  Pairwise distances are formed `batch_size` rows at a time ([batch_size, N] memory), so
  10k × 10k feature sets never materialise a 10k² matrix. Distances use the expansion
  ‖a‖² − 2aᵀb + ‖b‖² in the features' precision, like the authors' code.
  """
  real_features, fake_features = jnp.asarray(real_features), jnp.asarray(fake_features)
  for name, features in (("real", real_features), ("fake", fake_features)):
    if features.shape[0] <= k:
      raise ValueError(f"{name} set has {features.shape[0]} points: k = {k} needs more than k")
  real_radii = knn_squared_radii(real_features, k, batch_size)
  fake_radii = knn_squared_radii(fake_features, k, batch_size)
  precision = manifold_coverage(fake_features, real_features, real_radii, batch_size)
  recall = manifold_coverage(real_features, fake_features, fake_radii, batch_size)
  return precision, recall
