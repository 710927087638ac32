"""α-GAN on CIFAR-10 (Rosca et al. 2017).

The paper gives architectures and most hyper-parameters only as sweep ranges [docs/papers.md,
α-GAN]; these are re-implementers' common choices [code] and ours, each stated:
- latent size 128 [code]; encoder, generator and data discriminator from the DCGAN family at
  width 64 (configs/dcgan_cifar.py), BatchNorm in all three;
- code discriminator: an MLP of 3 x 750 LeakyReLU units without BatchNorm [code: essential];
- λ = 0.01 on the L1 reconstruction summed over the 3,072 pixel values [ours: the summed L1 of
  a fresh model, ~0.5 per value, is then ~15, an order above the adversarial terms, and falls
  to their scale as reconstructions improve];
- adversarial form non-saturating, -log σ(logit), for the generator and encoder [ours: the
  objective's log-ratio form (-logit) is available as `loss.adversarial_form="log_ratio"`];
- 2 encoder/generator updates per discriminator/code-discriminator update [code: 2:1];
- Adam lr 2e-4, β1 0.5 for each of the four networks, batch 64 [code; DCGAN's].
`alpha_gan(data)` gives the same recipe on another image set.
"""

import ml_collections

from configs import common


def alpha_gan(data: dict, steps: int = 100_000, reconstruction_weight: float = 0.01,
              latent_dim: int = 128) -> ml_collections.ConfigDict:
  return ml_collections.ConfigDict(dict(
      method="alpha_gan",
      seed=0,
      data=data,
      model=dict(
          latent_dim=latent_dim,
          encoder_noise_dim=0,  # > 0: an implicit posterior E(x, ε).
          compute_dtype="float32",
          encoder=common.conv(64),
          generator=common.conv(64),
          discriminator=common.conv(64),
          code_discriminator=common.code_discriminator(),
      ),
      loss=dict(
          reconstruction_weight=reconstruction_weight,
          adversarial_weight=1.0,  # 0: no adversarial term for E and G (an autoencoder).
          adversarial_form="non_saturating",
          generator_updates=2,
          code_discriminator=True,  # False: an AE-GAN (no code discriminator).
          discriminate_samples=True,  # False: D sees only data and reconstructions.
      ),
      optimizer=dict(encoder=common.adam(2e-4), generator=common.adam(2e-4),
                     discriminator=common.adam(2e-4), code_discriminator=common.adam(2e-4)),
      **common.image_schedule(steps),
  ))


def get_config() -> ml_collections.ConfigDict:
  return alpha_gan(common.cifar10())
