"""The figures' geometry: image grids of upscaled tiles with gaps, labelled columns, and the
scatter plot's picture as written."""

import numpy as np
import PIL.Image

from aegan import plots


def test_16_px_tiles_are_upscaled_4x_with_2_px_gaps(tmp_path):
  # Ten 16x16 single-channel images, image i filled with the value 10 i except pixel (0, 0),
  # 200 + i: 8 columns, 2 rows of 64-px tiles with 2 px of white around each.
  images = np.repeat(10 * np.arange(10, dtype=np.uint8), 16 * 16).reshape(10, 16, 16, 1)
  images[:, 0, 0, 0] = 200 + np.arange(10)
  grid = plots.image_grid(str(tmp_path / "grid.png"), images)
  assert plots.upscale_factor(16, 16) == 4
  assert grid.shape == (2 * 64 + 3 * 2, 8 * 64 + 9 * 2, 3) == (134, 530, 3)
  np.testing.assert_array_equal(np.asarray(PIL.Image.open(tmp_path / "grid.png")), grid)
  # Gaps: the border, the 2 px between columns 0 and 1 (x 66, 67) and rows 0 and 1 (y 66, 67).
  for gap in (grid[:2], grid[-2:], grid[:, :2], grid[:, -2:], grid[:, 66:68], grid[66:68]):
    assert np.all(gap == 255)
  # Image 9 is row 1, column 1: its tile spans y 68..131, x 68..131; pixel (0, 0) became a 4x4
  # block, the rest the fill value, the same in R, G and B.
  tile = grid[68:132, 68:132]
  np.testing.assert_array_equal(tile[:4, :4], 209)
  np.testing.assert_array_equal(tile[4:, :], 90)
  np.testing.assert_array_equal(tile[:, 4:], 90)
  # The cells after the tenth image stay background.
  assert np.all(grid[68:132, 2 * 66 + 2:] == 255)


def test_upscale_factor_brings_tiles_to_64_px():
  assert [plots.upscale_factor(side, side) for side in (8, 16, 28, 32, 64, 108)] == [8, 4, 3, 2, 1, 1]


def test_labelled_columns_sit_in_a_header_above_the_tiles():
  images = np.zeros((4, 16, 16, 3), np.uint8)  # Black tiles: only the labels are dark above.
  grid = plots.grid(images, columns=2, labels=("real", "recon."))
  header = plots.LABEL_HEIGHT
  assert grid.shape == (header + 2 * 64 + 3 * 2, 2 * 64 + 3 * 2, 3)
  for column in range(2):  # Some text pixels above each column's tiles, none elsewhere.
    left = 2 + column * 66
    assert np.any(grid[:header, left:left + 64] < 128)
  assert np.all(grid[header:header + 2] == 255)
  np.testing.assert_array_equal(grid[header + 2:header + 66, 2:66], 0)


def test_scatter_plot_returns_the_picture_it_writes(tmp_path):
  means = np.array([[2.0, 0.0], [-2.0, 0.0]])
  samples = np.repeat(means, 50, axis=0)
  picture = plots.scatter_2d(str(tmp_path / "scatter.png"), samples, means, "two modes")
  assert picture.shape == (500, 500, 3) and picture.dtype == np.uint8
  np.testing.assert_array_equal(np.asarray(PIL.Image.open(tmp_path / "scatter.png")), picture)


def test_panels_stack_titled_pictures_left_aligned_on_the_widest(tmp_path):
  # A 10x20 picture of value 50 over a 6x30 one of value 100: 30 px wide, each under a
  # LABEL_HEIGHT-px title row, the narrow one padded with background on its right.
  top = np.full((10, 20, 3), 50, np.uint8)
  bottom = np.full((6, 30, 3), 100, np.uint8)
  out = plots.panels(str(tmp_path / "panels.png"), [("a", top), ("b", bottom)])
  label = plots.LABEL_HEIGHT
  assert out.shape == (label + 10 + label + 6, 30, 3)
  np.testing.assert_array_equal(np.asarray(PIL.Image.open(tmp_path / "panels.png")), out)
  np.testing.assert_array_equal(out[label:label + 10, :20], 50)
  assert np.all(out[label:label + 10, 20:] == 255)
  np.testing.assert_array_equal(out[2 * label + 10:, :], 100)
  # The titles are drawn (dark pixels) in their rows, nowhere over the pictures.
  assert out[:label].min() < 128 and out[label + 10:2 * label + 10].min() < 128
