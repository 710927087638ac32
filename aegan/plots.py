"""PNG figures of samples: 2-D scatter plots (matplotlib, headless) and image grids, each
returned as the RGB array it wrote so that TensorBoard shows the same picture."""

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=wrong-import-position
import numpy as np
import PIL.Image
import PIL.ImageDraw

TILE_PIXELS = 64  # Tiles are upscaled (nearest neighbour, by an integer) to at least this side.
GAP = 2  # Pixels of background between tiles and around the grid.
BACKGROUND = 255  # White: visible between dark images (digits on black) and light ones alike.
LABEL_HEIGHT = 14  # Pixels of the header row that names the columns, when there are labels.


def upscale_factor(height: int, width: int) -> int:
  """The integer factor that brings an image's longer side to at least TILE_PIXELS: 4 for
  16-px digits, 3 for 28-px MNIST, 2 for 32-px CIFAR-10, 1 from 64 px on."""
  return max(1, -(-TILE_PIXELS // max(height, width)))


def grid(images: np.ndarray, columns: int = 8, labels: Sequence[str] = ()) -> np.ndarray:
  """uint8 images [N, H, W, C] (C = 1 or 3) tiled row by row: uint8 [LABEL_HEIGHT (if labels)
  + rows·(s·H + GAP) + GAP, columns·(s·W + GAP) + GAP, 3], each image upscaled by
  s = `upscale_factor` (pixel repetition), GAP background pixels around every tile. `labels`
  name the columns in turn (e.g. ("real", "reconstruction") for alternating pairs), written
  in a header row above them."""
  images = np.asarray(images, np.uint8)
  if images.shape[-1] == 1:
    images = np.repeat(images, 3, axis=-1)
  count, height, width, _ = images.shape
  scale = upscale_factor(height, width)
  images = images.repeat(scale, axis=1).repeat(scale, axis=2)
  tile_height, tile_width = height * scale, width * scale
  rows = -(-count // columns)
  header = LABEL_HEIGHT if labels else 0
  out = np.full((header + rows * (tile_height + GAP) + GAP, columns * (tile_width + GAP) + GAP, 3),
                BACKGROUND, np.uint8)
  for index, image in enumerate(images):
    row, column = divmod(index, columns)
    top, left = header + GAP + row * (tile_height + GAP), GAP + column * (tile_width + GAP)
    out[top:top + tile_height, left:left + tile_width] = image
  if labels:
    picture = PIL.Image.fromarray(out)
    draw = PIL.ImageDraw.Draw(picture)
    for column in range(columns):
      text = labels[column % len(labels)]
      left = GAP + column * (tile_width + GAP)
      text_width = draw.textlength(text)
      draw.text((left + max(0, (tile_width - text_width) / 2), 1), text, fill=(0, 0, 0))
    out = np.asarray(picture)
  return out


def image_grid(path: str, images: np.ndarray, columns: int = 8,
               labels: Sequence[str] = ()) -> np.ndarray:
  """Writes `grid(images, columns, labels)` as a PNG at `path` and returns it."""
  picture = grid(images, columns, labels)
  PIL.Image.fromarray(picture).save(path)
  return picture


def panels(path: str, pictures: Sequence[tuple[str, np.ndarray]]) -> np.ndarray:
  """Writes one PNG at `path` of (title, uint8 RGB picture [H, W, 3]) pairs stacked top to
  bottom, each under a LABEL_HEIGHT row holding its title, left-aligned on a BACKGROUND canvas
  as wide as the widest picture; returns it, uint8 [Σ (LABEL_HEIGHT + H), max W, 3]."""
  width = max(picture.shape[1] for _, picture in pictures)
  blocks = []
  for title, picture in pictures:
    block = np.full((LABEL_HEIGHT + picture.shape[0], width, 3), BACKGROUND, np.uint8)
    block[LABEL_HEIGHT:, :picture.shape[1]] = picture
    image = PIL.Image.fromarray(block)
    PIL.ImageDraw.Draw(image).text((GAP, 1), title, fill=(0, 0, 0))
    blocks.append(np.asarray(image))
  out = np.concatenate(blocks)
  PIL.Image.fromarray(out).save(path)
  return out


def scatter_2d(path: str, samples: np.ndarray, means: np.ndarray, title: str) -> np.ndarray:
  """Generated 2-D samples (dots) with the mixture's mode means as hollow circles over them
  (the clusters stay visible through them), written as a PNG at `path`; returns the picture,
  uint8 [H, W, 3]."""
  fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
  ax.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.4, label="generated", zorder=1)
  ax.scatter(means[:, 0], means[:, 1], marker="o", s=120, facecolors="none", edgecolors="red",
             linewidths=1, label="mode means", zorder=2)
  span = np.abs(means).max() * 1.5 + 0.5
  ax.set_xlim(-span, span)
  ax.set_ylim(-span, span)
  ax.set_aspect("equal")
  ax.set_title(title)
  ax.legend(loc="upper right", fontsize=8)
  fig.tight_layout()
  fig.canvas.draw()
  picture = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
  plt.close(fig)
  PIL.Image.fromarray(picture).save(path)
  return picture
