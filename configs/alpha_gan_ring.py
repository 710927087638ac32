"""α-GAN on the 2-D ring of 8 Gaussians: the α-GAN row of the mixture tables.

MLP networks of the VEEGAN ring recipe (configs/veegan_ring.py: two hidden layers of 128 ReLU
units for the encoder, generator and data discriminator, Adam β1 0.5, batch 500, 10k
iterations, cosine decay), the code discriminator of the image configs (3 x 750 LeakyReLU, no
BatchNorm), a 2-D latent [ours: the data's dimension], λ = 1 on the L1 reconstruction, the
objective's log-ratio adversarial form and 2 encoder/generator updates per discriminator update.
Every rate reaches 0 at the end of the run: a schedule is keyed on the iteration, whatever
the number of updates per iteration (aegan/optimizers.py).
"""

import ml_collections

from configs import common


def get_config() -> ml_collections.ConfigDict:
  adam = lambda lr: common.adam(lr, schedule="cosine")
  return ml_collections.ConfigDict(dict(
      method="alpha_gan",
      seed=0,
      data=common.ring(),
      model=dict(
          latent_dim=2,
          encoder_noise_dim=0,
          encoder=common.mlp((128, 128)),
          generator=common.mlp((128, 128)),
          discriminator=common.mlp((128, 128)),
          code_discriminator=common.code_discriminator(),
      ),
      loss=dict(reconstruction_weight=1.0, adversarial_weight=1.0, adversarial_form="log_ratio",
                generator_updates=2, code_discriminator=True, discriminate_samples=True),
      optimizer=dict(encoder=adam(1e-3), generator=adam(1e-3),
                     discriminator=adam(1e-3),
                     code_discriminator=adam(1e-3)),
      **common.schedule(steps=10_000, batch_size=500, steps_per_call=100, log_every=500,
                        eval_every=2_000, checkpoint_every=2_000),
  ))
