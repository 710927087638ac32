"""BiGAN on the 2-D ring of 8 Gaussians: configs/ali_ring.py with BiGAN's deterministic encoder
ẑ = E(x) (Donahue et al. 2017), 254 outputs instead of ALI's mean and log-std. Everything else
(networks, optimizers, non-saturating loss with flipped labels, budget) as ALI's config.

With VEEGAN's 254-D latent a deterministic encoder puts (x, E(x)) on a 2-D manifold of the
256-D joint space while (G(z), z) fills it, so the discriminator separates them easily: at 2k
iterations (seed 0) its loss is 0.09, the samples are spread over the plane, 2 / 8 modes and
0.1% high quality. ALI's stochastic encoder does not have this problem."""

import ml_collections

from configs import ali_ring, veegan_ring


def get_config() -> ml_collections.ConfigDict:
  return ali_ring.as_ali(veegan_ring.get_config(), method="bigan")
