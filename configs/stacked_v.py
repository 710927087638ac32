"""Protocol V: Stacked-MNIST in VEEGAN's Table 2 setting (Srivastava et al. 2017, arXiv 1705.07761,
Section 5.2) as PacGAN (Lin et al. 2018, arXiv 1712.04086, Section 5.1, Table 2) re-ran it:
carpedm20's DCGAN at 64 base filters.

  python launch/main.py --config=configs/stacked_v.py:dcgan                  # stacked_mnist5k
  python launch/main.py --config=configs/stacked_v.py:pacgan2,stacked_mnist  # tfds's MNIST

The argument is `<row>[,<data>]`: row one of `ROWS` (`unrolled_gan<K>`, `pacgan<m>` with any
K >= 0, m >= 1), data `stacked_mnist5k` (default, offline) or `stacked_mnist` (once prepared).

Sources: PacGAN's code, github.com/fjxmlzn/PacGAN, stacked_MNIST_experiments/VEEGAN_experiment/
(`V/`: config.py at commit 1868de8, model.py at b331f4f), and its carpedm20 layer helpers (the
copy in celeba_experiments/ops.py, `ops.py` below).
- generator [V/model.py:299-330]: Dense z -> 2x2x512, BN, ReLU; 5x5 stride-2 transposed convs
  [`ops.py`:65-67] to 4x4x256, 7x7x128, 14x14x64 (each BN + ReLU) and 28x28x3; tanh. Here
  `common.conv(64, base_size=2, kernel=5)` with `upsample="transposed"`, the reference's layer
  in its exact sub-pixel form (aegan/models/conv.py `ConvTranspose`; `subpixel` and `resize`
  are other layers, not equivalent);
- discriminator [V/model.py:287-297]: 5x5 stride-2 convs [`ops.py`:52-54] with 64, 128, 256,
  512 channels (28 -> 14 -> 7 -> 4 -> 2: `final_size=2`), LeakyReLU 0.2 [`ops.py`:90-91], BN on
  every layer but the first; flatten; Dense -> 1;
- BatchNorm momentum 0.9, ε 1e-5 [`ops.py`:29-43]; weights N(0, 0.02²);
- z 100-D [V/config.py:25], U(-1, 1)^100 [V/model.py:193] (`model.prior = "uniform"`);
  logistic discriminator and non-saturating generator losses [V/model.py:128-138];
- two generator updates per discriminator update, both on the discriminator's z ("to make
  sure that d_loss does not go to zero", V/model.py:202-212; `loss.generator_updates = 2`);
- Adam 2e-4, β1 0.5 (β2 TensorFlow's default, 0.999) for both networks [V/config.py:12-13;
  V/model.py:158-161]; batch 64 [V/config.py:15];
- 50 epochs of 128,000 stacks [V/config.py:11, 24; V/model.py:185-189]: 100,000 iterations of
  64;
- evaluation: 26,000 samples [V/config.py:22], modes and KL as protocol M's
  (configs/stacked_m.py) [V/model.py:246-276].
Where ours differs (what aegan's methods do not offer, or the data sets' own construction):
- stacks in [-1, 1], the range of the generator's tanh; the reference feeds real stacks in
  [0, 1] [V/model.py:386] against tanh samples and classifies the samples unscaled
  [V/model.py:250-254];
- the 128,000 stacks: ours are the data set's distinct triples of the training digits
  (stacked_mnist5k: 4,000; stacked_mnist: MNIST's 60,000); the reference's draw their digits
  from MNIST's train and test sets together, 70,000, with replacement [V/model.py:361-377].
The rows beyond DCGAN and PacGAN [ours: PacGAN's Table 2 quotes VEEGAN's own ALI, Unrolled GAN
and VEEGAN numbers, whose setting VEEGAN does not publish]: as protocol M's
(configs/stacked_m.py) with this protocol's networks: every network that reads images is the
discriminator's trunk (64-128-256-512); the joint discriminators' z path and join are one
Dense + LeakyReLU layer each as wide as the trunk's last layer (512, also
configs/veegan_cifar.py's); all networks take Adam 2e-4, β1 0.5; `unrolled_gan5` is VEEGAN's
Unrolled GAN (5 steps [VEEGAN, Section 5]). The uniform z and the second generator update are
the DCGAN and PacGAN rows' (the reference code's); VEEGAN, ALI and Unrolled GAN keep their own
methods' N(0, I) and one generator update per discriminator update (VEEGAN's reconstructor
maps data to Gaussian noise; Unrolled GAN's generator update is simultaneous with the
discriminator's).
"""

import ml_collections

from configs import common, images, stacked_m

ROWS = ("dcgan", "pacgan2", "pacgan3", "pacgan4", "veegan", "ali", "unrolled_gan5")
LATENT_DIM = 100
BATCH_SIZE = 64
ITERATIONS = 100_000  # 50 epochs x 128,000 stacks / 64.
WIDTH = 64
KERNEL = 5


def trunk() -> dict:
  return common.conv(WIDTH, kernel=KERNEL, final_size=2)


def with_protocol(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """`config` (an image recipe) with protocol V's networks, optimizers, batch, iterations and
  evaluation."""
  model = config.model
  model.latent_dim = LATENT_DIM
  last = WIDTH * 8
  networks = {"generator": common.conv(WIDTH, upsample="transposed", kernel=KERNEL, base_size=2),
              "reconstructor": trunk(), "encoder": trunk(),
              "discriminator": (dict(trunk(), z_hidden=(last,), head_hidden=(last,))
                                if config.method in ("veegan", "ali") else trunk())}
  for name in config.optimizer:
    del model[name]  # Replaced whole (a section's fields differ between network kinds).
    model[name] = networks[name]
    config.optimizer[name] = common.adam(2e-4)
  if config.method in ("gan", "pacgan"):  # The reference's DCGAN [V/model.py:193, 202-212].
    model.prior = "uniform"
    config.loss.generator_updates = 2
  for section, fields in common.image_schedule(ITERATIONS, batch_size=BATCH_SIZE,
                                               eval_every=10_000,
                                               checkpoint_every=10_000).items():
    del config[section]  # Replaced whole (an update cannot replace placeholder fields).
    config[section] = fields
  return common.count_stacked_modes(config)  # 26,000 samples.


def get_config(argument: str = "dcgan") -> ml_collections.ConfigDict:
  row, _, data = stacked_m.parse(argument, None)
  if row == "alpha_gan":
    raise ValueError("protocol V has no alpha_gan row (neither paper ran α-GAN on it); rows: "
                     f"{list(ROWS)}")
  config = stacked_m.row_config(row, images.data(data, stacked_m.SETS), ROWS)
  return stacked_m.with_packs(with_protocol(config))
