"""Unrolled GAN on the 2-D ring of 8 Gaussians: VEEGAN Table 1's Unrolled GAN row (Metz et al.
2017).

The GAN row's networks, optimizers, batch and budget (configs/gan_ring.py, itself
configs/veegan_ring.py's): 255-D noise, generator and discriminator with two hidden layers of
128 ReLU units, batch 500, Adam β1 0.5 with learning rates 1e-3 (generator) and 1e-2
(discriminator) decaying to 0 on a cosine over 10k iterations, and the non-saturating generator
loss. The generator's loss is taken against the discriminator after K = 5 differentiable
updates (VEEGAN ran Unrolled GAN with 5 unrolling steps [paper]; Metz et al.'s 2-D experiment
also unrolls 5 [paper]), differentiating through them (aegan/methods/unrolled_gan.py).
Ours: the unrolled updates are gradient descent with learning rate η = 1e-2, the
discriminator's base rate (Metz et al. unroll Adam from its current moments, which a loss here
cannot see; a fresh Adam state gives NaN gradients; see the method's docstring). Measured on
this CPU (seed 0, 10k iterations, ~8 min): η = 1e-2: 1 mode, 99.9% high quality, no better
than the GAN row (1 mode, 99.8%); η = 0.1: 1 mode, 0.2%; at 2k iterations η = 1 gives 2 modes,
0.1%. The paper's 7.6 modes are not reproduced here (open).
"""

import ml_collections

from configs import gan_ring


def as_unrolled_gan(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """A GAN config turned into Unrolled GAN with the same networks, optimizers and budget."""
  config.method = "unrolled_gan"
  config.loss.unrolling_steps = 5
  config.loss.unrolling_learning_rate = config.optimizer.discriminator.learning_rate
  return config


def get_config() -> ml_collections.ConfigDict:
  return as_unrolled_gan(gan_ring.get_config())
