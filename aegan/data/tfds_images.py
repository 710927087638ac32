"""Whole splits of prepared TensorFlow Datasets image sets, read into numpy without TensorFlow.

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

from collections.abc import Callable

import numpy as np
import tensorflow_datasets as tfds
from tensorflow_datasets.core import read_only_builder

ARRAY_RECORD = tfds.core.FileFormat.ARRAY_RECORD
CHUNK = 1_000  # Records decoded per read: bounds the memory of full-size decoded examples.


class DatasetNotFoundError(RuntimeError):
  """A dataset is not prepared where it was looked for; the message says how to provide it."""


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


def load(name: str, split: str, data_dir: str | None = None,
         transform: Callable[[np.ndarray], np.ndarray] | None = None
         ) -> tuple[np.ndarray, np.ndarray]:
  """Every example of one split: `image` features and `label` features, in stored order.

  Args:
    name: a tfds dataset name with an `image` feature.
    split: a split of it, e.g. "train".
    data_dir: as in `require`.
    transform: applied to each decoded uint8 image before it is kept (e.g. crop and resize).

  Returns:
    images: uint8 [N, H, W, C] (after `transform`).
    labels: int32 [N]: the `label` feature, or zeros for a dataset without one.

  Raises:
    DatasetNotFoundError: as in `require`, or the split is missing or empty.
  """
  builder = require(name, data_dir)
  if split not in builder.info.splits or not builder.info.splits[split].num_examples:
    raise DatasetNotFoundError(f"{name} in {builder.data_dir} has no examples in a {split!r} "
                               f"split (splits: {', '.join(builder.info.splits)})")
  source = builder.as_data_source(split=split)
  images, labels = None, np.zeros(len(source), np.int32)
  for start in range(0, len(source), CHUNK):
    indices = list(range(start, min(start + CHUNK, len(source))))
    for index, example in zip(indices, source.__getitems__(indices)):
      image = example["image"] if transform is None else transform(example["image"])
      if images is None:
        images = np.empty((len(source), *image.shape), np.uint8)
      images[index] = image
      labels[index] = example.get("label", 0)
  return images, labels
