"""SSIM, MS-SSIM and pairwise diversity on constructed images with known or reference values."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from skimage.metrics import structural_similarity

from aegan.evaluation.ms_ssim import (MS_SSIM_WEIGHTS, average_pool_2x2, ms_ssim,
                                      pairwise_ms_ssim, random_distinct_pairs, ssim,
                                      ssim_and_contrast_structure)

C1, C2 = 0.01**2, 0.03**2  # (k1·L)², (k2·L)² for max_value L = 1.


def natural_ish(rng: np.random.Generator, num_images: int, size: int = 32) -> np.ndarray:
  """[N, size, size, 3] in [0, 1]: a few random low-frequency sinusoids per channel plus
  mild pixel noise (smooth structure with edges of several scales, like small photos)."""
  grid = np.arange(size) / size
  u, v = np.meshgrid(grid, grid, indexing="ij")
  images = np.full((num_images, size, size, 3), 0.5)
  for _ in range(4):
    frequency = rng.uniform(0.5, 4.0, size=(num_images, 1, 1, 3, 2))
    phase = rng.uniform(0, 2 * np.pi, size=(num_images, 1, 1, 3))
    amplitude = rng.uniform(0.05, 0.15, size=(num_images, 1, 1, 3))
    images += amplitude * np.sin(2 * np.pi * (frequency[..., 0] * u[..., None]
                                              + frequency[..., 1] * v[..., None]) + phase)
  return np.clip(images + 0.02 * rng.normal(size=images.shape), 0.0, 1.0)


def skimage_ssim(x: np.ndarray, y: np.ndarray, data_range: float) -> np.ndarray:
  """scikit-image's SSIM per pair with the settings of Wang et al. 2004 / tf.image.ssim.

  Correspondence: gaussian_weights with sigma 1.5 and its truncate = 3.5 give a radius of
  int(3.5·1.5 + 0.5) = 5, i.e. the same normalised 11-tap Gaussian; use_sample_covariance=False
  gives population moments; channel_axis=-1 averages per-channel SSIM. scikit-image filters
  with 'reflect' padding and then crops (11 − 1)/2 = 5 pixels from every border before taking
  the mean, so its mean runs over exactly the positions where the window fits inside the image
  (our "valid" convolution) and the padded values never enter."""
  return np.array([
      structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                            data_range=data_range, channel_axis=-1)
      for a, b in zip(np.asarray(x, np.float64), np.asarray(y, np.float64))])


def test_identical_images_score_exactly_one():
  rng = np.random.default_rng(0)
  for images in (natural_ish(rng, 4), rng.uniform(size=(4, 32, 32, 3)),
                 rng.uniform(size=(2, 64, 48, 1))):
    np.testing.assert_allclose(ms_ssim(images, images, 1.0), 1.0, atol=1e-6)
    np.testing.assert_allclose(ssim(images, images, 1.0), 1.0, atol=1e-6)


def test_symmetric():
  rng = np.random.default_rng(1)
  x, y = natural_ish(rng, 4), natural_ish(rng, 4)
  np.testing.assert_allclose(ms_ssim(x, y, 1.0), ms_ssim(y, x, 1.0), atol=1e-7)
  np.testing.assert_allclose(ssim(x, y, 1.0), ssim(y, x, 1.0), atol=1e-7)


def test_decreases_with_added_noise():
  rng = np.random.default_rng(2)
  clean = natural_ish(rng, 3)
  noise = rng.normal(size=clean.shape)
  scores = np.stack([np.asarray(ms_ssim(clean, np.clip(clean + level * noise, 0, 1), 1.0))
                     for level in (0.01, 0.03, 0.1, 0.3)])
  assert np.all(np.diff(scores, axis=0) < 0), scores
  # Coarse scales average the noise away and carry most weight: still far below 1.
  assert np.all(scores[0] > 0.95) and np.all(scores[-1] < 0.8), scores


def test_in_unit_interval_for_natural_ish_pairs():
  rng = np.random.default_rng(3)
  x, y = natural_ish(rng, 8), natural_ish(rng, 8)
  scores = np.asarray(ms_ssim(x, y, 1.0))
  assert np.all((scores >= 0) & (scores <= 1)), scores
  assert np.all(scores < 0.99), scores  # different images are not identical.


@pytest.mark.parametrize("shape, data_range", [((3, 32, 32, 3), 1.0), ((2, 40, 27, 1), 1.0),
                                               ((2, 24, 30, 3), 255.0)])
def test_ssim_matches_scikit_image(shape, data_range):
  rng = np.random.default_rng(4)
  x = rng.uniform(0, data_range, size=shape)
  y = np.clip(x + 0.1 * data_range * rng.normal(size=shape), 0, data_range)
  np.testing.assert_allclose(ssim(x, y, data_range), skimage_ssim(x, y, data_range),
                             atol=1e-5)
  smooth_x, smooth_y = natural_ish(rng, 2), natural_ish(rng, 2)  # low SSIM, other regime.
  np.testing.assert_allclose(ssim(smooth_x, smooth_y, 1.0),
                             skimage_ssim(smooth_x, smooth_y, 1.0), atol=1e-5)


def test_constant_images_reduce_to_luminance():
  # No variance anywhere: cs = C2 / C2 = 1 and SSIM = (2ab + C1) / (a² + b² + C1) exactly;
  # pooling keeps constants constant, so MS-SSIM = luminance^β_5 (the other factors are 1).
  a, b = 0.2, 0.7
  x, y = np.full((1, 32, 32, 3), a), np.full((1, 32, 32, 3), b)
  luminance = (2 * a * b + C1) / (a**2 + b**2 + C1)  # = 0.2801 / 0.5301 ≈ 0.52839
  ssim_value, cs_value = ssim_and_contrast_structure(x, y, 1.0)
  np.testing.assert_allclose(ssim_value, luminance, rtol=1e-6)
  np.testing.assert_allclose(cs_value, 1.0, rtol=1e-6)
  np.testing.assert_allclose(ms_ssim(x, y, 1.0), luminance**MS_SSIM_WEIGHTS[-1], rtol=1e-6)


def test_anticorrelated_structure_is_clipped_to_zero():
  # y = 1 − x: σ_xy = −σ², so cs = (C2 − 2σ²) / (2σ² + C2) < 0 at the finest scale; TF's relu
  # makes that factor, and so MS-SSIM, exactly 0 (instead of a NaN fractional power).
  x = np.random.default_rng(5).uniform(size=(2, 32, 32, 3))
  _, cs_value = ssim_and_contrast_structure(x, 1.0 - x, 1.0)
  assert np.all(np.asarray(cs_value) < -0.9)
  np.testing.assert_array_equal(ms_ssim(x, 1.0 - x, 1.0), 0.0)


def test_scales_are_ssim_of_pooled_images():
  rng = np.random.default_rng(6)
  x, y = natural_ish(rng, 2, size=64), natural_ish(rng, 2, size=64)
  y = np.clip(0.5 * x + 0.5 * y, 0, 1)  # correlated, so SSIM > 0 at every scale.
  # One scale: MS-SSIM = relu(SSIM).
  np.testing.assert_allclose(ms_ssim(x, y, 1.0, weights=(1.0,)), skimage_ssim(x, y, 1.0),
                             atol=1e-5)
  # All weight on scale 2: SSIM of the 2×2-average-pooled 32×32 images.
  pool = lambda images: images.reshape(2, 32, 2, 32, 2, 3).mean(axis=(2, 4))
  np.testing.assert_allclose(ms_ssim(x, y, 1.0, weights=(0.0, 1.0)),
                             skimage_ssim(pool(x), pool(y), 1.0), atol=1e-5)


def test_average_pool_pads_odd_sides_by_repeating_the_edge():
  image = np.arange(9.0).reshape(1, 3, 3, 1)  # rows [0 1 2], [3 4 5], [6 7 8].
  expected = np.array([[(0 + 1 + 3 + 4) / 4, (2 + 2 + 5 + 5) / 4],
                       [(6 + 7 + 6 + 7) / 4, 8.0]])
  np.testing.assert_allclose(average_pool_2x2(image)[0, :, :, 0], expected)


def test_window_clipped_to_small_images():
  # 8×8 < 11: the window becomes 8 wide with σ scaled by 8/11 (tensorflow/models msssim.py),
  # one statistic per image; for 32×32 MS-SSIM this is what happens at scales 3 to 5.
  rng = np.random.default_rng(7)
  x, y = rng.uniform(size=(2, 8, 8, 3)), rng.uniform(size=(2, 8, 8, 3))
  np.testing.assert_allclose(ssim(x, y, 1.0), ssim(x, y, 1.0, window=8, sigma=1.5 * 8 / 11),
                             rtol=1e-6)
  scores = np.asarray(ms_ssim(natural_ish(rng, 2, size=16), natural_ish(rng, 2, size=16), 1.0))
  assert np.all(np.isfinite(scores)) and np.all((scores >= 0) & (scores <= 1))


def test_uint8_images_with_max_value_255():
  rng = np.random.default_rng(8)
  x, y = natural_ish(rng, 2), natural_ish(rng, 2)
  quantised_x, quantised_y = np.round(255 * x).astype(np.uint8), np.round(255 * y).astype(np.uint8)
  np.testing.assert_allclose(ms_ssim(quantised_x, quantised_y, 255.0),
                             ms_ssim(quantised_x / 255.0, quantised_y / 255.0, 1.0), atol=1e-5)


def test_random_pairs_are_distinct_and_cover_all_images():
  first, second = random_distinct_pairs(jax.random.key(0), 5, 2000)
  assert np.all(np.asarray(first) != np.asarray(second))
  assert set(np.asarray(first).tolist()) == set(range(5)) == set(np.asarray(second).tolist())


def test_pairwise_identical_images_score_one():
  images = np.repeat(natural_ish(np.random.default_rng(9), 1), 6, axis=0)
  mean, standard_error = pairwise_ms_ssim(images, jax.random.key(0), 20, 1.0)
  np.testing.assert_allclose(mean, 1.0, atol=1e-6)
  np.testing.assert_allclose(standard_error, 0.0, atol=1e-6)


def test_pairwise_two_images_always_compare_the_two():
  images = natural_ish(np.random.default_rng(10), 2)
  expected = ms_ssim(images[:1], images[1:], 1.0)[0]
  mean, standard_error = pairwise_ms_ssim(images, jax.random.key(1), 20, 1.0, batch_size=8)
  np.testing.assert_allclose(mean, expected, rtol=1e-5)
  np.testing.assert_allclose(standard_error, 0.0, atol=1e-5)


def test_pairwise_independent_noise_is_diverse():
  rng = np.random.default_rng(11)
  noise = jnp.asarray(rng.uniform(size=(16, 32, 32, 3)), jnp.float32)
  mean, standard_error = pairwise_ms_ssim(noise, jax.random.key(2), 64, 1.0)
  assert float(mean) < 0.15 and 0 < float(standard_error) < 0.05, (mean, standard_error)
  collapsed = np.repeat(natural_ish(rng, 2), 8, axis=0)  # 2 modes: half the pairs identical.
  collapsed_mean, _ = pairwise_ms_ssim(collapsed, jax.random.key(2), 64, 1.0)
  assert float(collapsed_mean) > float(mean) + 0.3
