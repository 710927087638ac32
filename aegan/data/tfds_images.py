"""Prepared TensorFlow Datasets image sets, read into numpy without TensorFlow: a split as
random-access records (read whole, or a batch of indices at a time when streaming).

tfds (https://www.tensorflow.org/datasets) prepares a dataset once, into
`<data_dir>/<name>/<version>/`. Here the builder is rebuilt from that directory's own
`dataset_info.json` and `features.json` (`tfds.core.read_only_builder.builder_from_files`: the
latest version found, not the catalogue's code, so the features are what was written), and a
split stored as `array_record` (random access, https://github.com/google/array_record) is read
through `builder.as_data_source`, which decodes each record with tfds's NumPy path
(`deserialize_example_np`: PIL for encoded `Image` features, raw values for `Tensor` ones).
Nothing here imports TensorFlow. A dataset stored only as `tfrecord` needs TensorFlow to be
read, so it counts as not prepared; nothing is ever downloaded.
"""

from collections.abc import Callable, Sequence

import numpy as np
import tensorflow_datasets as tfds
from tensorflow_datasets.core import read_only_builder

ARRAY_RECORD = tfds.core.FileFormat.ARRAY_RECORD


class DatasetNotFoundError(RuntimeError):
  """A dataset is not prepared where it was looked for; the message says how to provide it."""


class DatasetFormatError(ValueError):
  """A prepared dataset's images are not of the shape or dtype the code expects."""


def _how_to_prepare(name: str, data_dir: str) -> str:
  how = ("on a machine with internet run `pip install tensorflow tensorflow-datasets && "
         f"tfds build {name} --file_format=array_record --data_dir={data_dir}`")
  if name == "celeb_a":
    how += (" (tfds fetches CelebA from Google Drive; if its quota refuses, download the files "
            "named in tfds's celeb_a/checksums.tsv by hand and add --manual_dir=<their folder>)")
  return how + f", then copy its {name}/ folder here or pass --config.data.data_dir"


def require(name: str, data_dir: str | None = None) -> tfds.core.DatasetBuilder:
  """The read-only builder of `name` prepared as array_record under `data_dir`.

  Args:
    name: a tfds dataset name, e.g. "cifar10".
    data_dir: the tfds data_dir; None is tfds's default (`$TFDS_DATA_DIR` or
      ~/tensorflow_datasets).

  Raises:
    DatasetNotFoundError: no prepared version of `name` there, or only a tfrecord one.
  """
  data_dir = data_dir or tfds.core.constants.DATA_DIR
  try:
    builder = read_only_builder.builder_from_files(name, data_dir=data_dir)
  except tfds.core.DatasetNotFoundError:
    raise DatasetNotFoundError(
        f"{name} is not prepared in {data_dir}: {_how_to_prepare(name, data_dir)}") from None
  formats = [builder.info.file_format, *builder.info.alternative_file_formats]
  if ARRAY_RECORD not in formats:
    stored = ", ".join(f.value for f in formats if f) or "tfrecord"
    raise DatasetNotFoundError(
        f"{name} in {builder.data_dir} is stored as {stored} only, which needs TensorFlow to "
        f"read: {_how_to_prepare(name, data_dir)}")
  return tfds.builder_from_directory(builder.data_dir, file_format=ARRAY_RECORD)


def check_images(builder: tfds.core.DatasetBuilder, name: str,
                 shape: tuple[int | None, ...]) -> None:
  """Raises DatasetFormatError unless `builder`'s `image` feature is uint8 of `shape` (None:
  any size along that axis), so that a dataset of another shape or dtype fails before any
  compile rather than being cast or failing deep inside the first step.

  Args:
    builder: as returned by `require(name, ...)`.
    name: the dataset's name, for the message.
    shape: the stored images' (H, W, C), before any transform.
  """
  features = builder.info.features
  if "image" not in features.keys():
    raise DatasetFormatError(f"{name} in {builder.data_dir} has no 'image' feature (features: "
                             f"{', '.join(features.keys())}): it is not tfds's {name}")
  feature = features["image"]
  stored_shape, stored_dtype = tuple(feature.shape), np.dtype(feature.np_dtype)
  fits = len(stored_shape) == len(shape) and all(
      want is None or have in (None, want) for have, want in zip(stored_shape, shape))
  if not fits or stored_dtype != np.uint8:
    expected = tuple("any" if s is None else s for s in shape)
    raise DatasetFormatError(
        f"{name} in {builder.data_dir} holds {stored_dtype} images of shape {stored_shape}, "
        f"expected uint8 of shape {expected}: it is not tfds's {name}; prepare it again "
        f"({_how_to_prepare(name, str(builder.data_dir))})")


class TfdsRecords:
  """One split of a prepared tfds image set as random-access records (`aegan.data.records`).

  `read(indices)` decodes those records (`image` and `label` features) and applies `transform`
  to each image; nothing is read before it is asked for.
  """

  def __init__(self, source, transform: Callable[[np.ndarray], np.ndarray] | None = None):
    self._source, self._transform = source, transform

  def __len__(self) -> int:
    return len(self._source)

  def read(self, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    examples = self._source.__getitems__([int(i) for i in indices])
    images = [e["image"] if self._transform is None else self._transform(e["image"]) for e in examples]
    return (np.stack(images).astype(np.uint8),
            np.array([e.get("label", 0) for e in examples], np.int32))


def open_split(name: str, split: str, data_dir: str | None = None,
               transform: Callable[[np.ndarray], np.ndarray] | None = None) -> TfdsRecords:
  """One split of `name` as records: `image` features (after `transform`) and `label` features
  (zeros for a dataset without labels), in stored order.

  Args:
    name: a tfds dataset name with an `image` feature.
    split: a split of it, e.g. "train".
    data_dir: as in `require`.
    transform: applied to each decoded uint8 image when it is read (e.g. crop and resize).

  Raises:
    DatasetNotFoundError: as in `require`, or the split is missing or empty.
  """
  builder = require(name, data_dir)
  if split not in builder.info.splits or not builder.info.splits[split].num_examples:
    raise DatasetNotFoundError(f"{name} in {builder.data_dir} has no examples in a {split!r} "
                               f"split (splits: {', '.join(builder.info.splits)})")
  return TfdsRecords(builder.as_data_source(split=split), transform)
