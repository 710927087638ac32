"""VEEGAN on CIFAR-10 (Srivastava et al. 2017, Section 5.3): Algorithm 1 with conv networks.

The paper does not publish its CIFAR-10 architecture [docs/papers.md, VEEGAN]; we use the DCGAN
family of configs/dcgan_cifar.py so VEEGAN and its DCGAN baseline differ only in the method:
- generator: DCGAN at width 64 on z (100-D) plus VEEGAN's one extra unreconstructed noise input
  (the authors' code, eps_dim = 1, which makes q_γ(x|z) stochastic);
- reconstructor F: x -> z, the DCGAN discriminator trunk (64 -> 128 -> 256 channels, BatchNorm)
  with a linear head to the 100-D noise;
- joint discriminator D(x, z): the same conv trunk on x, an MLP of 512 on z, merged and
  followed by a 512-unit layer and the logit;
- losses as on the mixtures: the generator minimises the raw logit, d = ℓ2 (Eq. 7),
  p_θ(z|x) = N(F(x), I);
- Adam lr 2e-4, β1 0.5 for all three networks, batch 64 (DCGAN's; the paper's are [open]).
"""

import ml_collections

from configs import common


def veegan(data: dict, steps: int = 100_000) -> ml_collections.ConfigDict:
  return ml_collections.ConfigDict(dict(
      method="veegan",
      seed=0,
      data=data,
      model=dict(
          latent_dim=100,
          generator_noise_dim=1,
          compute_dtype="float32",
          generator=common.conv(64),
          reconstructor=common.conv(64),
          discriminator=common.conv(64, z_hidden=(512,), head_hidden=(512,)),
      ),
      loss=dict(adversarial_form="log_ratio", reconstruction="l2", latent_reconstruction_weight=1.0,
                reconstructor_noise_std=1.0, discriminator_updates=1),
      optimizer=dict(generator=common.adam(2e-4), reconstructor=common.adam(2e-4),
                     discriminator=common.adam(2e-4)),
      **common.image_schedule(steps),
  ))


def get_config() -> ml_collections.ConfigDict:
  return veegan(common.cifar10())
