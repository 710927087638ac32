"""α-GAN on Stacked-MNIST (VEEGAN Table 2's protocol): 3 MNIST digits stacked in R, G, B,
1,000 modes, 128k training stacks (PacGAN's re-run) — the recipe of configs/alpha_gan_cifar.py
otherwise (PacGAN's re-run also uses DCGAN, Adam 2e-4, β1 0.5, batch 64), at 28x28x3: the
generator starts from 7x7.
Modes are counted as VEEGAN did, on 26,000 samples labelled channel by channel by the MNIST
classifier of configs/classifier_mnist.py (`--config.eval.classifier.workdir=runs/classifier_mnist`).
"""

import ml_collections

from configs import common, alpha_gan_cifar


def get_config() -> ml_collections.ConfigDict:
  return common.count_stacked_modes(alpha_gan_cifar.alpha_gan(common.stacked_mnist()))
