"""PacGAN on the 2-D ring of 8 Gaussians: configs/gan_ring.py's GAN with a discriminator on packs
of m examples (`python launch/main.py --config=configs/pacgan_ring.py:3` for m = 3; default 2).

Everything but the packing is the GAN row's (VEEGAN's networks, batch and budget, the GAN row's
tuned setting: discriminator 1e-3, constant rates), so the rows differ in the method alone. The
discriminator's first layer takes the m examples' 2m coordinates. As in PacGAN's code
(fjxmlzn/PacGAN, synthetic_data_experiments/2DRing_GAN&PacGAN/pacgan_task.py: `batch_size` packs,
m draws of z each), an iteration judges as many packs as GAN judges examples, so the batch is
m times GAN's 500 examples. PacGAN's own 2-D setting (generator 4 x 400 ReLU with BatchNorm,
discriminator 3 x 200 maxout units, Adam 1e-4, β1 0.8, batch 100 packs, 400 epochs of 100,000
examples: the same folder's config.py) is not this one.
"""

import ml_collections

from configs import gan_ring


def as_pacgan(config: ml_collections.ConfigDict, packing: int) -> ml_collections.ConfigDict:
  """A GAN config turned into PacGAN with packs of `packing` examples and m times the batch."""
  config.method = "pacgan"
  config.loss.packing = packing
  config.train.batch_size *= packing
  return config


def packing_of(argument: str | None) -> int:
  """The config argument `m` (the packing degree); 2 without one."""
  if argument is None:
    return 2
  if not argument.isdigit() or int(argument) < 1:
    raise ValueError(f"the argument of a PacGAN config is the packing degree m >= 1, got {argument!r}")
  return int(argument)


def get_config(packing: str | None = None) -> ml_collections.ConfigDict:
  return as_pacgan(gan_ring.get_config(), packing_of(packing))
