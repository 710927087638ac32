"""PNG figures of samples: 2-D scatter plots (matplotlib, headless) and image grids."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # pylint: disable=wrong-import-position
import numpy as np
import tensorboardX.utils


def scatter_2d(path: str, samples: np.ndarray, means: np.ndarray, title: str) -> None:
  """Generated 2-D samples (dots) over the mixture's mode means (crosses)."""
  fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
  ax.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.4, label="generated")
  ax.scatter(means[:, 0], means[:, 1], marker="x", c="red", s=40, label="mode means")
  span = np.abs(means).max() * 1.5 + 0.5
  ax.set_xlim(-span, span)
  ax.set_ylim(-span, span)
  ax.set_aspect("equal")
  ax.set_title(title)
  ax.legend(loc="upper right", fontsize=8)
  fig.savefig(path, bbox_inches="tight")
  plt.close(fig)


def image_grid(path: str, images: np.ndarray, columns: int = 8) -> np.ndarray:
  """Tiles uint8 images [N, H, W, C] (C = 1 or 3) row by row into one PNG at `path`; returns the
  grid [rows * H, columns * W, 3]."""
  grid = tensorboardX.utils.make_grid(np.asarray(images).transpose(0, 3, 1, 2), ncols=columns)
  grid = grid.transpose(1, 2, 0)
  plt.imsave(path, grid)
  return grid
