"""The FID Inception-v3 port (shapes, parameter count, features) and its weights-file loader.

The files here are written by `_write_torch_file`, a small writer of the two layouts
`torch.save` produces (zip and legacy; see aegan/evaluation/torch_files.py), so these tests
need no PyTorch. Where PyTorch is installed, the reader also reads real `torch.save` output and
the port's features equal a PyTorch forward's (the last test); benchmarks/inception_equivalence.py
compares with pytorch-fid's own network.
"""

import os
import pickle
import struct
import zipfile

import jax
import numpy as np
import pytest

from aegan.evaluation import inception
from aegan.evaluation.torch_files import (LEGACY_MAGIC_NUMBER, LEGACY_PROTOCOL_VERSION,
                                          WeightsFileError, read_state_dict)

# pytorch-fid 0.3.0's fid_inception_v3() (torchvision 0.28): sum of parameter numels, and of
# BatchNorm running means and variances.
FID_INCEPTION_PARAMETERS = 23_850_960
FID_INCEPTION_RUNNING_STATISTICS = 34_432


# --- a torch.save writer without torch ------------------------------------------------------


def _text(value: str) -> bytes:
  encoded = value.encode()
  return b"X" + struct.pack("<I", len(encoded)) + encoded  # BINUNICODE


def _int(value: int) -> bytes:
  return b"J" + struct.pack("<i", value)  # BININT


def _ints(values: tuple[int, ...]) -> bytes:
  return b"(" + b"".join(_int(v) for v in values) + b"t"  # MARK ... TUPLE


def _global(module: str, name: str) -> bytes:
  return b"c" + f"{module}\n{name}\n".encode()


def _state_dict_pickle(tensors: dict, storages: dict, legacy: bool) -> bytes:
  """Protocol-2 pickle of {name: torch._utils._rebuild_tensor_v2(storage, offset, shape,
  stride, False, OrderedDict())}, storages as persistent ids, opcode by opcode as torch.save.

  tensors: {name: (storage key, offset, shape, stride)}; storages: {key: numpy array}.
  """
  body = b""
  for name, (key, offset, shape, stride) in tensors.items():
    storage_class = {np.float32: "FloatStorage", np.int64: "LongStorage",
                     np.float16: "HalfStorage"}[storages[key].dtype.type]
    persistent_id = (b"(" + _text("storage") + _global("torch", storage_class) + _text(key)
                     + _text("cpu") + _int(storages[key].size) + (b"N" if legacy else b"")
                     + b"tQ")  # TUPLE, BINPERSID
    body += (_text(name) + _global("torch._utils", "_rebuild_tensor_v2") + b"("
             + persistent_id + _int(offset) + _ints(shape) + _ints(stride) + b"\x89"
             + _global("collections", "OrderedDict") + b")R" + b"tR")
  return b"\x80\x02}(" + body + b"u."


def _write_torch_file(path, tensors: dict, storages: dict, layout: str = "zip",
                      byteorder: str = "little", payload: bytes | None = None) -> None:
  """Writes what torch.save(state_dict, path) would for these tensors and storages.

  layout: "zip" (torch >= 1.6) or "legacy"; payload: a pickle to store instead of the state
  dict's.
  """
  pickled = payload or _state_dict_pickle(tensors, storages, legacy=layout == "legacy")
  order = "<" if byteorder == "little" else ">"
  raw = {key: array.astype(array.dtype.newbyteorder(order)).tobytes()
         for key, array in storages.items()}
  if layout == "zip":
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
      archive.writestr("archive/data.pkl", pickled)
      archive.writestr("archive/byteorder", byteorder)
      for key, data in raw.items():
        archive.writestr(f"archive/data/{key}", data)
      archive.writestr("archive/version", "3\n")
    return
  with open(path, "wb") as file:
    for header in (LEGACY_MAGIC_NUMBER, LEGACY_PROTOCOL_VERSION,
                   {"protocol_version": LEGACY_PROTOCOL_VERSION, "little_endian": True,
                    "type_sizes": {"short": 2, "int": 4, "long": 8}}):
      file.write(pickle.dumps(header, protocol=2))
    file.write(pickled + pickle.dumps(sorted(storages), protocol=2))
    for key in sorted(storages):
      file.write(struct.pack("<q", storages[key].size) + raw[key])


def _contiguous(key: str, shape: tuple[int, ...], offset: int = 0) -> tuple:
  stride = tuple(int(np.prod(shape[i + 1:])) for i in range(len(shape)))
  return key, offset, shape, stride


# --- reading torch.save files ---------------------------------------------------------------

STORAGES = {"0": np.arange(12, dtype=np.float32) - 5.5, "1": np.array([7], np.int64),
            "2": np.array([0.5, -2.0, 3.0], np.float16)}
TENSORS = {"weight": _contiguous("0", (3, 4)), "transposed": ("0", 0, (4, 3), (1, 4)),
           "row": _contiguous("0", (4,), offset=8), "count": _contiguous("1", ()),
           "half": _contiguous("2", (3,))}
EXPECTED = {"weight": STORAGES["0"].reshape(3, 4), "transposed": STORAGES["0"].reshape(3, 4).T,
            "row": STORAGES["0"][8:], "count": np.array(7, np.int64), "half": STORAGES["2"]}


@pytest.mark.parametrize("layout, byteorder", [("zip", "little"), ("zip", "big"),
                                               ("legacy", "little")])
def test_reads_tensors_views_and_dtypes_of_both_layouts(tmp_path, layout, byteorder):
  path = tmp_path / "state.pth"
  _write_torch_file(path, TENSORS, STORAGES, layout, byteorder)
  state = read_state_dict(path)
  assert list(state) == list(EXPECTED)
  for name, expected in EXPECTED.items():
    assert state[name].dtype == expected.dtype and state[name].dtype.isnative
    np.testing.assert_array_equal(state[name], expected)
    assert state[name].flags.c_contiguous


def _error(path) -> str:
  with pytest.raises(WeightsFileError) as error:
    read_state_dict(path)
  message = str(error.value)
  assert "\n" not in message and message.startswith(str(path))
  return message


def test_refuses_a_missing_file_and_files_that_are_not_torch_save(tmp_path):
  assert "no such file" in _error(tmp_path / "absent.pth")
  (tmp_path / "text.pth").write_text("not weights\n")
  assert "neither a zip archive nor a legacy torch.save file" in _error(tmp_path / "text.pth")
  with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
    archive.writestr("archive/readme.txt", "hello")
  assert "no <folder>/data.pkl" in _error(tmp_path / "other.zip")
  (tmp_path / "cut.pth").write_bytes(b"\x80\x02}(" + _text("weight"))
  assert "not a readable torch.save state dict" in _error(tmp_path / "cut.pth")


@pytest.mark.parametrize("layout", ["zip", "legacy"])
def test_refuses_a_pickle_that_names_another_global_without_calling_it(tmp_path, layout):
  marker = tmp_path / "called"
  payload = b"\x80\x02" + _global("os", "system") + b"(" + _text(f"touch {marker}") + b"tR."
  _write_torch_file(tmp_path / "evil.pth", {}, {}, layout, payload=payload)
  assert "names os.system" in _error(tmp_path / "evil.pth")
  assert not marker.exists()


def test_refuses_missing_storages_and_views_past_their_storage(tmp_path):
  _write_torch_file(tmp_path / "missing.pth", TENSORS, STORAGES)
  with zipfile.ZipFile(tmp_path / "missing.pth") as source, \
      zipfile.ZipFile(tmp_path / "dropped.pth", "w") as target:
    for entry in source.namelist():
      if entry != "archive/data/1":
        target.writestr(entry, source.read(entry))
  assert "storage 1 is missing" in _error(tmp_path / "dropped.pth")
  _write_torch_file(tmp_path / "past.pth", {"weight": _contiguous("0", (4, 4))}, STORAGES)
  assert "reads past its storage" in _error(tmp_path / "past.pth")


# --- the network ----------------------------------------------------------------------------


def test_parameter_count_equals_pytorch_fids():
  sizes = {name: sum(leaf.size for leaf in jax.tree.leaves(tree))
           for name, tree in inception.variable_shapes().items()}
  assert sizes == {"params": FID_INCEPTION_PARAMETERS,
                   "batch_stats": FID_INCEPTION_RUNNING_STATISTICS}


def test_layer_shapes():
  params = inception.variable_shapes()["params"]
  kernels = [leaf for path, leaf in jax.tree_util.tree_leaves_with_path(params)
             if path[-1].key == "kernel"]
  assert len(kernels) == 94 + 1  # 94 convolutions and the fc layer.
  assert params["Conv2d_1a_3x3"]["conv"]["kernel"].shape == (3, 3, 3, 32)
  assert params["Mixed_5b"]["branch_pool"]["conv"]["kernel"].shape == (1, 1, 192, 32)
  assert params["Mixed_6e"]["branch7x7dbl_5"]["conv"]["kernel"].shape == (1, 7, 192, 192)
  assert params["Mixed_7c"]["branch3x3_2b"]["conv"]["kernel"].shape == (3, 1, 384, 384)
  assert params["fc"]["kernel"].shape == (2048, inception.NUM_CLASSES)
  torch_shapes = inception.state_dict_shapes()  # 5 tensors per convolution + fc.
  assert len(torch_shapes) == 94 * 5 + 2
  assert torch_shapes["Conv2d_1a_3x3.conv.weight"] == (32, 3, 3, 3)
  assert torch_shapes["Mixed_7b.branch3x3dbl_3a.bn.running_mean"] == (384,)
  assert torch_shapes["fc.weight"] == (inception.NUM_CLASSES, 2048)

  def block_outputs(variables, images):
    _, state = inception.FIDInceptionV3().apply(
        variables, images, capture_intermediates=lambda module, _: module.name is not None,
        mutable=["intermediates"])
    return {name: value["__call__"][0] for name, value in state["intermediates"].items()}

  images = jax.ShapeDtypeStruct((2, 299, 299, 3), np.float32)
  shapes = {name: out.shape[1:] for name, out in
            jax.eval_shape(block_outputs, inception.variable_shapes(), images).items()}
  assert shapes == {
      "Conv2d_1a_3x3": (149, 149, 32), "Conv2d_2a_3x3": (147, 147, 32),
      "Conv2d_2b_3x3": (147, 147, 64), "Conv2d_3b_1x1": (73, 73, 80),
      "Conv2d_4a_3x3": (71, 71, 192), "Mixed_5b": (35, 35, 256), "Mixed_5c": (35, 35, 288),
      "Mixed_5d": (35, 35, 288), "Mixed_6a": (17, 17, 768), "Mixed_6b": (17, 17, 768),
      "Mixed_6c": (17, 17, 768), "Mixed_6d": (17, 17, 768), "Mixed_6e": (17, 17, 768),
      "Mixed_7a": (8, 8, 1280), "Mixed_7b": (8, 8, 2048), "Mixed_7c": (8, 8, 2048),
      "fc": (inception.NUM_CLASSES,)}


def _random_variables(seed: int = 0) -> dict:
  """He-normal kernels, BatchNorm as the identity: the network's shapes, cheap to make."""
  rng = np.random.default_rng(seed)

  def draw(path, leaf):
    if path[-1].key == "kernel":
      fan_in = np.prod(leaf.shape[:-1])
      return (rng.standard_normal(leaf.shape) * np.sqrt(2 / fan_in)).astype(np.float32)
    return np.full(leaf.shape, 1.0 if path[-1].key in ("scale", "var") else 0.0, np.float32)

  return jax.tree_util.tree_map_with_path(draw, inception.variable_shapes())


def test_features_of_uint8_images_in_padded_batches():
  features = inception.feature_function(_random_variables(), batch_size=2)
  images = np.random.default_rng(1).integers(0, 256, (3, 32, 32, 3), np.uint8)
  pool3, logits = features(images)  # Two calls: images 0-1, and image 2 padded to a batch.
  assert pool3.shape == (3, 2048) and logits.shape == (3, inception.NUM_CLASSES)
  assert np.all(np.isfinite(pool3)) and np.all(pool3 >= 0) and np.ptp(pool3) > 0
  alone_pool3, alone_logits = features(images[2:])
  # The device that holds image 2 gets the same rows in both calls (on 1 device [image 2, 0],
  # on n > 1 one of the n rows of a batch, [image 2]), and one compiled program on the same
  # rows gives the same bits: equal exactly.
  np.testing.assert_array_equal(alone_pool3[0], pool3[2])
  np.testing.assert_array_equal(alone_logits[0], logits[2])
  with pytest.raises(ValueError, match="need uint8 images"):
    features(images.astype(np.float32))


# --- loading pytorch-fid's weights file -----------------------------------------------------


def _fid_weights_file(path, drop: str = "", reshape: str = "", extra: str = "") -> None:
  """A torch.save file with pytorch-fid's names and shapes: every tensor a view of one storage
  holding 0, 1, 2, ..., so the value at each torch index is its row-major position."""
  tensors = {}
  for name, shape in inception.state_dict_shapes().items():
    tensors[name] = _contiguous("0", shape[::-1] if name == reshape else shape)
    if name.endswith(".bn.running_var"):
      tensors[name.replace("running_var", "num_batches_tracked")] = _contiguous("1", ())
  tensors.pop(drop, None)
  if extra:
    tensors[extra] = _contiguous("0", (3,))
  storages = {"0": np.arange(2048 * 1008, dtype=np.float32), "1": np.array([0], np.int64)}
  _write_torch_file(path, tensors, storages)


def test_load_variables_maps_names_and_layouts(tmp_path):
  _fid_weights_file(tmp_path / "fid.pth")
  variables = inception.load_variables(tmp_path / "fid.pth")
  assert jax.tree.map(lambda x: (x.shape, x.dtype), variables) == jax.tree.map(
      lambda x: (x.shape, np.dtype(np.float32)), inception.variable_shapes())
  kernel = variables["params"]["Mixed_6b"]["branch7x7_2"]["conv"]["kernel"]  # HWIO (1, 7, 128, 128)
  h, w, i, o = 0, 5, 3, 2
  assert kernel[h, w, i, o] == ((o * 128 + i) * 1 + h) * 7 + w  # Torch OIHW, row-major.
  fc = variables["params"]["fc"]["kernel"]
  assert fc[10, 3] == 3 * 2048 + 10  # Torch [out, in].
  np.testing.assert_array_equal(variables["batch_stats"]["Mixed_7c"]["branch_pool"]["bn"]["var"],
                                np.arange(192))


@pytest.mark.parametrize("change, message", [
    (dict(drop="Mixed_5b.branch5x5_2.bn.running_mean"),
     "Mixed_5b.branch5x5_2.bn.running_mean is missing"),
    (dict(reshape="Conv2d_2b_3x3.conv.weight"),
     "Conv2d_2b_3x3.conv.weight is float32[3, 3, 32, 64], expected float[64, 32, 3, 3]"),
    (dict(extra="AuxLogits.fc.bias"), "unexpected AuxLogits.fc.bias"),
])
def test_load_variables_refuses_a_different_network(tmp_path, change, message):
  _fid_weights_file(tmp_path / "fid.pth", **change)
  with pytest.raises(WeightsFileError, match="is not the FID Inception-v3") as error:
    inception.load_variables(tmp_path / "fid.pth")
  assert message in str(error.value) and "\n" not in str(error.value)


def test_a_missing_weights_file_says_where_to_get_it(tmp_path):
  with pytest.raises(WeightsFileError) as error:
    inception.load_variables(tmp_path / "pt_inception-2015-12-05-6726825d.pth")
  message = str(error.value)
  assert "\n" not in message and inception.WEIGHTS_URL in message
  assert message.startswith(f"FID Inception weights file {tmp_path}")
  assert not os.path.exists(tmp_path / "pt_inception-2015-12-05-6726825d.pth")


# --- against PyTorch, when it is installed ----------------------------------------------------
# pytorch-fid itself needs torchvision, whose wheel must match the torch build (a CPU torch
# beside a CUDA torchvision does not import); benchmarks/inception_equivalence.py compares with
# pytorch-fid's own network where both install. Here a functional PyTorch forward of the same
# structure, written from torchvision's `Inception3` and pytorch-fid's FID blocks, reads a real
# `torch.save` file of random weights: it checks the file reader, the OIHW -> HWIO layout, the
# paddings and strides, BatchNorm's epsilon, TF's in-image average pool, Mixed_7c's max pool
# and the bilinear resize against PyTorch's own operations.


def _torch_fid_inception(state: dict, images: np.ndarray):
  """(pool3, logits) of uint8 images [N, H, W, 3] by PyTorch operations on `state`."""
  import torch  # pylint: disable=import-outside-toplevel
  import torch.nn.functional as F  # pylint: disable=import-outside-toplevel

  def conv(name, x, stride=1, padding=None):
    weight = state[f"{name}.conv.weight"]
    if padding is None:  # Stride 1: "same" padding; the stem's unpadded layers pass padding=0.
      padding = (0, 0) if stride == 2 else ((weight.shape[2] - 1) // 2, (weight.shape[3] - 1) // 2)
    x = F.conv2d(x, weight, stride=stride, padding=padding)
    x = F.batch_norm(x, state[f"{name}.bn.running_mean"], state[f"{name}.bn.running_var"],
                     state[f"{name}.bn.weight"], state[f"{name}.bn.bias"], eps=0.001)
    return F.relu(x)

  def average_pool(x):  # pytorch-fid's FID blocks: TF's average over in-image pixels.
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)

  def block_a(name, x):
    dbl = conv(f"{name}.branch3x3dbl_2", conv(f"{name}.branch3x3dbl_1", x))
    return torch.cat([
        conv(f"{name}.branch1x1", x),
        conv(f"{name}.branch5x5_2", conv(f"{name}.branch5x5_1", x)),
        conv(f"{name}.branch3x3dbl_3", dbl),
        conv(f"{name}.branch_pool", average_pool(x))], 1)

  def block_b(name, x):
    dbl = conv(f"{name}.branch3x3dbl_2", conv(f"{name}.branch3x3dbl_1", x))
    return torch.cat([conv(f"{name}.branch3x3", x, stride=2),
                      conv(f"{name}.branch3x3dbl_3", dbl, stride=2), F.max_pool2d(x, 3, 2)], 1)

  def block_c(name, x):
    branch7x7 = x
    for index in (1, 2, 3):
      branch7x7 = conv(f"{name}.branch7x7_{index}", branch7x7)
    dbl = x
    for index in (1, 2, 3, 4, 5):
      dbl = conv(f"{name}.branch7x7dbl_{index}", dbl)
    return torch.cat([conv(f"{name}.branch1x1", x), branch7x7, dbl,
                      conv(f"{name}.branch_pool", average_pool(x))], 1)

  def block_d(name, x):
    branch3x3 = conv(f"{name}.branch3x3_2", conv(f"{name}.branch3x3_1", x), stride=2)
    branch7x7x3 = x
    for index in (1, 2, 3):
      branch7x7x3 = conv(f"{name}.branch7x7x3_{index}", branch7x7x3)
    return torch.cat([branch3x3, conv(f"{name}.branch7x7x3_4", branch7x7x3, stride=2),
                      F.max_pool2d(x, 3, 2)], 1)

  def block_e(name, x, max_pool):
    split = lambda prefix, y: [conv(f"{name}.{prefix}a", y), conv(f"{name}.{prefix}b", y)]
    dbl = conv(f"{name}.branch3x3dbl_2", conv(f"{name}.branch3x3dbl_1", x))
    pooled = F.max_pool2d(x, 3, stride=1, padding=1) if max_pool else average_pool(x)
    return torch.cat([conv(f"{name}.branch1x1", x),
                      *split("branch3x3_2", conv(f"{name}.branch3x3_1", x)),
                      *split("branch3x3dbl_3", dbl), conv(f"{name}.branch_pool", pooled)], 1)

  with torch.no_grad():
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255.0  # pytorch-fid's ToTensor
    x = 2 * F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False) - 1
    x = conv("Conv2d_1a_3x3", x, stride=2)
    x = conv("Conv2d_2a_3x3", x, padding=0)
    x = conv("Conv2d_2b_3x3", x)
    x = conv("Conv2d_4a_3x3", conv("Conv2d_3b_1x1", F.max_pool2d(x, 3, 2)), padding=0)
    x = F.max_pool2d(x, 3, 2)
    for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d"):
      x = block_a(name, x)
    x = block_b("Mixed_6a", x)
    for name in ("Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"):
      x = block_c(name, x)
    x = block_e("Mixed_7b", block_d("Mixed_7a", x), max_pool=False)
    pool3 = block_e("Mixed_7c", x, max_pool=True).mean((2, 3))
    return pool3.numpy(), (pool3 @ state["fc.weight"].T + state["fc.bias"]).numpy()


def test_features_equal_pytorchs_on_a_torch_save_file(tmp_path):
  torch = pytest.importorskip(
      "torch", reason="PyTorch is not installed (optional: the check runs where it imports)")
  torch.manual_seed(0)
  state = {}
  for name, shape in inception.state_dict_shapes().items():
    if name.endswith("conv.weight") or name == "fc.weight":  # He-normal: activations stay O(1).
      state[name] = torch.randn(shape) * (2 / np.prod(shape[1:])) ** 0.5
    elif name.endswith("running_var") or name.endswith("bn.weight"):
      state[name] = torch.rand(shape) + 0.5
    else:
      state[name] = 0.1 * torch.randn(shape)
  torch.save(state, tmp_path / "zip.pth")
  torch.save(state, tmp_path / "legacy.pth", _use_new_zipfile_serialization=False)
  variables = inception.load_variables(tmp_path / "zip.pth")
  jax.tree.map(np.testing.assert_array_equal, variables,
               inception.load_variables(tmp_path / "legacy.pth"))
  images = np.random.default_rng(0).integers(0, 256, (2, 40, 40, 3), np.uint8)
  pool3, logits = inception.feature_function(variables, batch_size=2)(images)
  torch_pool3, torch_logits = _torch_fid_inception(state, images)
  # float32 through 94 layers in two frameworks' convolution orders. Measured: 2e-5 on values up
  # to 27; 0.3 to 1.3 with padded pixels counted in the average pools, BatchNorm's epsilon 1e-5
  # or a corner-aligned resize on the PyTorch side.
  for ours, theirs in ((pool3, torch_pool3), (logits, torch_logits)):
    np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-4 * np.abs(theirs).max())
