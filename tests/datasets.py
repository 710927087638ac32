"""Real tfds datasets for tests, prepared in a temp dir by a real tfds builder.

`prepare` writes a dataset named like the catalogue's (e.g. cifar10 3.0.2) as array_record,
with raw `Tensor` features or `Image` features holding PNG bytes (as the catalogue stores them;
encoded here with PIL, since tfds's own encoder needs TensorFlow). Records keep the generation
order (`disable_shuffling`) so that what comes back can be compared index by index.
"""

import io

import numpy as np
import PIL.Image
import tensorflow_datasets as tfds


def png(image: np.ndarray) -> bytes:
  buffer = io.BytesIO()
  PIL.Image.fromarray(image.squeeze(-1) if image.shape[-1] == 1 else image).save(buffer, "PNG")
  return buffer.getvalue()


def prepare(data_dir, dataset_name: str, version: str, splits: dict, as_png: bool) -> None:
  """Prepares `dataset_name` in `data_dir` with a tfds builder: {split: (images, labels | None)}."""
  shape = next(iter(splits.values()))[0].shape[1:]
  images_dtype = next(iter(splits.values()))[0].dtype  # uint8 but in tests of the wrong dtype.
  labelled = next(iter(splits.values()))[1] is not None

  class Builder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    name = dataset_name
    VERSION = tfds.core.Version(version)
    code_path = None  # No source folder to look up checksums in (as for a builder made in Colab).

    def _info(self):
      features = {"image": tfds.features.Image(shape=shape) if as_png
                  else tfds.features.Tensor(shape=shape, dtype=images_dtype)}
      if labelled:
        features["label"] = tfds.features.ClassLabel(num_classes=10)
      return tfds.core.DatasetInfo(builder=self, features=tfds.features.FeaturesDict(features),
                                   disable_shuffling=True)

    def _split_generators(self, dl_manager):
      del dl_manager
      return {split: self._generate_examples(*arrays) for split, arrays in splits.items()}

    def _generate_examples(self, images, labels):
      for i, image in enumerate(images):
        yield i, {"image": png(image) if as_png else image,
                  **({"label": labels[i]} if labelled else {})}

  Builder(data_dir=str(data_dir), file_format="array_record").download_and_prepare()
