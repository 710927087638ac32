"""DCGAN-family convolutional networks (Radford et al. 2016): generator, encoder, discriminator
and joint (x, z) discriminator on images.

Generator: Dense -> (b, b, width·2^(S-1)), then S x2 upsampling stages halving the channels, BN
+ ReLU after every stage but the last, which goes straight to the image channels and tanh. The
sides are those of a stack of SAME stride-2 convolutions read backwards: H, ⌈H/2⌉, ⌈H/4⌉, ... down
to the base side b (`base_size`; default 7 if H % 7 == 0 else 4), and a x2 stage that overshoots
an odd side drops its first row and column (8 -> 7), as TensorFlow's SAME transposed convolution
with an odd kernel and `output_shape` 7 does. E.g. CIFAR (32x32x3, width 64): 4x4x256 -> 8x8x128
-> 16x16x64 -> 32x32x3; MNIST (28x28x1): 7x7x128 -> 14x14x64 -> 28x28x1; base 4 at 28x28:
4 -> 7 -> 14 -> 28. With `output_kernel` k, every x2 stage (the last included) is followed by BN +
ReLU and halves the channels, and a stride-1 k x k conv maps to the image channels before the
tanh (Metz et al. 2017's Stacked-MNIST generator: width 8, base 4, k 3 gives 4x4x64 -> 7x7x32
-> 14x14x16 -> 28x28x8 -> 28x28x3).

Encoder/discriminator trunk: x2 downsampling stages with width, 2·width, 4·width, ... channels
until the spatial size is <= `final_size` (default 4; SAME padding: 28 -> 14 -> 7 -> 4),
LeakyReLU (`negative_slope`, default 0.2), BN on every stage but the first (on the first too
with `first_batch_norm`); then flatten -> Dense.

`kernel`: the side of the resampling convolutions (None: each resampling mode's own, below).

Initialisation: conv and dense kernels N(0, 0.02²) as in DCGAN; biases zero; BN scale one. A
layer followed by BN has no bias (BN's shift replaces it; a bias there has zero gradient, which
Adam would turn into noise-driven updates of size lr).
Parameters are float32; `dtype` is the compute dtype, and outputs are cast back to float32
(float64 from float64 compute: the tests' x64 comparisons).

How a x2 stage resamples is a choice (`UPSAMPLING`, `DOWNSAMPLING`: tables of functions that
create the stage's layers in the calling network's scope, `DEFAULT_KERNELS` their kernel sides
when a network names none). XLA:CPU differentiates `lax.conv_transpose` (a convolution of the
input dilated by 2) pathologically slowly (jax-ml/jax#23783), so "transposed" computes the same
layer as a stride-1 conv and depth-to-space (`ConvTranspose`, `subpixel_kernel`: flax's
`nn.ConvTranspose` exactly, in another summation order). Defaults, measured with
benchmarks/upsampling.py (fwd+bwd w.r.t. params and input):
  upsample="subpixel": a conv to 4C channels, then depth-to-space (Shi et al. 2016), only
    stride-1 convolutions and reshapes. 32x32x3 generator, width 64, batch 64, float32, the
    2-core AMD EPYC idle: subpixel 197 ms, resize 288 ms, transposed (4x4) 220 ms, against
    999 ms for the transposed conv as `lax.conv_transpose` (an earlier 2-core CPU, where
    subpixel took 258 ms; at 64x64x3 there: subpixel 1,629 ms, conv_transpose 16,438 ms).
  downsample="strided": DCGAN's 4x4 stride-2 conv. Its input gradient (through which G's loss
    reaches G) is not pathological: 32x32x3 discriminator, float32: strided 107 ms,
    space_to_depth 105 ms, conv_pool 285 ms; 64x64x3: 784 / 850 / 2,281 ms. Strided and
    space_to_depth are within run-to-run noise (about 10%) of each other, so DCGAN's own wins.
bfloat16 compute does not speed up these convolutions on XLA:CPU.

Every convolution goes through `conv2d`: XLA:CPU runs a convolution whose output is narrower
than its kernel, or that convolution's input gradient, one to two orders of magnitude below its
others (batch 64, the 2-core AMD EPYC: protocol V's 5x5 stride-2 conv 4x4x256 -> 2x2x512 took
4.3 s forward, its 7x7x128 -> 4x4x256 conv 1.3 s for the input gradient, and the 3x3 stride-1
conv of a 5x5 transposed conv's sub-pixel form on 2x2x512 6.8 s forward), while the same
products as patches and one matmul (`patches_conv`) take 25 to 45 ms. `conv2d` computes those
convolutions so and leaves every other to XLA (docs/performance.md).
"""

from collections.abc import Callable, Sequence
import functools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

SIZES = (8, 16, 28, 32, 64)  # The sides the default base sizes reach.
KERNEL_INIT = nn.initializers.normal(0.02)


def depth_to_space(x: jax.Array, block: int = 2) -> jax.Array:
  """[B, H, W, r²C] -> [B, rH, rW, C]: out[b, rh + i, rw + j, c] = x[b, h, w, (ri + j)C + c].

  TensorFlow's `depth_to_space` channel order (PyTorch's `pixel_shuffle` takes channel
  c·r² + ri + j instead).
  """
  b, h, w, c = x.shape
  x = x.reshape(b, h, w, block, block, c // block**2).transpose(0, 1, 3, 2, 4, 5)
  return x.reshape(b, h * block, w * block, c // block**2)


def space_to_depth(x: jax.Array, block: int = 2) -> jax.Array:
  """The inverse of `depth_to_space`; odd sizes are first zero-padded at the bottom/right."""
  b, h, w, c = x.shape
  x = jnp.pad(x, ((0, 0), (0, -h % block), (0, -w % block), (0, 0)))
  h, w = x.shape[1] // block, x.shape[2] // block
  x = x.reshape(b, h, block, w, block, c).transpose(0, 1, 3, 2, 4, 5)
  return x.reshape(b, h, w, block * block * c)


def upsample_nearest(x: jax.Array) -> jax.Array:
  """[B, H, W, C] -> [B, 2H, 2W, C], each pixel repeated in a 2x2 block."""
  b, h, w, c = x.shape
  return jnp.broadcast_to(x[:, :, None, :, None], (b, h, 2, w, 2, c)).reshape(b, 2 * h, 2 * w, c)


def same_padding(side: int, kernel: int, stride: int) -> tuple[int, int]:
  """SAME padding (before, after) of one axis: ⌈side/stride⌉ outputs, the total padding
  max((out - 1)·stride + kernel - side, 0) split with the odd pixel after (`lax`'s SAME)."""
  out = -(-side // stride)
  total = max((out - 1) * stride + kernel - side, 0)
  return total // 2, total - total // 2


def uses_patches(side: int, kernel: int, stride: int, padding: tuple[int, int]) -> bool:
  """Whether `conv2d` computes a convolution along an axis of `side` pixels as patches and one
  matmul: where its output is narrower than its kernel (the module docstring says why)."""
  return (side + sum(padding) - kernel) // stride + 1 < kernel


def patches_conv(x: jax.Array, kernel: jax.Array, stride: int,
                 padding: tuple[tuple[int, int], tuple[int, int]]) -> jax.Array:
  """The convolution (cross-correlation, NHWC x HWIO) of `x` [B, H, W, C] by `kernel` [k, k, C, O]
  with `stride` and explicit `padding`, as patches and one matmul (im2col): with x' the padded
  input, out[b, u, v] = Σ_{i, j, c} x'[b, s·u + i, s·v + j, c] · kernel[i, j, c], the k² strided
  slices x'[:, i::s, j::s] concatenated on channels (index (i·k + j)·C + c) against the kernel
  reshaped to [k²C, O]: the same products as `lax.conv_general_dilated`, summed in another
  order."""
  k = kernel.shape[0]
  x = jnp.pad(x, ((0, 0), *padding, (0, 0)))
  out_h, out_w = ((x.shape[1] - k) // stride + 1, (x.shape[2] - k) // stride + 1)
  columns = [x[:, i:i + stride * (out_h - 1) + 1:stride, j:j + stride * (out_w - 1) + 1:stride]
             for i in range(k) for j in range(k)]
  return jnp.concatenate(columns, axis=-1) @ kernel.reshape(-1, kernel.shape[-1])


def conv2d(x: jax.Array, kernel: jax.Array, stride: int,
           padding: tuple[tuple[int, int], tuple[int, int]]) -> jax.Array:
  """`lax.conv_general_dilated(x, kernel, (stride, stride), padding)` in NHWC x HWIO, computed
  as `patches_conv` where its output is narrower than its kernel (`uses_patches`)."""
  if any(uses_patches(side, kernel.shape[0], stride, pads)
         for side, pads in zip(x.shape[1:3], padding)):
    return patches_conv(x, kernel, stride, padding)
  return jax.lax.conv_general_dilated(x, kernel, (stride, stride), padding,
                                      dimension_numbers=("NHWC", "HWIO", "NHWC"))


def _kernel_param(module: nn.Module, in_features: int) -> jax.Array:
  """A conv module's `kernel` parameter [k, k, in_features, features] (float32, N(0, 0.02²)),
  cast to its compute dtype; `module` has fields kernel_size, features and dtype."""
  shape = (module.kernel_size, module.kernel_size, in_features, module.features)
  return module.param("kernel", KERNEL_INIT, shape, jnp.float32).astype(module.dtype)


def _add_bias(module: nn.Module, y: jax.Array) -> jax.Array:
  """y plus a conv module's `bias` parameter [features] (float32, zeros) if it has use_bias."""
  if not module.use_bias:
    return y
  return y + module.param("bias", nn.initializers.zeros, (module.features,),
                          jnp.float32).astype(module.dtype)


class Conv(nn.Module):
  """`nn.Conv(features, (k, k), strides=(s, s), padding="SAME")` with this module's
  initialisers: its parameters (`kernel` [k, k, C_in, features], `bias`) and outputs, computed
  by `conv2d` (patches and a matmul where XLA:CPU's convolution is pathologically slow)."""

  features: int
  kernel_size: int
  stride: int = 1
  use_bias: bool = True
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    kernel = _kernel_param(self, x.shape[-1])
    padding = tuple(same_padding(side, self.kernel_size, self.stride) for side in x.shape[1:3])
    return _add_bias(self, conv2d(x.astype(self.dtype), kernel, self.stride, padding))


def _conv(features: int, kernel: int, dtype: Any, use_bias: bool = True, stride: int = 1) -> Conv:
  return Conv(features, kernel, stride, use_bias, dtype)


def _dense(features: int, dtype: Any, use_bias: bool = True) -> nn.Dense:
  return nn.Dense(features, use_bias=use_bias, kernel_init=KERNEL_INIT, dtype=dtype,
                  param_dtype=jnp.float32)


def _flatten(*inputs: jax.Array) -> jax.Array:
  return jnp.concatenate([x.reshape(x.shape[0], -1) for x in inputs], axis=-1)


# A x2 resampling stage: (x, features, dtype, use_bias, kernel) -> x resampled, its layers
# created in the calling module's scope (a function of a compact module's __call__); `kernel`
# is the side of its convolution.
Resample = Callable[[jax.Array, int, Any, bool, int], jax.Array]


def subpixel_kernel(kernel: jax.Array) -> tuple[jax.Array, tuple[int, int]]:
  """The stride-1 kernel W' [K', K', C_in, 4·C_out] and padding (before, after) for which
  depth_to_space(conv(x, W', padding)) is the stride-2 SAME transposed convolution of x by
  `kernel` [k, k, C_in, C_out] (flax's `nn.ConvTranspose`: `lax.conv_transpose`, the kernel not
  flipped), exactly: the same products, summed in another order.

  Along one axis the transposed convolution correlates the input dilated by 2 (x at the even
  positions, zeros between), padded by pad_a = ⌈k/2⌉ (k - 1 for k < 3) before, with the kernel:
  out[o] = Σ_t dilated[o + t - pad_a] w[t]. Output 2i + a (phase a ∈ {0, 1}) reads only the taps
  t with a + t - pad_a even, at input i + d, d = (a + t - pad_a) / 2: a stride-1 correlation of
  x per phase, whose taps W'[d - d_min, phase] = w[t] (zero where a phase has no tap at d) span
  the offsets d_min..d_max of both phases. In 2-D the phase (a, b) of rows and columns is output
  channel block 2a + b, which depth_to_space places at (2i + a, 2j + b) (Shi et al. 2016, "Is
  the deconvolution layer the same as a convolutional layer?")."""
  k = kernel.shape[0]
  pad_a = k - 1 if k < 3 else -(-k // 2)
  taps = [{(a + t - pad_a) // 2: t for t in range(k) if (a + t - pad_a) % 2 == 0} for a in (0, 1)]
  offsets = [d for phase in taps for d in phase]
  first, last = min(offsets), max(offsets)
  # Per phase and offset, the kernel tap, or index k: a row (column) of zeros appended.
  index = np.array([[phase.get(d, k) for d in range(first, last + 1)] for phase in taps])
  padded = jnp.pad(kernel, ((0, 1), (0, 1), (0, 0), (0, 0)))
  phases = [padded[index[a][:, None], index[b][None, :]] for a in (0, 1) for b in (0, 1)]
  return jnp.concatenate(phases, axis=-1), (-first, last)


class ConvTranspose(nn.Module):
  """`nn.ConvTranspose(features, (k, k), strides=(2, 2), padding="SAME")`: its parameters
  (`kernel` [k, k, C_in, features], `bias`), its initialisers and its outputs, computed as one
  stride-1 convolution and depth-to-space (`subpixel_kernel`), which XLA:CPU differentiates
  far faster than the dilated convolution `lax.conv_transpose` lowers to (docs/performance.md)."""

  features: int
  kernel_size: int
  use_bias: bool = True
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    weights, (before, after) = subpixel_kernel(_kernel_param(self, x.shape[-1]))
    y = conv2d(x.astype(self.dtype), weights, 1, ((before, after), (before, after)))
    return _add_bias(self, depth_to_space(y))


def transposed_upsample(x: jax.Array, features: int, dtype: Any, use_bias: bool = True,
                        kernel: int = 4) -> jax.Array:
  """Transposed conv kernel x kernel, stride 2, SAME (DCGAN: 4x4), in its sub-pixel form
  (`ConvTranspose`)."""
  return ConvTranspose(features, kernel, use_bias, dtype)(x)


def resize_upsample(x: jax.Array, features: int, dtype: Any, use_bias: bool = True,
                    kernel: int = 3) -> jax.Array:
  """Nearest-neighbour x2, then conv kernel x kernel (Odena et al. 2016, "Deconvolution and
  checkerboard artifacts": 3x3)."""
  return _conv(features, kernel, dtype, use_bias=use_bias)(upsample_nearest(x))


def subpixel_upsample(x: jax.Array, features: int, dtype: Any, use_bias: bool = True,
                      kernel: int = 3) -> jax.Array:
  """Conv kernel x kernel to 4·features channels, then depth-to-space (Shi et al. 2016: 3x3)."""
  return depth_to_space(_conv(4 * features, kernel, dtype, use_bias=use_bias)(x))


def strided_downsample(x: jax.Array, features: int, dtype: Any, use_bias: bool = True,
                       kernel: int = 4) -> jax.Array:
  """Conv kernel x kernel, stride 2 (DCGAN: 4x4)."""
  return _conv(features, kernel, dtype, use_bias=use_bias, stride=2)(x)


def space_to_depth_downsample(x: jax.Array, features: int, dtype: Any, use_bias: bool = True,
                              kernel: int = 4) -> jax.Array:
  """Space-to-depth (2x2 blocks to channels), then conv ⌈kernel/2⌉ x ⌈kernel/2⌉ on the blocks,
  whose 2⌈kernel/2⌉-pixel window covers the strided conv's (the same 4x4 window for kernel 4,
  shifted by one pixel), with stride-1 convolutions only."""
  return _conv(features, -(-kernel // 2), dtype, use_bias=use_bias)(space_to_depth(x))


def conv_pool_downsample(x: jax.Array, features: int, dtype: Any, use_bias: bool = True,
                         kernel: int = 3) -> jax.Array:
  """Conv kernel x kernel, then 2x2 average pooling."""
  x = _conv(features, kernel, dtype, use_bias=use_bias)(x)
  return nn.avg_pool(x, (2, 2), strides=(2, 2), padding="SAME")


UPSAMPLING: dict[str, Resample] = {
    "transposed": transposed_upsample,
    "resize": resize_upsample,
    "subpixel": subpixel_upsample,
}
DOWNSAMPLING: dict[str, Resample] = {
    "strided": strided_downsample,
    "space_to_depth": space_to_depth_downsample,
    "conv_pool": conv_pool_downsample,
}
DEFAULT_KERNELS = {"transposed": 4, "resize": 3, "subpixel": 3,
                   "strided": 4, "space_to_depth": 4, "conv_pool": 3}


def _batch_norm(module: nn.Module, x: jax.Array, train: bool) -> jax.Array:
  """`module`'s BatchNorm (created in its scope), or `x` unchanged without batch_norm.

  In training mode with `batch_norm_axis`, batch statistics are averaged over that mapped
  axis (synchronised BN: the statistics of the global batch).
  """
  if not module.batch_norm:
    return x
  return nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5,
                      axis_name=module.batch_norm_axis if train else None,
                      dtype=module.dtype, param_dtype=jnp.float32)(x)


def _lookup(table: dict[str, Resample], name: str, what: str, kernel: int | None) -> Resample:
  """The resampling stage `name` of `table` with its convolutions' side fixed to `kernel`
  (None: the mode's own, `DEFAULT_KERNELS`)."""
  if name not in table:
    raise ValueError(f"unknown {what} {name!r}; expected one of {sorted(table)}")
  return functools.partial(table[name], kernel=kernel or DEFAULT_KERNELS[name])


def generator_sides(height: int, base_size: int | None = None) -> list[int]:
  """The sides of a generator's stages, base first: H, ⌈H/2⌉, ⌈H/4⌉, ... down to `base_size`
  (None: 7 if H % 7 == 0 else 4), reversed. E.g. 28 -> [7, 14, 28]; base 4: [4, 7, 14, 28].

  Raises:
    ValueError: halving H (rounding up) never reaches the base side.
  """
  base = base_size or (7 if height % 7 == 0 else 4)
  sides = [height]
  while sides[-1] > base:
    sides.append(-(-sides[-1] // 2))
  if sides[-1] != base or len(sides) < 2:
    raise ValueError(f"images must be square, and halving the side {height} (rounding up) must "
                     f"reach the base side {base} in at least one step")
  return sides[::-1]


def crop(x: jax.Array, side: int) -> jax.Array:
  """[B, S, S, C] -> [B, side, side, C], dropping the first rows and columns (8 -> 7: as
  TensorFlow's SAME transposed convolution with an odd kernel)."""
  return x[:, x.shape[1] - side:, x.shape[2] - side:]


class ConvGenerator(nn.Module):
  """G(inputs) -> [B, H, W, C] images in (-1, 1); inputs are flattened and concatenated."""

  output_shape: tuple[int, int, int]
  width: int = 64
  upsample: str = "subpixel"
  batch_norm: bool = True
  batch_norm_axis: str | None = None
  kernel: int | None = None
  base_size: int | None = None
  output_kernel: int | None = None
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, *inputs: jax.Array, train: bool = False) -> jax.Array:
    height, width, channels = self.output_shape
    if height != width:
      raise ValueError(f"output_shape {self.output_shape}: images must be square")
    sides = generator_sides(height, self.base_size)
    upsample = _lookup(UPSAMPLING, self.upsample, "upsample", self.kernel)
    # Stages that end in BN + ReLU: all x2 stages before an output conv, else all but the last.
    hidden = len(sides) - 1 if self.output_kernel else len(sides) - 2
    base = sides[0]
    h = _dense(base * base * self.width * 2 ** hidden, self.dtype,
               use_bias=not self.batch_norm)(_flatten(*inputs))
    h = nn.relu(_batch_norm(self, h.reshape(h.shape[0], base, base, -1), train))
    for i in range(hidden):
      h = upsample(h, self.width * 2 ** (hidden - 1 - i), self.dtype, not self.batch_norm)
      h = nn.relu(_batch_norm(self, crop(h, sides[i + 1]), train))
    if self.output_kernel:
      h = _conv(channels, self.output_kernel, self.dtype)(h)
    else:
      h = crop(upsample(h, channels, self.dtype), height)
    return jnp.tanh(h.astype(jnp.promote_types(self.dtype, jnp.float32)))


class ConvTrunk(nn.Module):
  """Image [B, H, W, C] -> flattened features of the last x2 downsampling stage (<= final_size)."""

  width: int = 64
  downsample: str = "strided"
  batch_norm: bool = True
  batch_norm_axis: str | None = None
  kernel: int | None = None
  negative_slope: float = 0.2
  first_batch_norm: bool = False
  final_size: int = 4
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    downsample = _lookup(DOWNSAMPLING, self.downsample, "downsample", self.kernel)
    stage = 0
    while x.shape[1] > self.final_size:
      normalised = self.batch_norm and (stage > 0 or self.first_batch_norm)
      x = downsample(x, self.width * 2**stage, self.dtype, not normalised)
      x = nn.leaky_relu(_batch_norm(self, x, train) if normalised else x, self.negative_slope)
      stage += 1
    return x.reshape(x.shape[0], -1)


# The fields of an image-reading network that configure its trunk.
TRUNK_FIELDS = ("width", "downsample", "batch_norm", "batch_norm_axis", "kernel", "negative_slope",
                "first_batch_norm", "final_size", "dtype")


def _trunk(module: nn.Module) -> ConvTrunk:
  """`module`'s ConvTrunk, created in its scope, configured by its `TRUNK_FIELDS`."""
  return ConvTrunk(**{field: getattr(module, field) for field in TRUNK_FIELDS})


class ConvEncoder(nn.Module):
  """E(x, *extra) -> [B, output_dim]: conv trunk, [trunk features, extra] -> hidden Dense +
  LeakyReLU(0.2) layers -> Dense. `extra` is e.g. the noise of an implicit posterior."""

  output_dim: int
  width: int = 64
  downsample: str = "strided"
  batch_norm: bool = True
  batch_norm_axis: str | None = None
  kernel: int | None = None
  negative_slope: float = 0.2
  first_batch_norm: bool = False
  final_size: int = 4
  hidden: Sequence[int] = ()
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x: jax.Array, *extra: jax.Array, train: bool = False) -> jax.Array:
    h = _trunk(self)(x, train)
    h = _flatten(h, *extra)
    for features in self.hidden:
      h = nn.leaky_relu(_dense(features, self.dtype)(h), 0.2)
    # The last hidden layer, for feature metrics (aegan/evaluation/classifier.py): returned
    # only by an apply with mutable=["intermediates"].
    self.sow("intermediates", "features", h)
    return _dense(self.output_dim, self.dtype)(h).astype(jnp.promote_types(self.dtype, jnp.float32))


class ConvDiscriminator(nn.Module):
  """D(x) -> [B] logits: conv trunk -> Dense(1) (DCGAN)."""

  width: int = 64
  downsample: str = "strided"
  batch_norm: bool = True
  batch_norm_axis: str | None = None
  kernel: int | None = None
  negative_slope: float = 0.2
  first_batch_norm: bool = False
  final_size: int = 4
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    h = _trunk(self)(x, train)
    return _dense(1, self.dtype)(h)[:, 0].astype(jnp.promote_types(self.dtype, jnp.float32))


class ConvJointDiscriminator(nn.Module):
  """D(x, z) -> [B] logits: conv trunk on x, Dense + LeakyReLU(0.2) layers on z, the two
  concatenated -> Dense + LeakyReLU(0.2) head -> Dense(1).

  The joint discriminator of VEEGAN (Srivastava et al. 2017) and ALI/BiGAN (Dumoulin et al.
  2017; Donahue et al. 2017) on images.
  """

  width: int = 64
  downsample: str = "strided"
  batch_norm: bool = True
  batch_norm_axis: str | None = None
  kernel: int | None = None
  negative_slope: float = 0.2
  first_batch_norm: bool = False
  final_size: int = 4
  z_hidden: Sequence[int] = (512,)
  head_hidden: Sequence[int] = (512,)
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x: jax.Array, z: jax.Array, train: bool = False) -> jax.Array:
    hx = _trunk(self)(x, train)
    hz = _flatten(z)
    for features in self.z_hidden:
      hz = nn.leaky_relu(_dense(features, self.dtype)(hz), 0.2)
    h = _flatten(hx, hz)
    for features in self.head_hidden:
      h = nn.leaky_relu(_dense(features, self.dtype)(h), 0.2)
    return _dense(1, self.dtype)(h)[:, 0].astype(jnp.promote_types(self.dtype, jnp.float32))
