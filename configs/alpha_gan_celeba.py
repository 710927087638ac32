"""α-GAN on CelebA at 64x64 (Rosca et al. 2017, Section 5): the recipe of
configs/alpha_gan_cifar.py (latent 128, as re-implementations use for CelebA [code]) with one
more resolution step in every conv network (generator 4x4x512 -> ... -> 64x64x3) and λ scaled
by the pixel count (12,288 values: 0.0025 keeps λ·‖x - x_rec‖₁ on CIFAR's scale).

Training images stream from the host (`train.data_placement = "host"`, aegan/data/streaming.py):
the 162,770 training faces would take 2 GB of every device's memory and ~3 minutes of JPEG
decoding before the first step; streamed, only each call's records are decoded, by a background
thread a few calls ahead. Evaluation still loads the test split (19,962 faces) once.
"""

import ml_collections

from configs import alpha_gan_cifar, common


def get_config() -> ml_collections.ConfigDict:
  config = alpha_gan_cifar.alpha_gan(common.celeb_a(), reconstruction_weight=0.0025)
  config.train.data_placement = "host"
  return config
