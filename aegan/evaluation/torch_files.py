"""Reading a PyTorch state dict saved by `torch.save` into numpy arrays, without PyTorch.

`torch.save` writes one of two layouts (torch/serialization.py, `_save` and `_legacy_save`):

    zip      (the default since torch 1.6) a zip archive whose entries share one folder prefix:
             <prefix>/data.pkl the pickled object; <prefix>/data/<key> the raw bytes of
             storage <key>; <prefix>/byteorder "little" or "big" (absent before torch 1.10:
             little-endian).
    legacy   (before 1.6, or `_use_new_zipfile_serialization=False`) five pickles in a row:
             the magic number 0x1950a86a20f9469cfc6c, the protocol version 1001, a sys_info
             dict, the object, the list of storage keys; then, for each key in that order, the
             storage's element count as a little-endian int64 and its little-endian raw bytes.

In both, the object's pickle rebuilds each tensor by calling
`torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)` and
names each storage by a persistent id `("storage", torch.<Type>Storage, key, location, numel)`
(legacy adds a sixth item, a view of another storage, which torch >= 0.4 always writes as None).

Unpickling calls whatever globals a file names, so a file is data only if the unpickler decides
which names it resolves. `_StateDictUnpickler` resolves those of a state dict (the rebuild
function, the storage classes, `collections.OrderedDict`) to numpy stand-ins and refuses every
other name, so a foreign or malicious file is refused, never run. Every problem with a file is
a `WeightsFileError` whose message is one line naming the file and what is wrong.
"""

import collections
import dataclasses
import io
import os
import pickle
import struct
import zipfile
from typing import Any, BinaryIO

import numpy as np

LEGACY_MAGIC_NUMBER = 0x1950a86a20f9469cfc6c
LEGACY_PROTOCOL_VERSION = 1001

_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class WeightsFileError(RuntimeError):
  """A weights file is missing, unreadable or not what it should be; the message is one line."""


@dataclasses.dataclass(frozen=True)
class _StorageType:
  """Stands in for a `torch.<Type>Storage` class named by a pickle."""
  dtype: np.dtype


@dataclasses.dataclass(frozen=True)
class _Storage:
  """A storage named by a persistent id: its bytes are read after unpickling."""
  key: str
  dtype: np.dtype
  numel: int


@dataclasses.dataclass(frozen=True)
class _Tensor:
  """A strided view of a storage, as `_rebuild_tensor_v2` describes it."""
  storage: _Storage
  offset: int
  shape: tuple[int, ...]
  stride: tuple[int, ...]


def _is_int_tuple(value: Any) -> bool:
  return isinstance(value, tuple) and all(isinstance(v, int) and v >= 0 for v in value)


def _rebuild_tensor(storage, offset, shape, stride, requires_grad, backward_hooks,
                    metadata=None) -> _Tensor:
  """The stand-in for `torch._utils._rebuild_tensor_v2`: records the view, reads nothing."""
  del requires_grad, backward_hooks, metadata  # Training state and Python attributes.
  if not (isinstance(storage, _Storage) and isinstance(offset, int) and offset >= 0
          and _is_int_tuple(shape) and _is_int_tuple(stride) and len(shape) == len(stride)):
    raise WeightsFileError(f"malformed tensor record {(offset, shape, stride)!r:.80}")
  return _Tensor(storage, offset, shape, stride)


class _StateDictUnpickler(pickle.Unpickler):
  """Resolves only the globals a state dict names; storages become `_Storage` records."""

  def find_class(self, module: str, name: str) -> Any:
    if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
      return _rebuild_tensor
    if module == "torch" and name in _STORAGE_DTYPES:
      return _StorageType(np.dtype(_STORAGE_DTYPES[name]))
    if (module, name) == ("collections", "OrderedDict"):
      return collections.OrderedDict
    raise WeightsFileError(f"its pickle names {module}.{name}, which a state dict never does "
                           "(refused, not called)")

  def persistent_load(self, pid: Any) -> _Storage:
    if (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"
        and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)
        and isinstance(pid[4], int) and pid[4] >= 0 and (len(pid) == 5 or pid[5] is None)):
      return _Storage(key=pid[2], dtype=pid[1].dtype, numel=pid[4])
    raise WeightsFileError(f"unsupported persistent id {pid!r:.80}")


def _materialise(tensor: _Tensor, data: np.ndarray) -> np.ndarray:
  """The tensor's elements as a C-contiguous array, after checking the view lies inside."""
  if 0 in tensor.shape:
    return np.zeros(tensor.shape, data.dtype)
  last = tensor.offset + sum((n - 1) * s for n, s in zip(tensor.shape, tensor.stride))
  if last >= data.size:
    raise WeightsFileError(f"a tensor of shape {tensor.shape} reads past its storage "
                           f"{tensor.storage.key} ({data.size} elements)")
  view = np.lib.stride_tricks.as_strided(
      data[tensor.offset:], shape=tensor.shape,
      strides=tuple(s * data.itemsize for s in tensor.stride), writeable=False)
  return np.array(view, order="C")


def _state_dict(obj: Any, storages: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
  if not isinstance(obj, dict):
    raise WeightsFileError(f"it holds a {type(obj).__name__}, not a state dict")
  arrays = {}
  for name, value in obj.items():
    if not (isinstance(name, str) and isinstance(value, _Tensor)):
      raise WeightsFileError(f"entry {name!r:.60} is not a named tensor")
    arrays[name] = _materialise(value, storages[value.storage.key])
  return arrays


def _storage_keys(obj: Any) -> dict[str, _Storage]:
  if not isinstance(obj, dict):
    raise WeightsFileError(f"it holds a {type(obj).__name__}, not a state dict")
  return {v.storage.key: v.storage for v in obj.values() if isinstance(v, _Tensor)}


def _from_bytes(storage: _Storage, raw: bytes, byteorder: str) -> np.ndarray:
  dtype = storage.dtype.newbyteorder("<" if byteorder == "little" else ">")
  if len(raw) < storage.numel * dtype.itemsize:
    raise WeightsFileError(f"storage {storage.key} has {len(raw)} bytes, fewer than its "
                           f"{storage.numel} elements of {dtype.name}")
  return np.frombuffer(raw, dtype, count=storage.numel).astype(storage.dtype.newbyteorder("="))


def _read_zip(archive: zipfile.ZipFile) -> dict[str, np.ndarray]:
  pickles = [name for name in archive.namelist() if name.endswith("/data.pkl")]
  if len(pickles) != 1:
    raise WeightsFileError("it is a zip archive but not a torch.save file (no <folder>/data.pkl)")
  prefix = pickles[0][:-len("data.pkl")]
  names = set(archive.namelist())
  byteorder = "little"
  if prefix + "byteorder" in names:
    byteorder = archive.read(prefix + "byteorder").decode("ascii", "replace").strip()
    if byteorder not in ("little", "big"):
      raise WeightsFileError(f"unknown byte order {byteorder!r:.20}")
  obj = _StateDictUnpickler(io.BytesIO(archive.read(pickles[0]))).load()
  storages = {}
  for key, storage in _storage_keys(obj).items():
    if prefix + "data/" + key not in names:
      raise WeightsFileError(f"storage {key} is missing from the archive")
    storages[key] = _from_bytes(storage, archive.read(prefix + "data/" + key), byteorder)
  return _state_dict(obj, storages)


def _read_legacy(file: BinaryIO) -> dict[str, np.ndarray]:
  not_torch = WeightsFileError("it is neither a zip archive nor a legacy torch.save file")
  if file.read(1) != b"\x80":  # Pickles of protocol >= 2, as torch.save writes, open with PROTO.
    raise not_torch
  file.seek(0)
  if _StateDictUnpickler(file).load() != LEGACY_MAGIC_NUMBER:
    raise not_torch
  if _StateDictUnpickler(file).load() != LEGACY_PROTOCOL_VERSION:
    raise WeightsFileError(f"legacy torch.save protocol other than {LEGACY_PROTOCOL_VERSION}")
  sys_info = _StateDictUnpickler(file).load()
  if not isinstance(sys_info, dict) or sys_info.get("little_endian") is not True:
    raise WeightsFileError("it was written on a big-endian machine or has no sys_info")
  obj = _StateDictUnpickler(file).load()
  used = _storage_keys(obj)
  storages = {}
  for key in _StateDictUnpickler(file).load():
    storage = used.get(key)
    header = file.read(8)
    if storage is None or len(header) != 8 or struct.unpack("<q", header)[0] != storage.numel:
      raise WeightsFileError(f"storage {key!r:.40} does not match the tensors that use it")
    storages[key] = _from_bytes(storage, file.read(storage.numel * storage.dtype.itemsize),
                                "little")
  if used.keys() - storages.keys():
    raise WeightsFileError(f"storages {sorted(used.keys() - storages.keys())[:3]} are missing")
  return _state_dict(obj, storages)


def read_state_dict(path: str | os.PathLike) -> dict[str, np.ndarray]:
  """The tensors of the state dict `torch.save` wrote to `path`, by name, as numpy arrays.

  Args:
    path: a file written by `torch.save(module.state_dict(), path)`, zip or legacy layout.

  Returns:
    {name: C-contiguous numpy array}, in the file's order, with the file's dtypes.

  Raises:
    WeightsFileError: `path` does not exist, is not a torch.save file, names anything but
      tensors and storages, or its storages do not hold the tensors it describes.
  """
  if not os.path.isfile(path):
    raise WeightsFileError(f"{path}: no such file")
  try:
    if zipfile.is_zipfile(path):
      with zipfile.ZipFile(path) as archive:
        return _read_zip(archive)
    with open(path, "rb") as file:
      return _read_legacy(file)
  except WeightsFileError as error:
    raise WeightsFileError(f"{path}: {error}") from None
  except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError,
          AttributeError, MemoryError, struct.error, zipfile.BadZipFile, OSError) as error:
    reason = (str(error).splitlines() or [""])[0]
    raise WeightsFileError(f"{path}: not a readable torch.save state dict: "
                           f"{type(error).__name__}: {reason}") from None
