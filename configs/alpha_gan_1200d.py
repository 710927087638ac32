"""α-GAN on the 1200-D mixture: configs/alpha_gan_ring.py's recipe with the data and threshold
of configs/veegan_1200d.py. Ours, unmeasured: a 16-D latent (the ring's 2-D latent, "the data's
dimension", does not carry over to 700-D modes) and λ = 1/600 on the L1 reconstruction, summed
over 1,200 coordinates here against the ring's 2 (the ring's λ = 1 per coordinate pair)."""

import ml_collections

from configs import alpha_gan_ring, common


def get_config() -> ml_collections.ConfigDict:
  config = alpha_gan_ring.get_config()
  config.data = common.mixture_1200d()
  config.eval.hq_threshold = 10.0
  config.model.latent_dim = 16
  config.loss.reconstruction_weight = 1.0 / 600
  return config
