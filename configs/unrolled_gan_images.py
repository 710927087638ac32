"""Unrolled GAN (Metz et al. 2017, arXiv 1611.02163), VEEGAN Table 2's Unrolled GAN row, on its
image sets:

  python launch/main.py --config=configs/unrolled_gan_images.py:stacked_mnist5k   # or stacked_mnist, cifar10

The DCGAN row's recipe (configs/dcgan_images.py: networks at width 64, 100-D z, non-saturating
generator loss, Adam 2e-4, β1 0.5, batch 64, 100k iterations [DCGAN]) with the generator's loss
taken against the discriminator after K = 5 differentiable updates of it (VEEGAN ran Unrolled
GAN with 5 unrolling steps [VEEGAN, Section 5; docs/papers.md]), each the discriminator's own
Adam step from its current moments (aegan/methods/unrolled_gan.py) [Metz et al.'s code]. The
discriminator keeps the DCGAN row's 2e-4 [ours: the rows differ in the method only;
configs/unrolled_gan_ring.py's 1e-4 is Metz et al.'s rate for their 2-D MLPs]. Its BatchNorm
statistics inside the unroll are the unrolled batch's and are discarded.
"""

import ml_collections

from configs import dcgan_cifar, images

UNROLLING_STEPS = 5


def get_config(data: str = "stacked_mnist5k") -> ml_collections.ConfigDict:
  config = dcgan_cifar.dcgan(images.data(data, images.STACKED_SETS))
  config.method = "unrolled_gan"
  config.loss = ml_collections.ConfigDict(dict(adversarial_form="non_saturating",
                                               unrolling_steps=UNROLLING_STEPS))
  return images.with_protocol(config)
