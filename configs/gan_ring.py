"""GAN on the 2-D ring of 8 Gaussians: VEEGAN Table 1's GAN row.

The same generator, discriminator, optimizers, batch and budget as configs/veegan_ring.py, so
the two rows differ only in the method: the generator takes 255-D noise (VEEGAN's 254 + 1), the
discriminator sees x alone, and the generator's loss is the non-saturating one (Goodfellow et
al. 2014).
"""

import ml_collections

from configs import veegan_ring


def as_gan(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """A VEEGAN config turned into the GAN with the same networks, optimizers and budget."""
  config.method = "gan"
  config.model.latent_dim += config.model.generator_noise_dim
  del config.model["generator_noise_dim"]
  del config.model["reconstructor"]
  del config.optimizer["reconstructor"]
  config.loss = ml_collections.ConfigDict(dict(
      adversarial_form="non_saturating",
      discriminator_updates=config.loss.discriminator_updates))
  return config


def get_config() -> ml_collections.ConfigDict:
  return as_gan(veegan_ring.get_config())
