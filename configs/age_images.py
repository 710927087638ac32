"""AGE (Ulyanov, Vedaldi, Lempitsky 2017, arXiv 1704.02304), one of α-GAN's image baselines, on
its sets:

  python launch/main.py --config=configs/age_images.py:color_mnist5k   # or color_mnist, celeb_a, cifar10

The authors' README commands and age.py [code], translated to this package's units:
- codes on the unit sphere, z uniform on it [age.py's default `--noise sphere`]; 128-D for
  CIFAR-10 (`--nz 128`) and ColorMNIST (AGE has no ColorMNIST run: the CIFAR-10 command's), 64-D
  for CelebA (`--nz 64`);
- generator and encoder: DCGAN networks of width 64 with BatchNorm [their dcgan32px/dcgan64px,
  `--ngf`/`--ndf` 64];
- encoder: Δ(E(x)) - Δ(E(G(z))) + λ‖x - G(E(x))‖₁; generator: Δ(E(G(z))) + μ‖z - E(G(z))‖²,
  `generator_updates` generator updates per encoder update: 2 for CIFAR-10 and ColorMNIST, 3 for
  CelebA [`--g_updates '2;...'` / `'3;...'`];
- weights: their losses average where ours sum: their Δ averages over the M code dimensions,
  their `match_x:10` averages |x - x_rec| over the D pixel values, and their `match_z:1000` on
  `2 - mean(z·ẑ)` is 500/M·‖z - ẑ‖² on the sphere. Their losses times M are ours with
  λ = 10·M/D and μ = 500 (Adam does not see the common factor): λ = 0.417 on CIFAR-10
  (M 128, D 3,072), 0.544 on ColorMNIST (128, 2,352), 0.052 on CelebA (64, 12,288);
- Adam lr 2e-4, β1 0.5 for both, batch 64 [commands; age.py's defaults], constant [ours: their
  lr × 0.96 every `--drop_lr` epochs is at most 3 drops in a CIFAR-10 run];
- 100k iterations [ours: the other rows' budget; their CIFAR-10 run is 150 epochs, ~117k].
Each set keeps its protocol (configs/images.py).
"""

import ml_collections

from configs import common, images

LATENT_DIMS = {"cifar10": 128, "color_mnist": 128, "color_mnist5k": 128, "celeb_a": 64}
GENERATOR_UPDATES = {"cifar10": 2, "color_mnist": 2, "color_mnist5k": 2, "celeb_a": 3}


def get_config(data: str = "color_mnist5k") -> ml_collections.ConfigDict:
  data_section = images.data(data, images.COLOUR_SETS)
  latent_dim = LATENT_DIMS[data]
  return images.with_protocol(ml_collections.ConfigDict(dict(
      method="age",
      seed=0,
      data=data_section,
      model=dict(latent_dim=latent_dim, compute_dtype="float32", encoder=common.conv(64),
                 generator=common.conv(64)),
      loss=dict(reconstruction_weight=10 * latent_dim / images.pixel_values(data),
                latent_reconstruction_weight=500.0, adversarial_weight=1.0,
                generator_updates=GENERATOR_UPDATES[data]),
      optimizer=dict(encoder=common.adam(2e-4), generator=common.adam(2e-4)),
      **common.image_schedule(100_000),
  )))
