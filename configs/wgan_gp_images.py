"""WGAN-GP (Gulrajani et al. 2017, arXiv 1704.00028), one of α-GAN's image baselines, on its sets:

  python launch/main.py --config=configs/wgan_gp_images.py:color_mnist5k   # or color_mnist,
      # celeb_a, cifar10

- critic loss E[f(G(z))] - E[f(x)] + λ E[(‖∇f(x̂)‖₂ - 1)²], λ = 10, n_critic = 5 critic updates
  per generator update, each on its own draws [Algorithm 1's defaults];
- Adam lr 1e-4, β = (0, 0.9) for both networks, constant, batch 64 [Algorithm 1's defaults; the
  authors' gan_cifar.py uses β1 = 0.5];
- critic: the DCGAN discriminator at width 64 without BatchNorm (conv 64 -> 128 -> 256,
  LeakyReLU 0.2, linear output) [the paper, Section 4: no BatchNorm in the critic; gan_cifar.py's
  critic, whose DIM = 128 carries the remark "you're probably better off with 64"];
- generator: DCGAN at width 64 with BatchNorm [gan_cifar.py's generator, at the critic's width]
  on z ~ N(0, I), 128-D [gan_cifar.py];
- 100k generator iterations, 500k critic updates [ours: the other rows' budget; gan_cifar.py
  runs 200k].
Each set keeps its protocol (configs/images.py).
"""

import ml_collections

from configs import common, dcgan_cifar, images


def get_config(data: str = "color_mnist5k") -> ml_collections.ConfigDict:
  config = dcgan_cifar.dcgan(images.data(data, images.COLOUR_SETS))
  config.method = "wgan_gp"
  config.model.latent_dim = 128
  config.model.discriminator = common.conv(64, batch_norm=False)
  config.loss = ml_collections.ConfigDict(dict(gradient_penalty=10.0, critic_updates=5))
  for network in ("generator", "discriminator"):
    config.optimizer[network] = common.adam(1e-4, b1=0.0, b2=0.9)
  return images.with_protocol(config)
