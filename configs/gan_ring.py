"""GAN on the 2-D ring of 8 Gaussians: VEEGAN Table 1's GAN row.

The same generator, discriminator width, optimizer, batch and budget as configs/veegan_ring.py,
so the two rows differ only in the method; the generator takes 255-D noise (VEEGAN's 254 + 1)
and the discriminator sees x alone. Non-saturating generator loss (Goodfellow et al. 2014).
"""

import ml_collections

from configs import veegan_ring


def get_config() -> ml_collections.ConfigDict:
  config = veegan_ring.get_config()
  config.method = "gan"
  config.model.latent_dim = 255
  del config.model["generator_noise_dim"]
  del config.model["reconstructor"]
  del config.optimizer["reconstructor"]
  config.loss = ml_collections.ConfigDict(dict(adversarial_form="non_saturating"))
  return config
