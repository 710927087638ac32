"""SSIM, multi-scale SSIM and sample diversity by MS-SSIM between random pairs of images.

α-GAN (Rosca et al. 2017) reports sample diversity as the mean MS-SSIM between random pairs of
generated images, after Odena et al. 2017 (AC-GAN): similar pairs score near 1, unrelated ones
near 0, so **lower = more diverse**; the same number on pairs of real images is the reference.

SSIM (Wang, Bovik, Sheikh, Simoncelli 2004, "Image quality assessment: from error visibility
to structural similarity", eqs. 6-13), per channel, with Gaussian-weighted local statistics
(11×11 window, σ = 1.5) μ_x, μ_y, σ_x², σ_y², σ_xy at every position where the window fits
inside the image ("valid" convolution, as the authors' ssim_index.m and TF's tf.image.ssim):

    l(x, y)  = (2 μ_x μ_y + C1) / (μ_x² + μ_y² + C1)              luminance
    cs(x, y) = (2 σ_xy + C2) / (σ_x² + σ_y² + C2)                  contrast · structure
    SSIM     = mean over positions of l · cs,   C1 = (k1 L)², C2 = (k2 L)²,  L = max_value

(σ's are population (biased) moments under the normalised window; TF and the MATLAB code do
the same.) The image's SSIM is the mean over its channels. We evaluate the algebraically equal
gaps 1 − l = (μ_x − μ_y)² / (μ_x² + μ_y² + C1) and 1 − cs = Var_w(x − y) / (σ_x² + σ_y² + C2),
Var_w(x − y) = E_w[(x − y)²] − (μ_x − μ_y)², and SSIM = 1 − mean(1 − l·cs), with second
moments taken of each map minus its own mean: identical images then score exactly 1 in float32,
constant images give σ = 0 exactly, and near-identical pairs (mode collapse) lose no precision.

MS-SSIM (Wang, Simoncelli, Bovik 2003, "Multi-scale structural similarity for image quality
assessment", eq. 7): images are average-pooled 2×2 between M = 5 scales and

    MS-SSIM = Π_{j=1}^{M-1} relu(cs_j)^{β_j} · relu(SSIM_M)^{β_M},
    β = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333),

where cs_j is the mean of the cs map at scale j and SSIM_M the full SSIM (luminance included)
at the coarsest scale. Arithmetic as TF's tf.image.ssim_multiscale: the product is taken per
channel and then averaged over channels; negative cs (anti-correlated structure) is clipped at
0 by relu before the fractional power, so such pairs score 0 instead of NaN; odd sizes are
padded by one symmetric (edge-repeating) row/column before pooling.

Small images. With an 11-pixel window, 5 scales need a side of at least 10·2⁴ + 1 = 161
pixels (TF's ssim_multiscale asserts this and fails on CIFAR's 32×32 or CelebA's 64×64, where
α-GAN and Odena et al. measured MS-SSIM). We clip the window at each scale to the image,
size = min(window, H, W), and shrink σ in proportion, σ·size/window: the behaviour of the
MS-SSIM reference implementation in tensorflow/models (research/compression/image_encoder/
msssim.py, `_SSIMForMultiScale`), widely copied for GAN diversity on small images; Odena et
al.'s and α-GAN's exact code is not published, so this choice is ours. (tf.image.ssim itself
does not clip; it asserts H, W ≥ filter_size.) For 32×32 the scales are
32, 16, 8, 4, 2 pixels with windows 11, 11, 8, 4, 2: the coarse scales each give one
window-sized statistic. A 1-pixel coarsest scale (images of 16×16 or smaller) has zero variance, so its cs is
exactly 1 and only luminance carries information there.

Pixel values must be non-negative, in [0, max_value] (uint8: 255; [0, 1]: 1). SSIM's
luminance term is not shift invariant, so map [-1, 1] images to [0, 1] before calling.
"""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # Wang et al. 2003, Section 3.2.


def gaussian_window_1d(size: int, sigma: float) -> np.ndarray:
  """Normalised 1-D Gaussian g_i ∝ exp(−u_i² / 2σ²) at u_i = i − (size − 1)/2, i < size.

  The 2-D window of MATLAB's fspecial('gaussian') (used by Wang et al.) and of TF is the outer
  product g gᵀ, which is already normalised; even sizes sit at half-integer offsets."""
  offsets = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
  weights = np.exp(-offsets**2 / (2.0 * sigma**2))
  return (weights / weights.sum()).astype(np.float32)


def _window_for(height: int, width: int, window: int, sigma: float) -> tuple[int, float]:
  """The window clipped to the image, min(window, H, W), with σ scaled by the same factor
  (tensorflow/models msssim.py); unchanged when the image is at least window × window."""
  size = min(window, height, width)
  return size, sigma * size / window


def _valid_gaussian_filter(maps: jax.Array, size: int, sigma: float) -> jax.Array:
  """Gaussian-weighted local means of [B, H, W] maps at the positions where the size×size
  window fits: [B, H − size + 1, W − size + 1] (separable: rows, then columns)."""
  taps = jnp.asarray(gaussian_window_1d(size, sigma))
  inputs = maps[..., None]  # [B, H, W, 1] for a single-feature NHWC convolution.
  dimension_numbers = ("NHWC", "HWIO", "NHWC")
  for kernel in (taps.reshape(size, 1, 1, 1), taps.reshape(1, size, 1, 1)):
    inputs = jax.lax.conv_general_dilated(inputs, kernel, (1, 1), "VALID",
                                          dimension_numbers=dimension_numbers,
                                          precision=jax.lax.Precision.HIGHEST)
  return inputs[..., 0]


def _ssim_and_cs_per_channel(x: jax.Array, y: jax.Array, max_value: jax.Array | float,
                             window: int, sigma: float, k1: float, k2: float
                             ) -> tuple[jax.Array, jax.Array]:
  """Per-channel mean SSIM map l·cs and mean cs map (Wang et al. 2004, eqs. 6-13) of
  [N, H, W, C] image pairs: two [N, C] arrays."""
  num_images, height, width, channels = x.shape
  size, scaled_sigma = _window_for(height, width, window, sigma)
  c1 = (k1 * max_value)**2
  c2 = (k2 * max_value)**2
  # [N, H, W, C] -> [N·C, H, W] maps, centred on their own means m (moments are shift
  # invariant; centring keeps E_w[x²] − μ_x² from cancelling catastrophically in float32).
  to_maps = lambda images: jnp.moveaxis(images, -1, 1).reshape(-1, height, width)
  x_maps, y_maps = to_maps(x), to_maps(y)
  x_offset = jnp.mean(x_maps, axis=(1, 2), keepdims=True)
  y_offset = jnp.mean(y_maps, axis=(1, 2), keepdims=True)
  x_centred, y_centred = x_maps - x_offset, y_maps - y_offset
  difference_centred = x_centred - y_centred
  moments = _valid_gaussian_filter(  # One convolution for all five maps.
      jnp.concatenate([x_centred, y_centred, x_centred**2, y_centred**2, difference_centred**2]),
      size, scaled_sigma)
  centred_mean_x, centred_mean_y, mean_xx, mean_yy, mean_squared_difference = jnp.split(moments, 5)
  mean_x, mean_y = centred_mean_x + x_offset, centred_mean_y + y_offset
  variance_x = mean_xx - centred_mean_x**2
  variance_y = mean_yy - centred_mean_y**2
  variance_of_difference = mean_squared_difference - (centred_mean_x - centred_mean_y)**2
  # 1 − l and 1 − cs, exactly 0 where x = y: (μ_x − μ_y)² / (μ_x² + μ_y² + C1) and
  # (σ_x² + σ_y² − 2σ_xy) / (σ_x² + σ_y² + C2), with σ_x² + σ_y² − 2σ_xy = Var_w(x − y).
  luminance_gap = (mean_x - mean_y)**2 / (mean_x**2 + mean_y**2 + c1)
  structure_gap = variance_of_difference / (variance_x + variance_y + c2)
  ssim_gap = luminance_gap + structure_gap - luminance_gap * structure_gap  # 1 − l·cs.
  # Mean over rows, then columns: two short float32 sums round less than one long one.
  per_channel = lambda maps: jnp.mean(jnp.mean(maps, axis=2), axis=1).reshape(num_images,
                                                                               channels)
  return 1.0 - per_channel(ssim_gap), 1.0 - per_channel(structure_gap)


def _as_float_pair(x: jax.Array, y: jax.Array) -> tuple[jax.Array, jax.Array]:
  if x.shape != y.shape or x.ndim != 4:
    raise ValueError(f"need two [N, H, W, C] batches of the same shape, got {x.shape}, {y.shape}")
  return jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32)


@functools.partial(jax.jit, static_argnames=("window", "sigma"))
def ssim_and_contrast_structure(x: jax.Array, y: jax.Array, max_value: jax.Array | float,
                                window: int = 11, sigma: float = 1.5, k1: float = 0.01,
                                k2: float = 0.03) -> tuple[jax.Array, jax.Array]:
  """(SSIM, cs) of each pair of [N, H, W, C] images in [0, max_value]: two [N] arrays.

  SSIM = mean over valid window positions of l·cs, cs = mean of (2σ_xy + C2)/(σ_x² + σ_y² +
  C2), each averaged over channels (Wang et al. 2004; tf.image.ssim). The window is clipped to
  images smaller than it (see the module docstring)."""
  x, y = _as_float_pair(x, y)
  ssim_per_channel, cs_per_channel = _ssim_and_cs_per_channel(x, y, max_value, window, sigma,
                                                              k1, k2)
  return jnp.mean(ssim_per_channel, -1), jnp.mean(cs_per_channel, -1)


def ssim(x: jax.Array, y: jax.Array, max_value: jax.Array | float, window: int = 11,
         sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03) -> jax.Array:
  """[N] SSIM of each pair of [N, H, W, C] images in [0, max_value], channels averaged:
  mean over valid window positions of (2μ_xμ_y + C1)(2σ_xy + C2) / ((μ_x² + μ_y² + C1)(σ_x²
  + σ_y² + C2)), C1 = (k1·max_value)², C2 = (k2·max_value)² (Wang et al. 2004, eq. 13)."""
  return ssim_and_contrast_structure(x, y, max_value, window, sigma, k1, k2)[0]


def average_pool_2x2(images: jax.Array) -> jax.Array:
  """[N, H, W, C] -> [N, ⌈H/2⌉, ⌈W/2⌉, C] by 2×2 means; an odd side first gets one more
  row/column repeating its last (symmetric padding, as tf.image.ssim_multiscale)."""
  _, height, width, _ = images.shape
  images = jnp.pad(images, ((0, 0), (0, height % 2), (0, width % 2), (0, 0)), mode="symmetric")
  _, height, width, _ = images.shape
  return images.reshape(images.shape[0], height // 2, 2, width // 2, 2, -1).mean(axis=(2, 4))


@functools.partial(jax.jit, static_argnames=("weights", "window", "sigma"))
def ms_ssim(x: jax.Array, y: jax.Array, max_value: jax.Array | float,
            weights: tuple[float, ...] = MS_SSIM_WEIGHTS, window: int = 11, sigma: float = 1.5,
            k1: float = 0.01, k2: float = 0.03) -> jax.Array:
  """[N] MS-SSIM of each pair of [N, H, W, C] images in [0, max_value] (Wang et al. 2003):

      mean over channels of  Π_{j<M} relu(cs_j)^{β_j} · relu(SSIM_M)^{β_M},

  with M = len(weights) scales, 2×2 average pooling between them, and the window clipped to
  the image at coarse scales (module docstring: small images, relu, channel order)."""
  x, y = _as_float_pair(x, y)
  factors = []
  for scale, weight in enumerate(weights):
    if scale > 0:
      x, y = average_pool_2x2(x), average_pool_2x2(y)
    ssim_per_channel, cs_per_channel = _ssim_and_cs_per_channel(x, y, max_value, window, sigma,
                                                                k1, k2)
    coarsest = scale == len(weights) - 1
    factors.append(jax.nn.relu(ssim_per_channel if coarsest else cs_per_channel)**weight)
  return jnp.mean(math.prod(factors), axis=-1)


def random_distinct_pairs(key: jax.Array, num_images: int, num_pairs: int
                          ) -> tuple[jax.Array, jax.Array]:
  """Two [num_pairs] index arrays (i, j), i ≠ j, uniform over the ordered distinct pairs:
  i ~ U{0..n−1}, j = (i + U{1..n−1}) mod n. Pairs are drawn with replacement."""
  first_key, offset_key = jax.random.split(key)
  first = jax.random.randint(first_key, (num_pairs,), 0, num_images)
  offsets = jax.random.randint(offset_key, (num_pairs,), 1, num_images)
  return first, (first + offsets) % num_images


@functools.partial(jax.jit, static_argnames=("num_pairs", "batch_size", "weights"))
def pairwise_ms_ssim(images: jax.Array, key: jax.Array, num_pairs: int,
                     max_value: jax.Array | float, batch_size: int = 256,
                     weights: tuple[float, ...] = MS_SSIM_WEIGHTS
                     ) -> tuple[jax.Array, jax.Array]:
  """(mean, standard error) of MS-SSIM over `num_pairs` random pairs of distinct images
  drawn from `images` [N, H, W, C] (N ≥ 2, values in [0, max_value]): the diversity measure
  of Odena et al. 2017 and α-GAN. Lower = more diverse; compare generated samples with the
  same number on real data. Standard error = sample std (ddof 1) / √num_pairs, over pairs.
  Pairs are evaluated `batch_size` at a time to bound memory."""
  if images.shape[0] < 2 or num_pairs < 2:
    raise ValueError(f"need at least 2 images and 2 pairs, got {images.shape[0]}, {num_pairs}")
  first, second = random_distinct_pairs(key, images.shape[0], num_pairs)

  def pair_score(indices: tuple[jax.Array, jax.Array]) -> jax.Array:
    i, j = indices
    return ms_ssim(images[i][None], images[j][None], max_value, weights)[0]

  scores = jax.lax.map(pair_score, (first, second), batch_size=min(batch_size, num_pairs))
  return jnp.mean(scores), jnp.std(scores, ddof=1) / math.sqrt(num_pairs)
