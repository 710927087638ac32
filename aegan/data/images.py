"""Image datasets for GAN training: the images live on device and each draw indexes them by key.

A dataset's `arrays(split)` are host numpy arrays (uint8 images, int32 labels and index tables)
that the trainer places on the devices once; `sample_labelled(arrays, key)` draws one example,
scaled from 0..255 to [-1, 1], and its label, as a pure function of the key. Splits are "train"
and "test". A split holds `num_examples(arrays)` distinct examples, and
`example_labelled(arrays, index, key)` is example `index` of them (the key draws only what is
random within an example, ColorMNIST's colour): the evaluation takes its held-out examples
this way, each once (aegan/evaluation/evaluator.py), where `sample_labelled` draws with
replacement.

- `cifar10` (32x32x3) and `mnist` (28x28x1): tfds's catalogue sets; label = class, 10 modes.
- `celeb_a`: CelebA's aligned faces (218x178) cropped to their central 108x108 (top 55, left 35)
  and resized to 64x64 with PIL's bilinear filter, once at load time: the DCGAN preprocessing
  (Radford et al. 2016, arXiv 1511.06434; github.com/carpedm20/DCGAN-tensorflow,
  `center_crop` and `imresize`). Label 0, modes not defined. tfds's "test" split is the test set.
- `stacked_mnist`: Stacked-MNIST (VEEGAN, Srivastava et al. 2017, arXiv 1705.07761, Section 5;
  Unrolled GAN, Metz et al. 2017, arXiv 1611.02163): three MNIST digits, drawn uniformly and
  independently, in the R, G and B channels; label 100 d_R + 10 d_G + d_B, 1000 modes. A split
  is a fixed table of distinct digit triples drawn with `stack_seed` from that split of MNIST
  (training size 128,000, as in PacGAN's re-run, Lin et al. 2018, arXiv 1712.04086); MNIST is
  stored once and the channels are stacked at each draw.
- `color_mnist`: ColorMNIST (α-GAN, Rosca et al. 2017, arXiv 1706.04987, Section 5, which does
  not spell out its construction; ours): a uniformly drawn MNIST digit painted in a foreground
  colour c ~ U[0, 1]^3 drawn from the key at each draw, on black: x = 2 (d / 255) c - 1 for
  the digit's grey values d; label = digit.
"""

import dataclasses
import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import PIL.Image

from aegan.data import tfds_images
from aegan.data.records import Records, read_all

SPLITS = ("train", "test")


def to_float(images: jax.Array) -> jax.Array:
  """uint8 0..255 to float32 [-1, 1]: (x - 127.5) / 127.5, so 0 -> -1 and 255 -> 1 exactly."""
  return (images.astype(jnp.float32) - 127.5) / 127.5


def quantise(images: np.ndarray) -> np.ndarray:
  """[-1, 1] floats -> uint8 pixels, as an image file would hold them: the inverse of
  `to_float` up to rounding, round((x + 1) * 127.5) clipped to 0..255."""
  return np.clip(np.round((np.asarray(images, np.float32) + 1) * 127.5), 0, 255).astype(np.uint8)


def _check_split(split: str) -> None:
  if split not in SPLITS:
    raise ValueError(f"unknown split {split!r}: expected one of {SPLITS}")


@dataclasses.dataclass(frozen=True)
class LabelledImages:
  """Images with class labels; a draw is a uniformly chosen image.

  The one kind of set the trainer can also stream from the host (`records`), since an example
  is one record: x = to_float(image).

  Attributes:
    open_split: split -> its random-access `Records` (nothing decoded until read).
    example_shape: (H, W, C).
    num_modes: the number of classes, None where the data has no modes.
  """

  open_split: Callable[[str], Records]
  example_shape: tuple[int, ...]
  num_modes: int | None

  def records(self, split: str) -> Records:
    _check_split(split)
    return self.open_split(split)

  def arrays(self, split: str) -> dict[str, np.ndarray]:
    """{"images": uint8 [N, H, W, C], "labels": int32 [N]}: the whole split, read from disk."""
    images, labels = read_all(self.records(split))
    if images.shape[1:] != self.example_shape:
      raise tfds_images.DatasetFormatError(
          f"images of shape {images.shape[1:]} on disk, expected {self.example_shape}")
    return {"images": images, "labels": labels}

  def num_examples(self, arrays: dict[str, jax.Array]) -> int:
    return arrays["images"].shape[0]

  def example_labelled(self, arrays: dict[str, jax.Array], index: jax.Array, key: jax.Array
                       ) -> tuple[jax.Array, jax.Array]:
    """Image `index` and its label (`key` unused: an image has nothing random)."""
    del key
    return to_float(arrays["images"][index]), arrays["labels"][index]

  def sample_labelled(self, arrays: dict[str, jax.Array], key: jax.Array) -> tuple[jax.Array, jax.Array]:
    index = jax.random.randint(key, (), 0, arrays["images"].shape[0])
    return self.example_labelled(arrays, index, key)

  def sample(self, arrays: dict[str, jax.Array], key: jax.Array) -> jax.Array:
    return self.sample_labelled(arrays, key)[0]


def distinct_triples(num_images: int, num_triples: int, rng: np.random.Generator) -> np.ndarray:
  """int32 [num_triples, 3]: distinct triples of image indices below `num_images`, uniform
  among such sets (each triple's three indices uniform and independent, the triples drawn
  without replacement from the num_images³ possible ones).

  Raises:
    ValueError: more triples asked for than num_images³.
  """
  if num_triples > num_images**3:
    raise ValueError(f"{num_triples} distinct triples asked of {num_images} images: at most "
                     f"{num_images**3} exist")
  flat = rng.choice(num_images**3, num_triples, replace=False)
  return np.stack(np.unravel_index(flat, (num_images,) * 3), axis=-1).astype(np.int32)


@dataclasses.dataclass(frozen=True)
class StackedImages:
  """Three single-channel images stacked as R, G, B; label = 100 l_R + 10 l_G + l_B.

  A split is `source`'s split of images plus a fixed [num, 3] table of distinct triples of
  image indices (`distinct_triples`), drawn with numpy from (stack_seed, split); a draw is a
  uniformly chosen row, example i is row i. With `fresh`, a draw instead stacks three images
  drawn uniformly and independently from the split's images, a new stack at every draw (Metz et
  al.'s protocol: its training stacks are drawn on the fly), and the table serves only the
  indexed examples (the evaluation's held-out stacks and references).
  """

  source: LabelledImages
  num_train: int
  num_test: int
  stack_seed: int
  fresh: bool = False

  @property
  def example_shape(self) -> tuple[int, ...]:
    return (*self.source.example_shape[:2], 3)

  @property
  def num_modes(self) -> int:
    return self.source.num_modes ** 3

  def arrays(self, split: str) -> dict[str, np.ndarray]:
    """The source's images and labels plus "triples": int32 [num_train or num_test, 3]."""
    arrays = self.source.arrays(split)
    rng = np.random.default_rng([self.stack_seed, SPLITS.index(split)])
    size = self.num_train if split == "train" else self.num_test
    return {**arrays, "triples": distinct_triples(len(arrays["labels"]), size, rng)}

  def num_examples(self, arrays: dict[str, jax.Array]) -> int:
    return arrays["triples"].shape[0]

  def example_labelled(self, arrays: dict[str, jax.Array], index: jax.Array, key: jax.Array
                       ) -> tuple[jax.Array, jax.Array]:
    """The stack of row `index` of the triples and its label (`key` unused)."""
    del key
    return _stack(arrays, arrays["triples"][index])

  def sample_labelled(self, arrays: dict[str, jax.Array], key: jax.Array) -> tuple[jax.Array, jax.Array]:
    """A uniformly chosen row of the table, or, `fresh`, a stack of three images drawn
    uniformly and independently."""
    if self.fresh:
      return _stack(arrays, jax.random.randint(key, (3,), 0, arrays["images"].shape[0]))
    index = jax.random.randint(key, (), 0, arrays["triples"].shape[0])
    return self.example_labelled(arrays, index, key)

  def sample(self, arrays: dict[str, jax.Array], key: jax.Array) -> jax.Array:
    return self.sample_labelled(arrays, key)[0]


def _stack(arrays: dict[str, jax.Array], triple: jax.Array) -> tuple[jax.Array, jax.Array]:
  """The images of `triple` (3 indices) as R, G, B in [-1, 1], and 100 l_R + 10 l_G + l_B."""
  channels = arrays["images"][triple, ..., 0]  # [3, H, W]
  label = jnp.sum(arrays["labels"][triple] * jnp.array([100, 10, 1], jnp.int32))
  return to_float(jnp.moveaxis(channels, 0, -1)), label


@dataclasses.dataclass(frozen=True)
class ColouredImages:
  """A uniformly chosen single-channel image painted in a uniform random colour on black.

  x = 2 (d / 255) c - 1 with d the grey values and c ~ U[0, 1]^3 drawn from the key; the label
  is the source's.
  """

  source: LabelledImages

  @property
  def example_shape(self) -> tuple[int, ...]:
    return (*self.source.example_shape[:2], 3)

  @property
  def num_modes(self) -> int | None:
    return self.source.num_modes

  def arrays(self, split: str) -> dict[str, np.ndarray]:
    return self.source.arrays(split)

  def num_examples(self, arrays: dict[str, jax.Array]) -> int:
    return arrays["images"].shape[0]

  def example_labelled(self, arrays: dict[str, jax.Array], index: jax.Array, key: jax.Array
                       ) -> tuple[jax.Array, jax.Array]:
    """Digit `index` painted in the colour drawn from `key`, and its label."""
    colour = jax.random.uniform(key, (3,))
    grey = arrays["images"][index].astype(jnp.float32) / 255  # [H, W, 1]
    return 2 * grey * colour - 1, arrays["labels"][index]

  def sample_labelled(self, arrays: dict[str, jax.Array], key: jax.Array) -> tuple[jax.Array, jax.Array]:
    index_key, colour_key = jax.random.split(key)
    index = jax.random.randint(index_key, (), 0, arrays["images"].shape[0])
    return self.example_labelled(arrays, index, colour_key)

  def sample(self, arrays: dict[str, jax.Array], key: jax.Array) -> jax.Array:
    return self.sample_labelled(arrays, key)[0]


def centre_crop_resize(image: np.ndarray, crop_size: int, image_size: int) -> np.ndarray:
  """The central crop_size² square of `image` (uint8 [H, W, C]), resized to image_size².

  PIL's bilinear filter, which widens with the reduction so that downsampling is antialiased.
  """
  top, left = (image.shape[0] - crop_size) // 2, (image.shape[1] - crop_size) // 2
  square = PIL.Image.fromarray(image).crop((left, top, left + crop_size, top + crop_size))
  return np.asarray(square.resize((image_size, image_size), PIL.Image.Resampling.BILINEAR))


def _from_tfds(name: str, example_shape: tuple[int, ...], num_modes: int | None,
               data_dir: str | None, transform: Callable[[np.ndarray], np.ndarray] | None = None
               ) -> LabelledImages:
  # Fails now, before any compile, if the data is missing or of another shape or dtype (the
  # size before a transform is the source's own: only the channels are known).
  builder = tfds_images.require(name, data_dir)
  stored_shape = example_shape if transform is None else (None, None, example_shape[-1])
  tfds_images.check_images(builder, name, stored_shape)
  open_split = functools.partial(tfds_images.open_split, name, data_dir=data_dir, transform=transform)
  return LabelledImages(open_split, example_shape, num_modes)


def cifar10(data_dir: str | None = None) -> LabelledImages:
  """CIFAR-10: 32x32x3, label = class (10)."""
  return _from_tfds("cifar10", (32, 32, 3), 10, data_dir)


def mnist(data_dir: str | None = None) -> LabelledImages:
  """MNIST: 28x28x1, label = digit (10)."""
  return _from_tfds("mnist", (28, 28, 1), 10, data_dir)


def celeb_a(data_dir: str | None = None, crop_size: int = 108, image_size: int = 64
            ) -> LabelledImages:
  """CelebA faces, central crop_size² crop resized to image_size² (DCGAN: 108 -> 64); label 0."""
  transform = functools.partial(centre_crop_resize, crop_size=crop_size, image_size=image_size)
  return _from_tfds("celeb_a", (image_size, image_size, 3), None, data_dir, transform)


def stacked_mnist(data_dir: str | None = None, num_train: int = 128_000, num_test: int = 10_000,
                  stack_seed: int = 0, fresh: bool = False) -> StackedImages:
  """Stacked-MNIST: 28x28x3, three MNIST digits as R, G, B; 1000 modes; `fresh`: every draw a
  new stack (`StackedImages`)."""
  return StackedImages(mnist(data_dir), num_train, num_test, stack_seed, fresh)


def color_mnist(data_dir: str | None = None) -> ColouredImages:
  """ColorMNIST: 28x28x3, an MNIST digit in a random colour on black; label = digit."""
  return ColouredImages(mnist(data_dir))
