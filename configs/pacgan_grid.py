"""PacGAN on the 2-D grid of 25 Gaussians: configs/gan_grid.py's GAN (VEEGAN's grid networks,
optimizers and budget) with packs of m examples and m times the batch, as configs/pacgan_ring.py
(`configs/pacgan_grid.py:3` for m = 3; default 2)."""

import ml_collections

from configs import gan_grid, pacgan_ring


def get_config(packing: str | None = None) -> ml_collections.ConfigDict:
  return pacgan_ring.as_pacgan(gan_grid.get_config(), pacgan_ring.packing_of(packing))
