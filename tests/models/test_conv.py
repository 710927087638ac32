"""DCGAN-family conv nets: shapes for every image size and resampling mode, channel schedules,
dtypes, the resampling helpers on hand-built arrays, and synchronised BatchNorm."""

import functools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan.models.conv import (DOWNSAMPLING, SIZES, UPSAMPLING, Conv, ConvDiscriminator,
                               ConvEncoder, ConvGenerator, ConvJointDiscriminator, ConvTranspose,
                               ConvTrunk, crop, depth_to_space, generator_sides, patches_conv,
                               resize_upsample, same_padding, space_to_depth, transposed_upsample,
                               upsample_nearest, uses_patches)
from aegan.parallel import DATA_AXIS, data_mesh, data_parallel
from tests.precision import FLOAT32_EPS, assert_equal_to_float32_resolution

# XLA:CPU takes seconds to compile threefry for each init; RngBitGenerator keys take a fraction.
KEY = jax.random.key(0, impl="rbg")
RNG = np.random.default_rng(0)
WIDTH = 4
# Image size -> (generator base size, generator Dense channels, discriminator stages), width 4.
SCHEDULE = {8: (4, 4, 1), 16: (4, 8, 2), 28: (7, 8, 3), 32: (4, 16, 3), 64: (4, 32, 4)}


def init(model, *inputs):
  return jax.jit(model.init)(KEY, *inputs)


def shapes(model, *inputs, **kwargs):
  """(variables, output) shapes of `model` on `inputs`, traced without compiling."""
  variables = jax.eval_shape(lambda: model.init(KEY, *inputs))
  return variables, jax.eval_shape(lambda v: model.apply(v, *inputs, **kwargs), variables)


@pytest.mark.parametrize("upsample", sorted(UPSAMPLING))
@pytest.mark.parametrize("size", SIZES)
def test_generator_shapes_and_channel_schedule(size, upsample):
  generator = ConvGenerator((size, size, 3), WIDTH, upsample=upsample)
  variables, out = shapes(generator, jnp.zeros((2, 5)), jnp.zeros((2, 1, 2)))
  base, channels, _ = SCHEDULE[size]
  assert variables["params"]["Dense_0"]["kernel"].shape == (7, base * base * channels)
  assert out.shape == (2, size, size, 3) and out.dtype == jnp.float32


@pytest.mark.parametrize("downsample", sorted(DOWNSAMPLING))
@pytest.mark.parametrize("size", SIZES)
def test_discriminator_shapes_and_channel_schedule(size, downsample):
  discriminator = ConvDiscriminator(WIDTH, downsample=downsample)
  variables, out = shapes(discriminator, jnp.zeros((2, size, size, 3)))
  stages = SCHEDULE[size][2]
  assert variables["params"]["Dense_0"]["kernel"].shape == (4 * 4 * WIDTH * 2 ** (stages - 1), 1)
  assert out.shape == (2,) and out.dtype == jnp.float32


@pytest.mark.parametrize("downsample", sorted(DOWNSAMPLING))
def test_encoder_and_joint_discriminator_shapes(downsample):
  x, z = jnp.zeros((2, 28, 28, 1)), jnp.zeros((2, 6))
  _, out = shapes(ConvEncoder(6, WIDTH, downsample=downsample, hidden=(8,)), x, z)
  assert out.shape == (2, 6)
  _, out = shapes(ConvJointDiscriminator(WIDTH, downsample=downsample, z_hidden=(8,),
                                         head_hidden=(8,)), x, z)
  assert out.shape == (2,)


def test_bad_shapes_and_modes_are_refused():
  with pytest.raises(ValueError, match="square"):
    shapes(ConvGenerator((24, 24, 3), WIDTH), jnp.zeros((2, 5)))
  with pytest.raises(ValueError, match="upsample"):
    shapes(ConvGenerator((8, 8, 3), WIDTH, upsample="bilinear"), jnp.zeros((2, 5)))
  with pytest.raises(ValueError, match="downsample"):
    shapes(ConvDiscriminator(WIDTH, downsample="max_pool"), jnp.zeros((2, 8, 8, 3)))


@pytest.mark.parametrize("upsample", sorted(UPSAMPLING))
def test_generator_is_tanh_bounded_float32_with_bfloat16_compute(upsample):
  generator = ConvGenerator((8, 8, 2), WIDTH, upsample=upsample, dtype=jnp.bfloat16)
  z = 100 * RNG.normal(size=(4, 5)).astype(np.float32)
  variables = init(generator, z)
  out = jax.jit(generator.apply)(variables, z)
  assert out.dtype == jnp.float32
  assert np.all(np.abs(out) <= 1) and np.all(np.isfinite(out))
  assert {leaf.dtype for leaf in jax.tree.leaves(variables)} == {jnp.dtype(jnp.float32)}


def test_discriminators_and_encoder_return_float32_with_bfloat16_compute():
  x, z = jnp.zeros((2, 16, 16, 3)), jnp.zeros((2, 3))
  for model, inputs in ((ConvDiscriminator(WIDTH, dtype=jnp.bfloat16), (x,)),
                        (ConvEncoder(3, WIDTH, dtype=jnp.bfloat16), (x, z)),
                        (ConvJointDiscriminator(WIDTH, z_hidden=(4,), head_hidden=(4,),
                                                dtype=jnp.bfloat16), (x, z))):
    variables, out = shapes(model, *inputs)
    assert {leaf.dtype for leaf in jax.tree.leaves(variables)} == {jnp.dtype(jnp.float32)}
    assert out.dtype == jnp.float32


@pytest.mark.parametrize("batch_norm", [True, False])
def test_batch_stats_present_iff_batch_norm(batch_norm):
  generator = ConvGenerator((16, 16, 1), WIDTH, batch_norm=batch_norm)
  discriminator = ConvDiscriminator(WIDTH, batch_norm=batch_norm)
  for model, x in ((generator, jnp.zeros((2, 3))), (discriminator, jnp.zeros((2, 16, 16, 1)))):
    variables, _ = shapes(model, x)
    assert ("batch_stats" in variables) == batch_norm
    _, (_, updates) = shapes(model, x, train=True, mutable=["batch_stats"])
    assert ("batch_stats" in updates) == batch_norm


def test_nearest_resize_repeats_each_pixel_then_convolves(float64):
  """The stage and a conv of the repeated image, in float64 (tests/conftest.py `float64`):
  XLA may order the two convolutions' sums differently, and they agree to float32's
  resolution (tests/precision.py)."""
  x = RNG.normal(size=(2, 3, 4, 5))
  repeated = np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)
  np.testing.assert_array_equal(upsample_nearest(x), repeated)

  class Stage(nn.Module):
    @nn.compact
    def __call__(self, x):
      return resize_upsample(x, 6, jnp.float64)

  stage = Stage()
  params = float64(init(stage, x)["params"])
  conv = nn.Conv(6, (3, 3), padding="SAME", dtype=jnp.float64)
  conv_params = {"params": params["Conv_0"]}
  assert_equal_to_float32_resolution(jax.jit(stage.apply)({"params": params}, x),
                                     jax.jit(conv.apply)(conv_params, repeated))


def test_depth_to_space_pixel_order():
  # One pixel of 2·2·2 channels: channel (2i + j)·2 + c goes to pixel (i, j), channel c.
  x = jnp.arange(8.0).reshape(1, 1, 1, 8)
  expected = np.array([[[0, 1], [2, 3]], [[4, 5], [6, 7]]], np.float32)[None]
  np.testing.assert_array_equal(depth_to_space(x), expected)
  y = RNG.normal(size=(2, 6, 4, 3)).astype(np.float32)
  np.testing.assert_array_equal(depth_to_space(space_to_depth(y)), y)
  assert space_to_depth(jnp.ones((2, 7, 7, 3))).shape == (2, 4, 4, 12)


@pytest.mark.parametrize("network", ["generator", "discriminator"])
def test_sync_batch_norm_over_devices_equals_one_device_on_the_whole_batch(network, float64):
  """In float64 (tests/conftest.py `float64`), where 1 and 4 devices differ only in the order
  of their reductions: outputs and statistics agree to float32's resolution
  (tests/precision.py)."""
  mesh = data_mesh()
  devices = mesh.devices.size
  if network == "generator":
    x = RNG.normal(size=(2 * devices, 3))
    make = lambda axis: ConvGenerator((8, 8, 2), WIDTH, batch_norm_axis=axis, dtype=jnp.float64)
  else:
    x = RNG.normal(size=(2 * devices, 16, 16, 2))
    make = lambda axis: ConvDiscriminator(WIDTH, batch_norm_axis=axis, dtype=jnp.float64)
  variables = float64(init(make(None), x))
  expected_out, expected_updates = jax.jit(
      functools.partial(make(None).apply, train=True, mutable=["batch_stats"]))(variables, x)

  def per_device(variables, x, expected_out):
    start = 2 * jax.lax.axis_index(DATA_AXIS)
    local = jax.lax.dynamic_slice_in_dim(x, start, 2)
    out, updates = make(DATA_AXIS).apply(variables, local, train=True, mutable=["batch_stats"])
    error = jnp.max(jnp.abs(out - jax.lax.dynamic_slice_in_dim(expected_out, start, 2)))
    return jax.lax.pmax(error, DATA_AXIS), updates

  error, updates = jax.jit(data_parallel(per_device, mesh))(variables, x, expected_out)
  assert devices == 4
  assert error.dtype == np.float64 and error <= FLOAT32_EPS * np.abs(expected_out).max()
  assert_equal_to_float32_resolution(updates, expected_updates)


def test_encoder_uses_its_extra_inputs():
  encoder = ConvEncoder(3, WIDTH, hidden=(8,))
  x, noise = RNG.normal(size=(2, 8, 8, 1)).astype(np.float32), jnp.zeros((2, 4))
  variables = init(encoder, x, noise)
  assert variables["params"]["Dense_0"]["kernel"].shape == (4 * 4 * WIDTH + 4, 8)
  apply = jax.jit(encoder.apply)
  assert not np.allclose(apply(variables, x, noise), apply(variables, x, noise + 1))


def test_joint_discriminator_depends_on_x_and_z():
  discriminator = ConvJointDiscriminator(WIDTH, z_hidden=(8,), head_hidden=(8,))
  x, z = RNG.normal(size=(2, 8, 8, 1)).astype(np.float32), jnp.zeros((2, 4))
  variables = init(discriminator, x, z)
  apply = jax.jit(discriminator.apply)
  logits = apply(variables, x, z)
  assert not np.allclose(logits, apply(variables, x + 1, z))
  assert not np.allclose(logits, apply(variables, x, z + 1))


def parameter_count(variables) -> int:
  return sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(variables["params"]))


def test_protocol_m_generator_shapes_and_parameter_count():
  """Metz et al.'s Stacked-MNIST generator (configs/stacked_m.py): z(256) -> 4x4x64 -> 7x7x32 ->
  14x14x16 -> 28x28x8 -> 28x28x3 with 3x3 transposed convs. Parameters, by hand: Dense
  256·1024 = 262,144 (no bias: BN follows); BN scale + shift 2·(64 + 32 + 16 + 8) = 240;
  transposed convs 9·(64·32 + 32·16 + 16·8) = 24,192; output conv 9·8·3 + 3 = 219: 286,795."""
  generator = ConvGenerator((28, 28, 3), 8, upsample="transposed", kernel=3, base_size=4,
                            output_kernel=3)
  variables, out = shapes(generator, jnp.zeros((2, 256)))
  params = variables["params"]
  assert params["Dense_0"]["kernel"].shape == (256, 4 * 4 * 64)
  assert [params[f"ConvTranspose_{i}"]["kernel"].shape for i in range(3)] == [
      (3, 3, 64, 32), (3, 3, 32, 16), (3, 3, 16, 8)]
  assert params["Conv_0"]["kernel"].shape == (3, 3, 8, 3)
  assert out.shape == (2, 28, 28, 3)
  assert parameter_count(variables) == 286_795


@pytest.mark.parametrize("width, count", [(2, 571), (4, 1861)])
def test_protocol_m_discriminator_shapes_and_parameter_counts(width, count):
  """D = 1/4 G (channels 2-4-8) and D = 1/2 G (4-8-16): three 3x3 stride-2 convs, each with BN,
  28 -> 14 -> 7 -> 4, then Dense -> 1. By hand at width w (channels w, 2w, 4w; no conv bias):
  9·(3w + 2w² + 8w²) + 2·7w + (16·4w + 1): w = 2: 54 + 72 + 288 + 28 + 129 = 571;
  w = 4: 108 + 288 + 1,152 + 56 + 257 = 1,861."""
  discriminator = ConvDiscriminator(width, kernel=3, negative_slope=0.3, first_batch_norm=True)
  variables, out = shapes(discriminator, jnp.zeros((2, 28, 28, 3)))
  trunk = variables["params"]["ConvTrunk_0"]
  assert [trunk[f"Conv_{i}"]["kernel"].shape for i in range(3)] == [
      (3, 3, 3, width), (3, 3, width, 2 * width), (3, 3, 2 * width, 4 * width)]
  assert [trunk[f"BatchNorm_{i}"]["scale"].shape for i in range(3)] == [
      (width,), (2 * width,), (4 * width,)]
  assert variables["params"]["Dense_0"]["kernel"].shape == (4 * 4 * 4 * width, 1)
  assert out.shape == (2,)
  assert parameter_count(variables) == count


def test_generator_sides_halve_rounding_up_to_the_base():
  assert generator_sides(28) == [7, 14, 28]
  assert generator_sides(28, 4) == [4, 7, 14, 28]
  assert generator_sides(28, 2) == [2, 4, 7, 14, 28]
  assert generator_sides(64) == [4, 8, 16, 32, 64]
  with pytest.raises(ValueError, match="square"):
    generator_sides(28, 3)


class _UpsampleTo(nn.Module):
  side: int
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, x):
    return crop(transposed_upsample(x, 3, self.dtype, True, 3), self.side)


def test_cropped_transposed_upsample_is_tensorflows_transposed_conv_to_an_odd_side(float64):
  """4x4 -> 7x7 with a 3x3 stride-2 transposed conv, as TensorFlow's conv2d_transpose with
  output_shape 7 computes it: the gradient of a SAME stride-2 conv on a 7x7 input (the kernel
  spatially flipped: flax does not flip it). Both in float64 (tests/conftest.py `float64`),
  where they differ only in the order of their sums: equal to float32's resolution
  (tests/precision.py)."""
  x = RNG.normal(size=(1, 4, 4, 2))
  module = _UpsampleTo(7, jnp.float64)
  variables = float64(init(module, x))
  kernel = variables["params"]["ConvTranspose_0"]["kernel"]  # [3, 3, in 2, out 3]
  forward = jnp.flip(kernel, (0, 1)).transpose(0, 1, 3, 2)  # The conv it is the gradient of.
  conv = lambda y: jax.lax.conv_general_dilated(y, forward, (2, 2), "SAME",
                                                dimension_numbers=("NHWC", "HWIO", "NHWC"))
  _, vjp = jax.vjp(conv, jnp.zeros((1, 7, 7, 3)))
  assert_equal_to_float32_resolution(module.apply(variables, x), vjp(x)[0])


def test_trunk_negative_slope():
  """With slope 1 the LeakyReLU is the identity: the slope-0.3 trunk's output is that
  pre-activation p mapped to max(p, 0.3 p). One stage (8x8 -> 4x4): the same conv on the same
  input in both trunks, and the slope's product 0.3·p in float32 in both: exactly."""
  x = jnp.asarray(RNG.normal(size=(2, 8, 8, 3)), jnp.float32)
  trunk = ConvTrunk(4, kernel=3, batch_norm=False, negative_slope=0.3)
  variables = init(trunk, x)
  pre = ConvTrunk(4, kernel=3, batch_norm=False, negative_slope=1.0).apply(variables, x)
  np.testing.assert_array_equal(trunk.apply(variables, x), jnp.maximum(pre, 0.3 * pre))


@pytest.mark.parametrize("kernel", [2, 3, 4, 5])
@pytest.mark.parametrize("side", [4, 7])
def test_transposed_conv_in_subpixel_form_is_flaxs_conv_transpose(kernel, side, float64):
  """`ConvTranspose` (a stride-1 conv and depth-to-space) against flax's own
  `nn.ConvTranspose(strides=2, padding="SAME")` with the same parameters (names, shapes): in
  float64 (tests/conftest.py `float64`) the two differ only in the order of their sums, so
  outputs and the gradients of a loss with respect to input, kernel and bias are equal to
  float32's resolution (tests/precision.py)."""
  x = jnp.asarray(RNG.normal(size=(2, side, side, 3)))
  ours = ConvTranspose(5, kernel, dtype=jnp.float64)
  flax_own = nn.ConvTranspose(5, (kernel, kernel), strides=(2, 2), padding="SAME",
                              dtype=jnp.float64, param_dtype=jnp.float64)
  variables = float64(init(ours, x))
  variables = jax.tree.map(lambda v: v + RNG.normal(size=v.shape), variables)  # Bias not zero.
  assert jax.tree.map(jnp.shape, variables) == jax.tree.map(jnp.shape, float64(init(flax_own, x)))
  weights = RNG.normal(size=(2, 2 * side, 2 * side, 5))
  outputs = [(module.apply(variables, x),
              jax.grad(lambda v, x, module=module: jnp.sum(weights * module.apply(v, x)), (0, 1))(variables, x))
             for module in (ours, flax_own)]
  assert outputs[0][0].shape == (2, 2 * side, 2 * side, 5)
  assert_equal_to_float32_resolution(*outputs)


@pytest.mark.parametrize("side, kernel, stride, padding, patches", [
    (4, 5, 2, (1, 2), True),     # protocol V's last conv: 4x4 -> 2x2 by 5x5.
    (7, 5, 2, (2, 2), True),     # 7x7 -> 4x4 by 5x5 (its input gradient is the slow one).
    (14, 5, 2, (1, 2), False),   # 14x14 -> 7x7 by 5x5.
    (2, 3, 1, (1, 1), True),     # a 5x5 transposed conv's sub-pixel form on 2x2.
    (4, 3, 1, (1, 1), False),    # the same on 4x4.
    (8, 4, 2, (1, 1), False),    # DCGAN's 8x8 -> 4x4 by 4x4.
    (7, 3, 2, (1, 1), False)])   # protocol M's 7x7 -> 4x4 by 3x3.
def test_patches_where_the_output_is_narrower_than_the_kernel(side, kernel, stride, padding,
                                                              patches):
  assert same_padding(side, kernel, stride) == padding
  assert uses_patches(side, kernel, stride, padding) is patches


@pytest.mark.parametrize("side, kernel, stride, padding", [
    (4, 5, 2, ((1, 2), (1, 2))), (7, 5, 2, ((2, 2), (2, 2))), (2, 3, 1, ((1, 1), (1, 1))),
    (5, 2, 1, ((0, 1), (1, 0))), (6, 3, 3, ((0, 0), (2, 1))), (3, 4, 2, ((2, 1), (1, 2)))])
def test_patches_conv_is_xlas_convolution(side, kernel, stride, padding, float64):
  """In float64 the patches and XLA's convolution differ only in the order of their sums:
  outputs and the gradients with respect to input and kernel equal to float32's resolution."""
  del float64
  x = jnp.asarray(RNG.normal(size=(2, side, side + 1, 3)))
  w = jnp.asarray(RNG.normal(size=(kernel, kernel, 3, 4)))

  def xla(x, w):
    return jax.lax.conv_general_dilated(x, w, (stride, stride), padding,
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))

  ours = patches_conv(x, w, stride, padding)
  weights = RNG.normal(size=ours.shape)
  outputs = [(f(x, w), jax.grad(lambda x, w, f=f: jnp.sum(weights * f(x, w)), (0, 1))(x, w))
             for f in (lambda x, w: patches_conv(x, w, stride, padding), xla)]
  assert ours.shape == xla(x, w).shape
  assert_equal_to_float32_resolution(*outputs)


@pytest.mark.parametrize("side, kernel, stride", [(4, 5, 2), (14, 5, 2), (2, 3, 1), (9, 4, 2)])
def test_conv_is_flaxs_conv(side, kernel, stride, float64):
  """`Conv`, through XLA's convolution or patches (`uses_patches`), has flax's `nn.Conv(SAME)`
  parameters (names, shapes) and outputs."""
  del float64
  x = jnp.asarray(RNG.normal(size=(2, side, side, 3)))
  ours = Conv(5, kernel, stride, dtype=jnp.float64)
  flax_own = nn.Conv(5, (kernel, kernel), strides=(stride, stride), padding="SAME",
                     dtype=jnp.float64, param_dtype=jnp.float64)
  variables = jax.tree.map(lambda v: jnp.asarray(RNG.normal(size=v.shape)), init(flax_own, x))
  assert jax.tree.map(jnp.shape, init(ours, x)) == jax.tree.map(jnp.shape, variables)
  assert_equal_to_float32_resolution(ours.apply(variables, x), flax_own.apply(variables, x))
