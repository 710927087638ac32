"""PacGAN on the 1200-D mixture: configs/gan_1200d.py's GAN (VEEGAN's 1200-D networks,
optimizers, budget and threshold) with packs of m examples and m times the batch, as
configs/pacgan_ring.py (`configs/pacgan_1200d.py:3` for m = 3; default 2)."""

import ml_collections

from configs import gan_1200d, pacgan_ring


def get_config(packing: str | None = None) -> ml_collections.ConfigDict:
  return pacgan_ring.as_pacgan(gan_1200d.get_config(), pacgan_ring.packing_of(packing))
