"""DCGAN on CIFAR-10: the GAN baseline of both papers' image experiments.

DCGAN (Radford et al. 2016) as in docs/papers.md (Baselines): logistic discriminator, non-saturating
generator, z ~ N(0, I) of 100 dimensions, Adam lr 2e-4, β1 0.5, batch 64. Networks: the DCGAN
family at width 64 (generator 4x4x256 -> 8x8x128 -> 16x16x64 -> 32x32x3, BatchNorm and ReLU,
tanh output; discriminator 64 -> 128 -> 256 channels, LeakyReLU 0.2, BatchNorm after the first
layer). 100k iterations [ours: the usual DCGAN CIFAR-10 budget at batch 64].
`dcgan(data)` gives the same recipe on another image set (configs/dcgan_stacked_mnist.py).
"""

import ml_collections

from configs import common


def dcgan(data: dict, steps: int = 100_000) -> ml_collections.ConfigDict:
  return ml_collections.ConfigDict(dict(
      method="gan",
      seed=0,
      data=data,
      model=dict(
          latent_dim=100,
          compute_dtype="float32",
          generator=common.conv(64),
          discriminator=common.conv(64),
      ),
      loss=dict(adversarial_form="non_saturating", discriminator_updates=1),
      optimizer=dict(generator=common.adam(2e-4), discriminator=common.adam(2e-4)),
      **common.image_schedule(steps),
  ))


def get_config() -> ml_collections.ConfigDict:
  return dcgan(common.cifar10())
