"""The FID Inception-v3 in flax.linen, its PyTorch weights file, and a uint8 -> features entry.

FID (Heusel et al. 2017, arXiv 1706.08500) and the Inception score (Salimans et al. 2016,
arXiv 1606.03498) are defined on one network: the Inception-v3 graph of TensorFlow's
`inception-2015-12-05.tgz` (Szegedy et al. 2016, arXiv 1512.00567), its 2048-D pool3
activations for FID and KID, its 1008-way logits for IS. pytorch-fid (github.com/mseitzer/
pytorch-fid, `pytorch_fid/inception.py`) ported that graph's weights to PyTorch as
`pt_inception-2015-12-05-6726825d.pth`; this module rebuilds its network, `fid_inception_v3`:
torchvision's Inception3 (`torchvision/models/inception.py`: no auxiliary head, 1008 classes)
with the blocks patched to the TF graph's behaviour,

    Mixed_5b-d  (FIDInceptionA), Mixed_6b-e (FIDInceptionC), Mixed_7b (FIDInceptionE_1):
                the pool branch averages over the window's in-image pixels only
                (count_include_pad=False), as TensorFlow's average pool does;
    Mixed_7c    (FIDInceptionE_2): the pool branch is a 3x3 stride-1 *max* pool;

every convolution is bias-free and followed by BatchNorm (eps 0.001) and a ReLU. Layers carry
torchvision's names, so the weights file maps onto the flax variables one name at a time
(OIHW -> HWIO kernels). Images go in as pytorch-fid feeds them: uint8 -> [0, 1], bilinear
resize to 299x299 without antialiasing (F.interpolate, align_corners=False; the same
half-pixel-centre interpolation as `jax.image.resize` with antialias=False), then 2x - 1.
pytorch-fid's features therefore differ slightly from TF's (whose resize differs): `RESIZE`
names ours, to be reported next to every number computed from these features.
"""

import functools
import hashlib
import os
from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jax.sharding import Mesh

from aegan.evaluation.features import ShardedApply
from aegan.evaluation.progress import Progress
from aegan.evaluation.torch_files import WeightsFileError, read_state_dict
from aegan.parallel import data_mesh

WEIGHTS_URL = ("https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
               "pt_inception-2015-12-05-6726825d.pth")
INPUT_SIZE = 299
NUM_CLASSES = 1008
RESIZE = "bilinear to 299x299, jax.image.resize antialias=False (= pytorch-fid's)"
BATCH_NORM_EPSILON = 1e-3


class BasicConv2d(nn.Module):
  """Convolution (no bias) -> BatchNorm (running statistics) -> ReLU, as torchvision's."""
  features: int
  kernel_size: tuple[int, int]
  strides: int = 1
  padding: tuple[int, int] = (0, 0)

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    pad_h, pad_w = self.padding
    x = nn.Conv(self.features, self.kernel_size, strides=self.strides,
                padding=((pad_h, pad_h), (pad_w, pad_w)), use_bias=False, name="conv")(x)
    x = nn.BatchNorm(use_running_average=True, epsilon=BATCH_NORM_EPSILON, name="bn")(x)
    return nn.relu(x)


def _average_pool_3x3(x: jax.Array) -> jax.Array:
  """3x3 stride-1 average over the in-image pixels of each window (TF's; FID blocks)."""
  return nn.avg_pool(x, (3, 3), strides=(1, 1), padding=((1, 1), (1, 1)),
                     count_include_pad=False)


def _max_pool_3x3_stride_2(x: jax.Array) -> jax.Array:
  return nn.max_pool(x, (3, 3), strides=(2, 2))


class InceptionA(nn.Module):
  """Mixed_5b-d: 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | avg pool-1x1 (`pool_features`)."""
  pool_features: int

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    branch1x1 = BasicConv2d(64, (1, 1), name="branch1x1")(x)
    branch5x5 = BasicConv2d(48, (1, 1), name="branch5x5_1")(x)
    branch5x5 = BasicConv2d(64, (5, 5), padding=(2, 2), name="branch5x5_2")(branch5x5)
    branch3x3dbl = BasicConv2d(64, (1, 1), name="branch3x3dbl_1")(x)
    branch3x3dbl = BasicConv2d(96, (3, 3), padding=(1, 1), name="branch3x3dbl_2")(branch3x3dbl)
    branch3x3dbl = BasicConv2d(96, (3, 3), padding=(1, 1), name="branch3x3dbl_3")(branch3x3dbl)
    branch_pool = BasicConv2d(self.pool_features, (1, 1), name="branch_pool")(
        _average_pool_3x3(x))
    return jnp.concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool], axis=-1)


class InceptionB(nn.Module):
  """Mixed_6a, 35x35 -> 17x17: 3x3/2 | 1x1-3x3-3x3/2 | max pool/2."""

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    branch3x3 = BasicConv2d(384, (3, 3), strides=2, name="branch3x3")(x)
    branch3x3dbl = BasicConv2d(64, (1, 1), name="branch3x3dbl_1")(x)
    branch3x3dbl = BasicConv2d(96, (3, 3), padding=(1, 1), name="branch3x3dbl_2")(branch3x3dbl)
    branch3x3dbl = BasicConv2d(96, (3, 3), strides=2, name="branch3x3dbl_3")(branch3x3dbl)
    return jnp.concatenate([branch3x3, branch3x3dbl, _max_pool_3x3_stride_2(x)], axis=-1)


class InceptionC(nn.Module):
  """Mixed_6b-e: 1x1 | 1x1-1x7-7x1 | 1x1-7x1-1x7-7x1-1x7 | avg pool-1x1, width `channels_7x7`."""
  channels_7x7: int

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    c7 = self.channels_7x7
    row = dict(kernel_size=(1, 7), padding=(0, 3))
    column = dict(kernel_size=(7, 1), padding=(3, 0))
    branch1x1 = BasicConv2d(192, (1, 1), name="branch1x1")(x)
    branch7x7 = BasicConv2d(c7, (1, 1), name="branch7x7_1")(x)
    branch7x7 = BasicConv2d(c7, **row, name="branch7x7_2")(branch7x7)
    branch7x7 = BasicConv2d(192, **column, name="branch7x7_3")(branch7x7)
    branch7x7dbl = BasicConv2d(c7, (1, 1), name="branch7x7dbl_1")(x)
    for index, (features, shape) in enumerate(
        [(c7, column), (c7, row), (c7, column), (192, row)], start=2):
      branch7x7dbl = BasicConv2d(features, **shape, name=f"branch7x7dbl_{index}")(branch7x7dbl)
    branch_pool = BasicConv2d(192, (1, 1), name="branch_pool")(_average_pool_3x3(x))
    return jnp.concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool], axis=-1)


class InceptionD(nn.Module):
  """Mixed_7a, 17x17 -> 8x8: 1x1-3x3/2 | 1x1-1x7-7x1-3x3/2 | max pool/2."""

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    branch3x3 = BasicConv2d(192, (1, 1), name="branch3x3_1")(x)
    branch3x3 = BasicConv2d(320, (3, 3), strides=2, name="branch3x3_2")(branch3x3)
    branch7x7x3 = BasicConv2d(192, (1, 1), name="branch7x7x3_1")(x)
    branch7x7x3 = BasicConv2d(192, (1, 7), padding=(0, 3), name="branch7x7x3_2")(branch7x7x3)
    branch7x7x3 = BasicConv2d(192, (7, 1), padding=(3, 0), name="branch7x7x3_3")(branch7x7x3)
    branch7x7x3 = BasicConv2d(192, (3, 3), strides=2, name="branch7x7x3_4")(branch7x7x3)
    return jnp.concatenate([branch3x3, branch7x7x3, _max_pool_3x3_stride_2(x)], axis=-1)


class InceptionE(nn.Module):
  """Mixed_7b-c: 1x1 | 1x1-(1x3, 3x1) | 1x1-3x3-(1x3, 3x1) | pool-1x1.

  `max_pool`: the pool branch max-pools (FIDInceptionE_2, Mixed_7c) instead of averaging over
  in-image pixels (FIDInceptionE_1, Mixed_7b).
  """
  max_pool: bool

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    def split_1x3_3x1(y: jax.Array, prefix: str) -> jax.Array:
      return jnp.concatenate([
          BasicConv2d(384, (1, 3), padding=(0, 1), name=f"{prefix}a")(y),
          BasicConv2d(384, (3, 1), padding=(1, 0), name=f"{prefix}b")(y)], axis=-1)

    branch1x1 = BasicConv2d(320, (1, 1), name="branch1x1")(x)
    branch3x3 = split_1x3_3x1(BasicConv2d(384, (1, 1), name="branch3x3_1")(x), "branch3x3_2")
    branch3x3dbl = BasicConv2d(448, (1, 1), name="branch3x3dbl_1")(x)
    branch3x3dbl = BasicConv2d(384, (3, 3), padding=(1, 1), name="branch3x3dbl_2")(branch3x3dbl)
    branch3x3dbl = split_1x3_3x1(branch3x3dbl, "branch3x3dbl_3")
    if self.max_pool:
      pooled = nn.max_pool(x, (3, 3), strides=(1, 1), padding=((1, 1), (1, 1)))
    else:
      pooled = _average_pool_3x3(x)
    branch_pool = BasicConv2d(192, (1, 1), name="branch_pool")(pooled)
    return jnp.concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool], axis=-1)


class FIDInceptionV3(nn.Module):
  """pytorch-fid's `fid_inception_v3()` without the head's dropout (inference only).

  [N, H, W, 3] floats in [-1, 1], H, W >= 75 (299 for the features FID is defined on) ->
  (pool3 [N, 2048]: the global average of Mixed_7c, logits [N, 1008]: fc(pool3)).
  """

  @nn.compact
  def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
    x = BasicConv2d(32, (3, 3), strides=2, name="Conv2d_1a_3x3")(x)  # 149x149
    x = BasicConv2d(32, (3, 3), name="Conv2d_2a_3x3")(x)  # 147x147
    x = BasicConv2d(64, (3, 3), padding=(1, 1), name="Conv2d_2b_3x3")(x)
    x = _max_pool_3x3_stride_2(x)  # 73x73
    x = BasicConv2d(80, (1, 1), name="Conv2d_3b_1x1")(x)
    x = BasicConv2d(192, (3, 3), name="Conv2d_4a_3x3")(x)  # 71x71
    x = _max_pool_3x3_stride_2(x)  # 35x35
    x = InceptionA(32, name="Mixed_5b")(x)  # 256 channels
    x = InceptionA(64, name="Mixed_5c")(x)  # 288
    x = InceptionA(64, name="Mixed_5d")(x)  # 288
    x = InceptionB(name="Mixed_6a")(x)  # 17x17x768
    for name, channels_7x7 in [("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160),
                               ("Mixed_6e", 192)]:
      x = InceptionC(channels_7x7, name=name)(x)
    x = InceptionD(name="Mixed_7a")(x)  # 8x8x1280
    x = InceptionE(max_pool=False, name="Mixed_7b")(x)  # 2048
    x = InceptionE(max_pool=True, name="Mixed_7c")(x)
    pool3 = jnp.mean(x, axis=(1, 2))
    return pool3, nn.Dense(NUM_CLASSES, name="fc")(pool3)


@functools.cache
def variable_shapes() -> dict:
  """The flax variables' shapes ({"params", "batch_stats"} of jax.ShapeDtypeStruct), no compute.

  Cached: one dict shared by every caller, not to be modified.
  """
  images = jax.ShapeDtypeStruct((1, INPUT_SIZE, INPUT_SIZE, 3), jnp.float32)
  return jax.eval_shape(FIDInceptionV3().init, jax.random.key(0), images)


def _torch_name(collection: str, path: tuple[str, ...]) -> str:
  """The state-dict name of the flax variable at `path` in `collection`."""
  *module, leaf = path
  torch_leaf = {("params", "kernel"): "weight", ("params", "bias"): "bias",
                ("params", "scale"): "weight", ("batch_stats", "mean"): "running_mean",
                ("batch_stats", "var"): "running_var"}[collection, leaf]
  return ".".join([*module, torch_leaf])


def _from_torch_layout(array: np.ndarray) -> np.ndarray:
  """Conv OIHW -> HWIO, linear [out, in] -> [in, out]; vectors unchanged."""
  axes = {4: (2, 3, 1, 0), 2: (1, 0), 1: (0,)}[array.ndim]
  return np.ascontiguousarray(np.transpose(array, axes))


def _to_torch_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
  axes = {4: (3, 2, 0, 1), 2: (1, 0), 1: (0,)}[len(shape)]
  return tuple(shape[axis] for axis in axes)


def state_dict_shapes() -> dict[str, tuple[int, ...]]:
  """The weights file's tensor names and PyTorch shapes, BatchNorm's `num_batches_tracked` aside."""
  return {_torch_name(collection, tuple(key.key for key in path)): _to_torch_shape(leaf.shape)
          for collection, tree in variable_shapes().items()
          for path, leaf in jax.tree_util.tree_leaves_with_path(tree)}


def _missing_weights_message(path: str) -> str:
  return (f"FID Inception weights file {path} does not exist: download {WEIGHTS_URL} "
          "(pytorch-fid's port of TF's inception-2015-12-05, about 95 MB) and pass its path")


def load_variables(path: str | os.PathLike) -> dict:
  """The FID Inception's flax variables from pytorch-fid's weights file at `path`.

  Every variable of `FIDInceptionV3` must be in the file under its torchvision name with its
  PyTorch shape, and the file may hold nothing else but BatchNorm's `num_batches_tracked`
  counters (training state, unused at inference).

  Returns:
    {"params": ..., "batch_stats": ...} of float32 numpy arrays.

  Raises:
    WeightsFileError: the file is missing (the message says where to get it), is not a
      torch.save state dict, or does not hold exactly this network's weights.
  """
  path = os.fspath(path)
  if not os.path.isfile(path):
    raise WeightsFileError(_missing_weights_message(path))
  state = read_state_dict(path)
  used, problems, variables = set(), [], {}
  for collection, tree in variable_shapes().items():
    def convert(key_path, expected, collection=collection):
      name = _torch_name(collection, tuple(key.key for key in key_path))
      used.add(name)
      torch_shape = _to_torch_shape(expected.shape)
      if name not in state:
        problems.append(f"{name} is missing")
      elif state[name].shape != torch_shape or state[name].dtype.kind != "f":
        problems.append(f"{name} is {state[name].dtype}{list(state[name].shape)}, expected "
                        f"float{list(torch_shape)}")
      else:
        return _from_torch_layout(state[name]).astype(np.float32)
      return None
    variables[collection] = jax.tree_util.tree_map_with_path(convert, tree)
  problems += [f"unexpected {name}" for name in state
               if name not in used and not name.endswith(".bn.num_batches_tracked")]
  if problems:
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    raise WeightsFileError(f"{path} is not the FID Inception-v3: {'; '.join(problems[:3])}{more}")
  return variables


def _preprocess(images: jax.Array) -> jax.Array:
  """uint8 [N, H, W, C] -> float32 [N, 299, 299, 3] in [-1, 1], as pytorch-fid (see RESIZE)."""
  x = images.astype(jnp.float32) / 255.0
  x = jnp.broadcast_to(x, (*x.shape[:3], 3))  # Grey -> RGB, as PIL's convert("RGB").
  x = jax.image.resize(x, (x.shape[0], INPUT_SIZE, INPUT_SIZE, 3), method="bilinear",
                       antialias=False)
  return 2.0 * x - 1.0


def _apply(variables: dict, images: jax.Array) -> tuple[jax.Array, jax.Array]:
  return FIDInceptionV3().apply(variables, _preprocess(images))


def _check_images(images: np.ndarray) -> np.ndarray:
  images = np.asarray(images)
  if (images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] not in (1, 3)
      or not len(images)):
    raise ValueError("need uint8 images [N >= 1, H, W, 3 or 1], got "
                     f"{images.dtype}{list(images.shape)}")
  return images


def feature_function(variables: dict, batch_size: int = 50, mesh: Mesh | None = None
                     ) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
  """features(images, progress=None) -> (pool3 [N, 2048], logits [N, 1008]), float32 numpy.

  Args:
    variables: the network's variables, from `load_variables`.
    batch_size: images per jitted call, split over the devices of `mesh` (default: every
      device); a last partial batch is padded, so there is one compiled shape per image size.
    mesh: a `data` mesh (aegan/parallel.py).

  The returned function takes uint8 images [N, H, W, 3] (or [N, H, W, 1], repeated to RGB),
  the pixels an image file would hold: quantise generated [-1, 1] samples first
  (`aegan.evaluation.quantise`) so that samples and real data are scored alike.
  """
  apply = ShardedApply(_apply, variables, mesh or data_mesh(), batch_size)

  def features(images: np.ndarray, progress: Progress | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    return apply(_check_images(images), progress)

  return features


class InceptionFeatures:
  """The FID Inception as a feature network (aegan/evaluation/features.py): pool3 features
  and the softmax of the 1008 logits, from the weights file at `weights_path`.

  Raises:
    WeightsFileError: see `load_variables`.
  """

  resize = RESIZE

  def __init__(self, weights_path: str, mesh: Mesh | None = None, batch_size: int = 50):
    self._features = feature_function(load_variables(weights_path), batch_size, mesh)
    with open(weights_path, "rb") as f:
      self.name = f"inception-{hashlib.file_digest(f, 'sha256').hexdigest()[:12]}"
    self.description = f"FID Inception-v3 of {weights_path}, pool3"

  def __call__(self, images: np.ndarray, progress: Progress | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    pool3, logits = self._features(images, progress)
    return pool3, np.asarray(jax.nn.softmax(logits, -1))
