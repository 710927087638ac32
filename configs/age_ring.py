"""AGE on the 2-D ring of 8 Gaussians (Ulyanov et al. 2017; one of α-GAN's comparisons).

The ring recipe's networks and budget (configs/veegan_ring.py, configs/gan_ring.py): generator
and encoder MLPs with two hidden layers of 128 ReLU units, Adam β1 0.5 (also AGE's), lr 1e-3
(AGE's image runs: 2e-4), batch 500, 10k iterations, every rate decaying to 0 on a cosine.
AGE has no discriminator. From the authors' code and README commands [code]:
- codes on the unit sphere, prior uniform on it; Δ = KL of the batch-fitted diagonal Gaussian
  to N(0, I) (losses.batch_gaussian_kl: the paper's formula, summed over dimensions);
- the encoder's L1 data reconstruction with weight λ = 10 (their `match_x:10`);
- 2 generator updates per encoder update (their CIFAR-10 and ImageNet commands), both at the
  iteration's learning rate (aegan/optimizers.py).
Ours, for 2-D data (measured on this CPU, seed 0, 10k iterations, modes / % high quality):
- latent_dim = 3, the sphere S², a 2-D manifold like the data. With μ = 1: S¹ (latent_dim 2)
  gives 2 / 38.8, S² 8 / 21.2, S⁷ 6 / 0.5; seed 1 with S²: 6 / 74.2;
- the generator's latent reconstruction weight μ = 1 (the default of the authors' age.py;
  their image commands use 1000 on the cosine loss, i.e. 500 on ‖z - E(G(z))‖² in our units,
  which on S² gives 3 / 9.9 and μ = 10 gives 3 / 6.1: a 2-D bottleneck cannot invert S²
  exactly, and a large μ drowns the adversarial KL term).
This config, seed 0: 8 / 8 modes, 21.2% high quality, 128 s for 10k iterations.
"""

import ml_collections

from configs import common


def get_config() -> ml_collections.ConfigDict:
  adam = lambda lr: common.adam(lr, schedule="cosine")
  return ml_collections.ConfigDict(dict(
      method="age",
      seed=0,
      data=common.ring(),
      model=dict(
          latent_dim=3,
          encoder=common.mlp((128, 128)),
          generator=common.mlp((128, 128)),
      ),
      loss=dict(reconstruction_weight=10.0, latent_reconstruction_weight=1.0,
                adversarial_weight=1.0, generator_updates=2),
      optimizer=dict(encoder=adam(1e-3), generator=adam(1e-3)),
      **common.schedule(steps=10_000, batch_size=500, steps_per_call=100, log_every=500,
                        eval_every=2_000, checkpoint_every=2_000),
  ))
