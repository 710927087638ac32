"""Image datasets read through the project's loader from real tfds datasets prepared in a temp dir.

Each dataset is prepared by a real `tfds.core.GeneratorBasedBuilder` named like the catalogue's
(cifar10 3.0.2, mnist 3.0.1, celeb_a 2.1.0), as array_record, with either raw `Tensor` features
or `Image` features holding PNG bytes (as the catalogue stores them; encoded here with PIL, since
tfds's own encoder needs TensorFlow). Records keep the generation order (`disable_shuffling`)
so that what comes back can be compared index by index.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from aegan.data import images, tfds_images
from tests.datasets import prepare

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RNG = np.random.default_rng(0)
CIFAR = {"train": (RNG.integers(0, 256, (20, 32, 32, 3), np.uint8), np.arange(20) % 10),
         "test": (RNG.integers(0, 256, (10, 32, 32, 3), np.uint8), np.arange(10)[::-1])}
# Random digits with a random black background: every image distinct, with zeros and 255s.
MNIST = {split: (np.where(RNG.random((n, 28, 28, 1)) < 0.5, 0, RNG.integers(1, 256, (n, 28, 28, 1))
                          ).astype(np.uint8), np.arange(n) % 10)
         for split, n in (("train", 20), ("test", 10))}
# A bright central 108x108 square (the DCGAN crop) on a dark border.
FACE = np.full((218, 178, 3), 30, np.uint8)
FACE[55:163, 35:143] = (200, 100, 50)
CELEB_A = {split: (np.stack([FACE, 255 - FACE]), None) for split in ("train", "test")}


@pytest.fixture(scope="module")
def data_dirs(tmp_path_factory) -> dict[str, str]:
  """{"tensor": ..., "png": ...}: cifar10, mnist and celeb_a prepared with either feature kind."""
  dirs = {}
  for kind in ("tensor", "png"):
    dirs[kind] = str(tmp_path_factory.mktemp(kind))
    prepare(dirs[kind], "cifar10", "3.0.2", CIFAR, kind == "png")
    prepare(dirs[kind], "mnist", "3.0.1", MNIST, kind == "png")
  prepare(dirs["tensor"], "celeb_a", "2.1.0", CELEB_A, as_png=False)
  return dirs


def draw(dataset, arrays: dict, keys: jax.Array | int):
  """Labelled draws for `keys` (or that many keys) through jit(vmap(sample_labelled)), as numpy."""
  if isinstance(keys, int):
    keys = jax.random.split(jax.random.key(0), keys)
  x, labels = jax.jit(jax.vmap(dataset.sample_labelled, (None, 0)))(arrays, keys)
  return np.asarray(x), np.asarray(labels)


def test_to_float_is_exact_at_the_ends():
  values = jnp.arange(256, dtype=jnp.uint8)
  for scaled in (images.to_float(values), jax.jit(images.to_float)(values)):
    assert scaled.dtype == jnp.float32
    assert float(scaled[0]) == -1.0 and float(scaled[255]) == 1.0
    np.testing.assert_allclose(scaled, np.arange(256) / 127.5 - 1, atol=1e-6)


@pytest.mark.parametrize("kind", ["tensor", "png"])
@pytest.mark.parametrize("factory, source, shape", [(images.cifar10, CIFAR, (32, 32, 3)),
                                                     (images.mnist, MNIST, (28, 28, 1))])
def test_tfds_images_and_labels_round_trip_exactly(data_dirs, kind, factory, source, shape):
  dataset = factory(data_dir=data_dirs[kind])
  assert dataset.example_shape == shape and dataset.num_modes == 10
  for split in ("train", "test"):
    arrays = dataset.arrays(split)
    assert arrays["images"].dtype == np.uint8 and arrays["labels"].dtype == np.int32
    np.testing.assert_array_equal(arrays["images"], source[split][0])
    np.testing.assert_array_equal(arrays["labels"], source[split][1])


def test_draws_are_scaled_dataset_images_with_their_labels(data_dirs):
  dataset = images.cifar10(data_dir=data_dirs["tensor"])
  arrays = dataset.arrays("train")
  x, labels = draw(dataset, arrays, 64)
  assert x.shape == (64, 32, 32, 3) and x.dtype == np.float32 and labels.dtype == np.int32
  assert x.min() == -1.0 and x.max() == 1.0
  index = {image.tobytes(): i for i, image in enumerate(arrays["images"])}
  drawn = [index[np.rint(127.5 * example + 127.5).astype(np.uint8).tobytes()] for example in x]
  np.testing.assert_array_equal(labels, arrays["labels"][drawn])
  np.testing.assert_allclose(x, arrays["images"][drawn] / 127.5 - 1, atol=1e-7)
  assert len(set(drawn)) > 15


def test_loading_never_imports_tensorflow(data_dirs):
  code = textwrap.dedent(f"""
      import sys
      from aegan.data import records, tfds_images
      split = tfds_images.open_split("mnist", "train", data_dir={data_dirs['png']!r})
      images, labels = records.read_all(split)
      assert "tensorflow" not in sys.modules, "tensorflow was imported"
      print(images.shape, labels.sum())
      """)
  result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          check=False)
  assert result.returncode == 0, result.stderr
  assert result.stdout.split("\n")[0] == f"(20, 28, 28, 1) {MNIST['train'][1].sum()}"


def test_celeb_a_is_the_central_108_square_resized_to_64(data_dirs):
  dataset = images.celeb_a(data_dir=data_dirs["tensor"])
  assert dataset.example_shape == (64, 64, 3) and dataset.num_modes is None
  arrays = dataset.arrays("test")
  assert arrays["images"].shape == (2, 64, 64, 3)
  np.testing.assert_array_equal(arrays["images"][0], np.broadcast_to([200, 100, 50], (64, 64, 3)))
  np.testing.assert_array_equal(arrays["images"][1], 255 - arrays["images"][0])
  np.testing.assert_array_equal(arrays["labels"], [0, 0])


def test_stacked_mnist_labels_name_the_digits_in_each_channel(data_dirs):
  dataset = images.stacked_mnist(data_dir=data_dirs["png"], num_train=5000, num_test=300)
  assert dataset.example_shape == (28, 28, 3) and dataset.num_modes == 1000
  train, test = dataset.arrays("train"), dataset.arrays("test")
  for arrays, split, size in ((train, "train", 5000), (test, "test", 300)):
    assert arrays["triples"].shape == (size, 3) and arrays["triples"].dtype == np.int32
    np.testing.assert_array_equal(arrays["images"], MNIST[split][0])
    assert arrays["triples"].min() >= 0 and arrays["triples"].max() < len(MNIST[split][1])
  table_labels = set(MNIST["train"][1][train["triples"]] @ [100, 10, 1])
  assert table_labels <= set(range(1000)) and len(table_labels) > 980  # 5000 uniform draws: 993.

  keys = jax.random.split(jax.random.key(0), 400)
  x, labels = draw(dataset, test, jnp.concatenate([keys[:1], keys]))
  np.testing.assert_array_equal(x[0], x[1])  # The same key, the same example.
  assert len({example.tobytes() for example in x[1:]}) > 150  # Expected about 200.
  index = {digit.tobytes(): i for i, digit in enumerate(MNIST["test"][0])}
  stacked = np.rint(127.5 * x + 127.5).astype(np.uint8)
  triples = np.array([[index[example[..., c, None].tobytes()] for c in range(3)]
                      for example in stacked])
  np.testing.assert_array_equal(labels, MNIST["test"][1][triples] @ [100, 10, 1])
  rows = {tuple(row) for row in test["triples"]}
  assert all(tuple(triple) in rows for triple in triples)


def test_fresh_stacks_are_three_uniform_independent_digits_at_every_draw(data_dirs):
  # A table of 5 stacks of the 20 training digits: table draws repeat those 5; fresh draws stack
  # images[randint(key, (3,), 0, 20)], of 8,000 possible triples (400 draws: ~390 distinct).
  table, fresh = (images.stacked_mnist(data_dir=data_dirs["tensor"], num_train=5, num_test=5,
                                       fresh=fresh) for fresh in (False, True))
  arrays = fresh.arrays("train")
  keys = jax.random.split(jax.random.key(1), 400)
  x_table, _ = draw(table, table.arrays("train"), keys)
  x, labels = draw(fresh, arrays, keys)
  assert len({example.tobytes() for example in x_table}) <= 5
  triples = np.asarray(jax.vmap(lambda key: jax.random.randint(key, (3,), 0, 20))(keys))
  np.testing.assert_array_equal(np.rint(127.5 * x + 127.5).astype(np.uint8),
                                np.concatenate([MNIST["train"][0][triples[:, c]] for c in range(3)],
                                               axis=-1))
  np.testing.assert_array_equal(labels, MNIST["train"][1][triples] @ [100, 10, 1])
  assert len({tuple(triple) for triple in triples}) > 370
  # Indexed examples (the evaluation's) stay the table's rows.
  example, _ = fresh.example_labelled(arrays, 3, jax.random.key(0))
  np.testing.assert_array_equal(np.rint(127.5 * np.asarray(example) + 127.5),
                                np.concatenate(MNIST["train"][0][arrays["triples"][3]], axis=-1))


def test_stacked_tables_hold_distinct_triples(data_dirs):
  # 300 triples of 10 test digits (1,000 possible): drawn with replacement, ~45 pairs of rows
  # would repeat a stack; the table holds each triple at most once.
  dataset = images.stacked_mnist(data_dir=data_dirs["tensor"], num_train=1000, num_test=300)
  for split, size in (("train", 1000), ("test", 300)):
    triples = dataset.arrays(split)["triples"]
    assert len({tuple(row) for row in triples}) == size
  # Every one of the 10³ triples once, uniform and independent per channel.
  everything = images.distinct_triples(10, 1000, np.random.default_rng(0))
  assert sorted(map(tuple, everything)) == [(a, b, c) for a in range(10) for b in range(10)
                                            for c in range(10)]
  with pytest.raises(ValueError, match="1001 distinct triples asked of 10 images: at most 1000"):
    images.distinct_triples(10, 1001, np.random.default_rng(0))


def test_example_i_of_a_split_is_its_ith_image_or_stack(data_dirs):
  key = jax.random.key(3)
  mnist = images.mnist(data_dir=data_dirs["tensor"])
  arrays = mnist.arrays("test")
  assert mnist.num_examples(arrays) == 10
  x, label = mnist.example_labelled(arrays, 4, key)
  np.testing.assert_array_equal(np.rint(127.5 * np.asarray(x) + 127.5), MNIST["test"][0][4])
  assert label == MNIST["test"][1][4]
  stacked = images.stacked_mnist(data_dir=data_dirs["tensor"], num_train=50, num_test=40)
  arrays = stacked.arrays("test")
  assert stacked.num_examples(arrays) == 40
  x, label = stacked.example_labelled(arrays, 7, key)
  row = arrays["triples"][7]
  np.testing.assert_array_equal(np.rint(127.5 * np.asarray(x) + 127.5),
                                np.concatenate(MNIST["test"][0][row], axis=-1))
  assert label == MNIST["test"][1][row] @ [100, 10, 1]
  coloured = images.color_mnist(data_dir=data_dirs["tensor"])
  arrays = coloured.arrays("test")
  x, label = coloured.example_labelled(arrays, 2, key)
  colour = jax.random.uniform(key, (3,))
  np.testing.assert_allclose(x, 2 * (MNIST["test"][0][2] / 255) * colour - 1, atol=1e-6)
  assert label == MNIST["test"][1][2] and coloured.num_examples(arrays) == 10


def test_stacked_tables_are_fixed_by_the_stack_seed(data_dirs):
  tables = [images.stacked_mnist(data_dir=data_dirs["tensor"], num_train=100, stack_seed=seed
                                 ).arrays("train")["triples"] for seed in (0, 0, 1)]
  np.testing.assert_array_equal(tables[0], tables[1])
  assert not np.array_equal(tables[0], tables[2])


def test_color_mnist_paints_the_digit_in_one_colour_on_black(data_dirs):
  dataset = images.color_mnist(data_dir=data_dirs["png"])
  assert dataset.example_shape == (28, 28, 3) and dataset.num_modes == 10
  arrays = dataset.arrays("train")
  x, labels = draw(dataset, arrays, 64)
  grey = arrays["images"][..., 0] / 255
  masks = {(digit > 0).tobytes(): i for i, digit in enumerate(grey)}
  colours = []
  for example, label in zip(x, labels):
    i = masks[(example.max(-1) > -1).tobytes()]
    background = grey[i] == 0
    assert np.all(example[background] == -1.0)
    colour = ((example[~background] + 1) / 2 / grey[i][~background][:, None]).mean(0)
    np.testing.assert_allclose((example + 1) / 2, grey[i][..., None] * colour, atol=1e-6)
    assert np.all((colour >= 0) & (colour <= 1)) and label == arrays["labels"][i]
    colours.append(colour)
  assert np.std(colours, axis=0).min() > 0.2  # U[0, 1] has std 0.29.


def test_a_missing_dataset_says_what_and_where_in_one_line(tmp_path):
  with pytest.raises(tfds_images.DatasetNotFoundError) as error:
    images.stacked_mnist(data_dir=str(tmp_path))
  message = str(error.value)
  assert "\n" not in message and "mnist" in message and str(tmp_path) in message
  assert "tfds build mnist --file_format=array_record" in message
  with pytest.raises(tfds_images.DatasetNotFoundError, match="manual_dir"):
    images.celeb_a(data_dir=str(tmp_path))


def test_a_tfrecord_only_dataset_is_not_prepared(data_dirs, tmp_path):
  version_dir = tmp_path / "cifar10" / "3.0.2"
  shutil.copytree(os.path.join(data_dirs["tensor"], "cifar10", "3.0.2"), version_dir)
  info = json.loads((version_dir / "dataset_info.json").read_text())
  (version_dir / "dataset_info.json").write_text(json.dumps({**info, "fileFormat": "tfrecord"}))
  with pytest.raises(tfds_images.DatasetNotFoundError) as error:
    images.cifar10(data_dir=str(tmp_path))
  assert "\n" not in str(error.value) and "tfrecord only" in str(error.value)


def test_unknown_split_is_refused(data_dirs):
  with pytest.raises(ValueError, match="validation"):
    images.cifar10(data_dir=data_dirs["tensor"]).arrays("validation")
