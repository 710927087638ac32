"""The papers' tables that `launch/table.py` reproduces: rows (methods), columns (data sets),
the iterations per cell of each column, and the published numbers to print beside ours.

Each cell (method, data) trains the row's config on the column's data with several seeds, and
prints mean ± sample standard deviation (ddof 1) over them beside the paper's number.

- Mixture tables (`kind="mixtures"`): the config of a cell is `configs/<method>_<data>.py`; its
  seeds are vmapped in one process (MLPs: one seed costs almost what three do).
- Image tables (`kind="images"`): the config of a cell is `configs/<method>_images.py:<data>`,
  or the table's `config(row, column)` (the Stacked-MNIST protocols' tables), with the table's
  evaluation protocol (`protocol`, below); `extra_datasets` are columns run only when
  `--datasets` names them, and a budget without `width` keeps the configs' networks; each seed is its own run (XLA:CPU
  runs convolutions vmapped over seeds' weights 3.7x slower than the seeds one after another:
  docs/scaling.md). A column that counts modes or scores with a dataset classifier trains it
  first (`classifiers`: a config like launch/main.py's `--config=`, module:argument), once per
  table workdir. `offline` columns need nothing downloaded and always run; the others run when
  their data is prepared and are skipped with one line saying how otherwise. Budgets give each
  column's iterations and the conv networks' width (`common.at_width`): `short` is sized to
  train the offline column's rows x 3 seeds on a 2-core CPU within the hour.
"""

import importlib

import ml_collections

from configs import common, stacked_m, stacked_v

# VEEGAN Table 1 [Srivastava et al. 2017, Table 1]: method -> data -> (modes, % high quality). Rows without a
# paper number (our extra baselines) print "-". `budgets`: named alternatives to the configs'
# own iterations, per column; "short" runs the paper's four rows x 5 seeds in a fraction of
# the time, at a cost in quality (docs/results.md: measured time and quality).
VEEGAN1 = dict(
    kind="mixtures",
    seeds=5,
    datasets=("ring", "grid", "1200d"),
    methods=("gan", "ali", "unrolled_gan", "veegan"),
    extra_methods=("bigan", "wgan_gp", "age", "alpha_gan", "pacgan"),
    budgets={"short": {"ring": 5_000, "grid": 5_000, "1200d": 2_000}},
    paper={
        "gan": {"ring": (1, 99.3), "grid": (3.3, 0.5), "1200d": (1.6, 2.0)},
        "ali": {"ring": (2.8, 0.13), "grid": (15.8, 1.6), "1200d": (3, 5.4)},
        "unrolled_gan": {"ring": (7.6, 35.6), "grid": (23.6, 16), "1200d": (0, 0.0)},
        "veegan": {"ring": (8, 52.9), "grid": (24.6, 40), "1200d": (5.5, 28.29)},
    },
)

# The short budget of the image tables: every row of a column trains the same iterations at
# width 16 (the configs' conv networks at a quarter of their width 64; latent sizes as the
# configs'). Sized on single-seed step rates at width 16, batch 64 (2-core AMD EPYC, idle;
# benchmarks/step_throughput.py --fused=1): DCGAN 82 it/s, VEEGAN 48, ALI 41, AGE 33, α-GAN 16,
# WGAN-GP 9.6, Unrolled GAN 4.5 (K = 5) on stacked_mnist5k / color_mnist5k.
SHORT_IMAGES = dict(steps=2_000, width=16)


def image_row_config(table: dict, row: str, column: str) -> ml_collections.ConfigDict:
  """The config of image table `table`'s cell (row, column) before budget and protocol: the
  table's own `config(row, column)` where it has one, else `configs/<row>_images.py:<column>`."""
  if "config" in table:
    return table["config"](row, column)
  return importlib.import_module(f"configs.{row}_images").get_config(column)


def veegan2_protocol(config: ml_collections.ConfigDict, classifier_workdir: str | None
                     ) -> ml_collections.ConfigDict:
  """VEEGAN Table 2's measures on `config` (a `configs/<method>_images.py` config): on a stacked
  set, modes and KL of 26,000 samples labelled by the column's digit classifier (the configs'
  own protocol, configs/common.py `count_stacked_modes`), whose features also give FID/KID/IS;
  on every set, IvOM on 256 held-out images (configs/common.py `ivom`) at the final
  evaluation. CIFAR-10 counts no modes: the classifier's section is left unset there."""
  if config.eval.get("classifier") is not None:
    config.eval.classifier.workdir = classifier_workdir  # Shared with eval.features.
  config.eval.ivom = common.ivom(final_only=True)
  return config


def alpha_gan_protocol(config: ml_collections.ConfigDict, classifier_workdir: str | None
                       ) -> ml_collections.ConfigDict:
  """α-GAN's battery (Rosca et al. 2017, Section 5) on `config`: 5,000 samples per evaluation;
  Inception score, FID and KID with the column's dataset classifier (none for CelebA, which has
  no 10-class labels: those stay unmeasured there; the FID Inception's come from
  `--inception_weights`, launch/table.py); MS-SSIM of 1,000 sample pairs next to real pairs'
  (the configs'); the independent Wasserstein critic (conv width 16 without BatchNorm, 1,000
  steps at Adam 1e-3, on 4,000 training examples and scored on 1,000 held-out ones: one critic
  for every cell of the table, configs/common.py `at_stacked_digits_scale` says why that rate);
  reconstruction errors of held-out images for the methods that reconstruct."""
  config.eval.num_samples = 5_000
  del config.eval["features"]  # Replaced whole (a placeholder field cannot be updated).
  config.eval.features = common.feature_metrics(
      "classifier", workdir=classifier_workdir, num_samples=5_000, num_real=4_000)
  config.eval.critic = common.independent_critic(
      common.conv(16, batch_norm=False), steps=1_000, num_train=4_000, num_test=1_000,
      learning_rate=1e-3, final_only=True)
  return config


VEEGAN2 = dict(
    kind="images",
    seeds=3,
    datasets=("stacked_mnist", "cifar10", "stacked_mnist5k"),
    offline=("stacked_mnist5k",),
    methods=("dcgan", "ali", "unrolled_gan", "veegan"),
    extra_methods=(),
    classifiers={"stacked_mnist": "classifier_mnist", "stacked_mnist5k": "classifier_mnist5k"},
    protocol=veegan2_protocol,
    # (header, metric, scale, decimals); a column shows the measures its protocol computes,
    # and the FID Inception's with launch/table.py --inception_weights.
    measures=(("modes", "eval/modes", 1, 1), ("KL", "eval/mode_kl", 1, 2),
              ("confident modes", "eval/confident_modes", 1, 1),
              ("IvOM on [-1, 1]", "eval/ivom", 1, 4),
              ("IS (Inception)", "inception/inception_score", 1, 2),
              ("FID (Inception)", "inception/fid", 1, 1),
              ("KID (Inception)", "inception/kid", 1, 4)),
    # metric -> a line under each column that shows it.
    notes={"eval/ivom": "IvOM: ours is the mean squared error per pixel value on the [-1, 1] "
                        "scale the networks work in, 4x the same error on [0, 1] pixels (divide "
                        "by 4 to compare with a [0, 1] number); the paper's CIFAR-10 numbers do "
                        "not say which pixel scale they use."},
    budgets={"short": {"stacked_mnist5k": SHORT_IMAGES, "stacked_mnist": SHORT_IMAGES,
                       "cifar10": SHORT_IMAGES}},
    # VEEGAN Table 2 [Srivastava et al. 2017]: Stacked-MNIST modes /1000 and KL; CIFAR-10 IvOM
    # (± over its runs). stacked_mnist5k (5,000 of MNIST's digits, the same construction) is
    # printed beside the paper's Stacked-MNIST, the closest it has.
    paper_as={"stacked_mnist5k": "stacked_mnist"},
    paper={
        "dcgan": {"stacked_mnist": {"eval/modes": "99", "eval/mode_kl": "3.4"},
                  "cifar10": {"eval/ivom": "0.00844 ± 0.002"}},
        "ali": {"stacked_mnist": {"eval/modes": "16", "eval/mode_kl": "5.4"},
                "cifar10": {"eval/ivom": "0.0067 ± 0.004"}},
        "unrolled_gan": {"stacked_mnist": {"eval/modes": "48.7", "eval/mode_kl": "4.32"},
                         "cifar10": {"eval/ivom": "0.013 ± 0.0009"}},
        "veegan": {"stacked_mnist": {"eval/modes": "150", "eval/mode_kl": "2.95"},
                   "cifar10": {"eval/ivom": "0.0068 ± 0.0001"}},
    },
)

ALPHA_GAN = dict(
    kind="images",
    seeds=3,
    datasets=("color_mnist", "celeb_a", "cifar10", "color_mnist5k"),
    offline=("color_mnist5k",),
    methods=("alpha_gan", "dcgan", "wgan_gp", "age"),
    extra_methods=(),
    classifiers={"color_mnist": "classifier_mnist:color_mnist",
                 "color_mnist5k": "classifier_mnist5k:color_mnist5k",
                 "cifar10": "classifier_cifar"},
    protocol=alpha_gan_protocol,
    measures=(("IS (classifier)", "eval/inception_score", 1, 2),
              ("FID (classifier)", "eval/fid", 1, 2),
              ("KID (classifier)", "eval/kid", 1, 0),
              ("IS (Inception)", "inception/inception_score", 1, 2),
              ("FID (Inception)", "inception/fid", 1, 1),
              ("KID (Inception)", "inception/kid", 1, 4),
              ("MS-SSIM", "eval/ms_ssim", 1, 3),
              ("critic", "eval/critic_distance", 1, 3),
              ("recon L1", "eval/recon_l1", 1, 3)),
    # MS-SSIM of real pairs and IS of real data are the same for every row: one line per column.
    reference=(("MS-SSIM of real pairs", "eval/ms_ssim_real", 3),
               ("IS (classifier) of real data", "eval/inception_score_real", 2)),
    budgets={"short": {"color_mnist5k": SHORT_IMAGES, "color_mnist": SHORT_IMAGES,
                       "celeb_a": SHORT_IMAGES, "cifar10": SHORT_IMAGES}},
    paper={},  # The α-GAN paper's numbers were not retrieved: no column beside ours.
)



def stacked_protocol(config: ml_collections.ConfigDict, classifier_workdir: str | None
                     ) -> ml_collections.ConfigDict:
  """The Stacked-MNIST protocols' measures on `config` (configs/stacked_m.py, stacked_v.py):
  their own modes and KL of 25,600 (M) or 26,000 (V) samples, labelled by the column's digit
  classifier, whose features also give the classifier-feature scores."""
  config.eval.classifier.workdir = classifier_workdir  # Shared with eval.features.
  return config


# Protocol M's columns: column -> (the discriminator's capacity, the data set).
STACKED_M_COLUMNS = {"d_quarter_g": ("quarter", "stacked_mnist5k"),
                     "d_half_g": ("half", "stacked_mnist5k"),
                     "d_quarter_g_stacked_mnist": ("quarter", "stacked_mnist"),
                     "d_half_g_stacked_mnist": ("half", "stacked_mnist")}
STACKED_CLASSIFIERS = {"stacked_mnist5k": "classifier_mnist5k", "stacked_mnist": "classifier_mnist"}
STACKED_MEASURES = (("modes", "eval/modes", 1, 1), ("KL", "eval/mode_kl", 1, 2),
                    ("confident modes", "eval/confident_modes", 1, 1))

# The `short` budgets of the Stacked-MNIST tables, in iterations. Protocol M: from DCGAN's
# learning curves at D = 1/4 G (docs/results.md, "The Stacked-MNIST collapse protocols"): at
# 2,000 iterations two of three seeds have collapsed (MS-SSIM of samples 0.92-0.93 against the
# real stacks' 0.18; 74 and 88 modes), as they stay through 6,000. The four default rows'
# three seeds take more than an hour on 2 cores at it (DCGAN, Unrolled GAN and PacGAN alone
# about 60 minutes with --jobs=2). Protocol V: sized on its DCGAN iteration (about 0.3 it/s
# on 2 cores, docs/performance.md), not on learning curves (none measured: a seed's 1,000
# iterations take about an hour there).
SHORT_STACKED_M = 2_000
SHORT_STACKED_V = 1_000


def stacked_m_config(row: str, column: str) -> ml_collections.ConfigDict:
  capacity, data = STACKED_M_COLUMNS[column]
  return stacked_m.get_config(f"{row},{capacity},{data}")


def stacked_v_config(row: str, column: str) -> ml_collections.ConfigDict:
  return stacked_v.get_config(f"{row},{column}")


# Protocol M (configs/stacked_m.py): Metz et al.'s Stacked-MNIST as PacGAN re-ran it. The
# default run is the D = 1/4 G column's DCGAN, Unrolled GAN (K = 5), PacGAN (m = 2) and VEEGAN
# rows; `--methods`/`--datasets` select the others. `config` budget: the protocol's 500k
# iterations (PacGAN ran 50 seeds a cell: `--seeds`).
STACKED_M = dict(
    kind="images",
    seeds=3,
    datasets=("d_quarter_g",),
    extra_datasets=("d_half_g", "d_quarter_g_stacked_mnist", "d_half_g_stacked_mnist"),
    offline=("d_quarter_g", "d_half_g"),
    methods=("dcgan", "unrolled_gan5", "pacgan2", "veegan"),
    extra_methods=("unrolled_gan1", "unrolled_gan10", "pacgan3", "pacgan4", "ali", "alpha_gan"),
    config=stacked_m_config,
    classifiers={column: STACKED_CLASSIFIERS[data]
                 for column, (_, data) in STACKED_M_COLUMNS.items()},
    protocol=stacked_protocol,
    measures=STACKED_MEASURES,
    notes={"eval/modes": "Columns: d_quarter_g, the discriminator's channels 2-4-8 (D = 1/4 G); "
                         "d_half_g, 4-8-16 (D = 1/2 G); on stacked_mnist5k, or on tfds's "
                         "Stacked-MNIST (*_stacked_mnist) beside the same published numbers. "
                         "Published: PacGAN Table 3 (Lin et al. 2018, arXiv 1712.04086), mean ± "
                         "std over 50 runs, whose DCGAN [Metz] and Unrolled GAN rows quote Metz "
                         "et al. 2017 (arXiv 1611.02163, Table 3) and whose DCGAN [PacGAN] is its "
                         "own re-run. No paper ran VEEGAN, ALI or α-GAN under this protocol."},
    budgets={"short": {column: dict(steps=SHORT_STACKED_M) for column in STACKED_M_COLUMNS}},
    paper_as={"d_quarter_g_stacked_mnist": "d_quarter_g", "d_half_g_stacked_mnist": "d_half_g"},
    # PacGAN Table 3: modes / 1,000 and KL, mean ± std.
    paper={
        "dcgan": {"d_quarter_g": {"eval/modes": "30.6 ± 20.73 [Metz]; 78.5 ± 17.56 [PacGAN]",
                                  "eval/mode_kl": "5.99 ± 0.42 [Metz]; 5.21 ± 0.19 [PacGAN]"},
                  "d_half_g": {"eval/modes": "628.0 ± 140.9 [Metz]; 487.7 ± 34.59 [PacGAN]",
                               "eval/mode_kl": "2.58 ± 0.75 [Metz]; 2.24 ± 0.15 [PacGAN]"}},
        "unrolled_gan1": {"d_quarter_g": {"eval/modes": "65.4 ± 34.75", "eval/mode_kl": "5.91 ± 0.14"},
                          "d_half_g": {"eval/modes": "523.6 ± 55.77", "eval/mode_kl": "2.44 ± 0.26"}},
        "unrolled_gan5": {"d_quarter_g": {"eval/modes": "236.4 ± 63.30", "eval/mode_kl": "4.67 ± 0.43"},
                          "d_half_g": {"eval/modes": "732.0 ± 44.98", "eval/mode_kl": "1.66 ± 0.09"}},
        "unrolled_gan10": {"d_quarter_g": {"eval/modes": "327.2 ± 74.67", "eval/mode_kl": "4.66 ± 0.46"},
                           "d_half_g": {"eval/modes": "817.4 ± 37.91", "eval/mode_kl": "1.43 ± 0.12"}},
        "pacgan2": {"d_quarter_g": {"eval/modes": "484.5 ± 32.99", "eval/mode_kl": "2.61 ± 0.22"},
                    "d_half_g": {"eval/modes": "840.7 ± 15.92", "eval/mode_kl": "1.00 ± 0.05"}},
        "pacgan3": {"d_quarter_g": {"eval/modes": "601.3 ± 32.18", "eval/mode_kl": "2.00 ± 0.17"},
                    "d_half_g": {"eval/modes": "866.6 ± 12.10", "eval/mode_kl": "0.90 ± 0.04"}},
        "pacgan4": {"d_quarter_g": {"eval/modes": "667.4 ± 29.00", "eval/mode_kl": "1.81 ± 0.15"},
                    "d_half_g": {"eval/modes": "820.2 ± 25.50", "eval/mode_kl": "1.15 ± 0.14"}},
    },
)

# Protocol V (configs/stacked_v.py): VEEGAN Table 2's setting as PacGAN re-ran it. `config`
# budget: the protocol's 50 epochs of 128,000 stacks, 100k iterations (PacGAN ran 10 seeds).
STACKED_V = dict(
    kind="images",
    seeds=3,
    datasets=("stacked_mnist5k", "stacked_mnist"),
    offline=("stacked_mnist5k",),
    methods=("dcgan", "ali", "unrolled_gan5", "veegan", "pacgan2"),
    extra_methods=("pacgan3", "pacgan4"),
    config=stacked_v_config,
    classifiers=STACKED_CLASSIFIERS,
    protocol=stacked_protocol,
    measures=STACKED_MEASURES,
    notes={"eval/modes": "Published: VEEGAN Table 2 (Srivastava et al. 2017, arXiv 1705.07761) "
                         "[VEEGAN], its setting not published; PacGAN Table 2 (Lin et al. 2018, "
                         "arXiv 1712.04086; mean ± std over 10 runs) for PacGAN's DCGAN re-run "
                         "[PacGAN] and the PacDCGAN rows. stacked_mnist5k is printed beside the "
                         "papers' Stacked-MNIST."},
    budgets={"short": {data: dict(steps=SHORT_STACKED_V) for data in ("stacked_mnist5k",
                                                                      "stacked_mnist")}},
    paper_as={"stacked_mnist5k": "stacked_mnist"},
    paper={
        "dcgan": {"stacked_mnist": {"eval/modes": "99 [VEEGAN]; 78.9 ± 6.46 [PacGAN]",
                                    "eval/mode_kl": "3.4 [VEEGAN]; 4.50 ± 0.127 [PacGAN]"}},
        "ali": {"stacked_mnist": {"eval/modes": "16", "eval/mode_kl": "5.4"}},
        "unrolled_gan5": {"stacked_mnist": {"eval/modes": "48.7", "eval/mode_kl": "4.32"}},
        "veegan": {"stacked_mnist": {"eval/modes": "150", "eval/mode_kl": "2.95"}},
        "pacgan2": {"stacked_mnist": {"eval/modes": "1000.0 ± 0.00", "eval/mode_kl": "0.06 ± 0.003"}},
        "pacgan3": {"stacked_mnist": {"eval/modes": "1000", "eval/mode_kl": "0.06 ± 0.003"}},
        "pacgan4": {"stacked_mnist": {"eval/modes": "1000", "eval/mode_kl": "0.07 ± 0.005"}},
    },
)

TABLES = {"veegan1": VEEGAN1, "veegan2": VEEGAN2, "alpha_gan": ALPHA_GAN, "stacked_m": STACKED_M,
          "stacked_v": STACKED_V}
