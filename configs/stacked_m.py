"""Protocol M: Stacked-MNIST as Metz et al. 2017 (Unrolled GAN, arXiv 1611.02163, Section 3.3 and
Appendix) ran it and PacGAN (Lin et al. 2018, arXiv 1712.04086, Section 5.2, Table 3) re-ran
it, a discriminator 1/4 or 1/2 of the generator's size, under which DCGAN collapses:

  python launch/main.py --config=configs/stacked_m.py:dcgan,quarter              # D = 1/4 G
  python launch/main.py --config=configs/stacked_m.py:pacgan2,half,stacked_mnist # tfds's MNIST

The argument is `<row>,<capacity>[,<data>]`: row one of `ROWS` (`unrolled_gan<K>` and
`pacgan<m>` take any K >= 0, m >= 1), capacity `quarter` (D = 1/4 G) or `half` (D = 1/2 G),
data `stacked_mnist5k` (default, offline) or `stacked_mnist` (tfds's MNIST, once prepared).

Sources: PacGAN's code, github.com/fjxmlzn/PacGAN at commit b331f4f,
stacked_MNIST_experiments/unrolled_GAN_experiment/D=0.25G/ (`M/` below; D=0.5G/ differs in
the discriminator's channels only, model.py:279-281, and its config.py holds the same values),
and its carpedm20 layer helpers (`conv2d`, `deconv2d`, `lrelu`, `batch_norm`: the copy in
celeba_experiments/ops.py, `ops.py` below).
- generator [M/model.py:286-310]: Dense z -> 4x4x64, BN, ReLU; 3x3 stride-2 transposed convs
  to 7x7x32, 14x14x16, 28x28x8, each BN + ReLU; 3x3 stride-1 conv to 3 channels; tanh. Here
  `common.conv(8, base_size=4, output_kernel=3, kernel=3)` (aegan/models/conv.py builds exactly
  these shapes). `upsample="transposed"` is the reference's layer, computed in its exact
  sub-pixel form (aegan/models/conv.py `ConvTranspose`: XLA:CPU differentiates
  `lax.conv_transpose` slowly); `--config.model.generator.upsample=subpixel` or `resize` are
  other layers, not equivalent (subpixel has 4x the upsampling weights: 359,371 parameters
  against 286,795);
- discriminator [M/model.py:275-284; D=0.5G/model.py:279-281]: three 3x3 stride-2 convs
  (`ops.py`:52-54, SAME padding), each BN and LeakyReLU 0.3, channels 2-4-8 (capacity
  `quarter`) or 4-8-16 (`half`), 28 -> 14 -> 7 -> 4; flatten; Dense -> 1;
- BatchNorm momentum 0.9, ε 1e-5 with scale and shift [`ops.py`:29-43: ours too]; weights
  N(0, 0.02²) [`ops.py`:56-57, 70-71; ours truncates nothing, the reference's convs draw from
  a truncated normal]; a layer followed by BN has no bias here (the reference's has one, with
  zero gradient);
- z ~ N(0, I), 256-D [M/config.py:22; M/model.py:182];
- logistic discriminator loss and the non-saturating generator loss [M/model.py:114-124];
- Adam, discriminator 2e-4, generator 1e-4, β = (0.5, 0.99) [M/config.py:10-13,
  M/model.py:147-150]; batch 128 [M/config.py:14]; one discriminator update, then one
  generator update on the same z [M/model.py:184-196];
- stacks in [-1, 1] [M/model.py:346], three digits drawn uniformly and independently for each
  stack [M/model.py:339-344], fresh stacks at every iteration [M/model.py:178]: here
  `data.fresh` (aegan/data/images.py `StackedImages`), of the 4,000 training digits for
  stacked_mnist5k and of MNIST's 60,000 for stacked_mnist (the reference's source,
  M/model.py:348-353); the data set's fixed table of stacks serves only the evaluation;
- 500,000 iterations: one epoch of 500,000·128 stacks [M/config.py:9, 21; M/model.py:174-177];
- evaluation: 25,600 samples [M/config.py:19], each channel labelled by an MNIST classifier
  [M/model.py:237-243]; a mode (one of the 1,000 triples) counts once one sample has it
  [M/model.py:252-258]; KL(generated histogram ‖ uniform over 1,000) [M/model.py:259-263].
  Here the classifier is the column's (launch/table.py; `--config.eval.classifier.workdir`,
  configs/common.py `count_stacked_modes`); the confident counts and the classifier-feature
  scores are extra measures.
Where ours differs:
- stacked_mnist5k's 4,000 training digits: 6.4e10 possible stacks against MNIST's 2.2e14;
- evaluation BatchNorm: the reference's sampler normalises each batch of 128 samples by its own
  statistics [M/model.py:312-337, BN in training mode]; ours uses the running averages.
The rows beyond DCGAN [Metz et al. and PacGAN; the others ours]:
- `unrolled_gan<K>`: the DCGAN row with the generator's loss taken against the discriminator
  after K differentiable updates with its own Adam (aegan/methods/unrolled_gan.py); PacGAN's
  Table 3 quotes Metz et al.'s K = 1, 5, 10 [Metz et al. 2017, Table 3];
- `pacgan<m>`: the discriminator on packs of m examples along channels (first conv 3m -> 2 or
  4 channels), 128 packs, so 128·m examples per batch, each pack of m independent stacks
  against m samples of independent z [M/model.py:96-99, 339-344; PacGAN Section 5.2];
- `veegan`, `ali`, `alpha_gan` [ours: neither paper ran them under this protocol]: every
  network that reads images is the protocol discriminator's trunk at the column's capacity, so
  that no row has a stronger image critic or inference network than DCGAN's: VEEGAN's
  reconstructor, ALI's encoder (2·256 outputs: mean and log-std) and α-GAN's encoder are the
  trunk with a Dense head to the code; the joint discriminators D(x, z) of VEEGAN and ALI are
  the trunk on x, and on z a Dense + LeakyReLU layer as wide as the trunk's last layer (8 or
  16), joined by one such layer and the logit: the smallest MLP that keeps z's path as wide as
  x's (z has 256 entries, so the joint discriminator still has more weights than DCGAN's: 3,603
  against 571 at `quarter`); α-GAN's code discriminator reads only z, so it takes the trunk's
  depth and last width instead: 3 LeakyReLU layers of 8 or 16 units. VEEGAN's generator keeps
  VEEGAN's one extra noise input (configs/veegan_cifar.py). The networks on the generator's
  side (generator, reconstructor, encoder) take the generator's Adam, the critics (data, joint
  and code discriminators) the discriminator's. Each method's other settings are its image
  recipe's (configs/veegan_cifar.py, configs/ali_images.py, configs/alpha_gan_images.py with
  λ 0.013 for the 2,352 values of a stack).
"""

import ml_collections

from configs import ali_ring, alpha_gan_cifar, common, dcgan_cifar, images, veegan_cifar

ROWS = ("dcgan", "unrolled_gan1", "unrolled_gan5", "unrolled_gan10", "pacgan2", "pacgan3",
        "pacgan4", "veegan", "ali", "alpha_gan")
CAPACITIES = {"quarter": 2, "half": 4}  # The discriminator's first-layer channels.
SETS = ("stacked_mnist5k", "stacked_mnist")
LATENT_DIM = 256
BATCH_SIZE = 128
ITERATIONS = 500_000
EVAL_SAMPLES = 25_600
ALPHA_GAN_RECONSTRUCTION_WEIGHT = 0.013  # configs/alpha_gan_images.py's for 28x28x3.
GENERATOR_SIDE = ("generator", "reconstructor", "encoder")


def generator() -> dict:
  """4x4x64 -> 7x7x32 -> 14x14x16 -> 28x28x8 -> 28x28x3, 3x3 transposed convs (the reference's)."""
  return common.conv(8, upsample="transposed", kernel=3, base_size=4, output_kernel=3)


def trunk(capacity: str) -> dict:
  """The protocol discriminator's conv layers: 3x3 stride 2, BN on each, LeakyReLU 0.3."""
  return common.conv(CAPACITIES[capacity], kernel=3, negative_slope=0.3, first_batch_norm=True)


def last_width(capacity: str) -> int:
  """The channels of the trunk's last layer: 8 at `quarter`, 16 at `half`."""
  return 4 * CAPACITIES[capacity]


def joint_discriminator(capacity: str) -> dict:
  """D(x, z): the trunk on x; z and the join through layers as wide as the trunk's last."""
  width = last_width(capacity)
  return dict(trunk(capacity), z_hidden=(width,), head_hidden=(width,))


def optimizer(network: str) -> dict:
  """Adam β = (0.5, 0.99): 1e-4 on the generator's side, 2e-4 for the critics."""
  return common.adam(1e-4 if network in GENERATOR_SIDE else 2e-4, b1=0.5, b2=0.99)


def with_protocol(config: ml_collections.ConfigDict, capacity: str) -> ml_collections.ConfigDict:
  """`config` (an image recipe) with protocol M's networks, optimizers, batch, iterations and
  evaluation: each network replaced by its role's (module docstring)."""
  model = config.model
  model.latent_dim = LATENT_DIM
  networks = {"generator": generator(), "reconstructor": trunk(capacity),
              "encoder": trunk(capacity),
              "discriminator": (joint_discriminator(capacity)
                                if config.method in ("veegan", "ali") else trunk(capacity)),
              "code_discriminator": dict(kind="mlp", hidden=(last_width(capacity),) * 3,
                                         activation="leaky_relu")}
  for name in config.optimizer:
    del model[name]  # Replaced whole (a section's fields differ between network kinds).
    model[name] = networks[name]
    config.optimizer[name] = optimizer(name)
  for section, fields in common.image_schedule(ITERATIONS, batch_size=BATCH_SIZE,
                                               eval_every=10_000,
                                               checkpoint_every=10_000).items():
    del config[section]  # Replaced whole (an update cannot replace placeholder fields).
    config[section] = fields
  config = common.count_stacked_modes(config)
  config.data.fresh = True  # A new stack at every draw [M/model.py:178].
  config.eval.num_samples = EVAL_SAMPLES
  return config


def row_config(row: str, data: dict, rows: tuple[str, ...] = ROWS) -> ml_collections.ConfigDict:
  """The image recipe of `row` on `data`, before the protocol (ValueError naming the protocol's
  `rows` for an unknown row)."""
  if row == "dcgan":
    return dcgan_cifar.dcgan(data)
  if row.startswith("unrolled_gan") and row.removeprefix("unrolled_gan").isdigit():
    config = dcgan_cifar.dcgan(data)
    config.method = "unrolled_gan"
    config.loss = ml_collections.ConfigDict(dict(
        adversarial_form="non_saturating", unrolling_steps=int(row.removeprefix("unrolled_gan"))))
    return config
  if row.startswith("pacgan") and row.removeprefix("pacgan").isdigit():
    config = dcgan_cifar.dcgan(data)
    config.method = "pacgan"
    config.loss.packing = int(row.removeprefix("pacgan"))
    return config
  if row == "veegan":
    return veegan_cifar.veegan(data)
  if row == "ali":
    return ali_ring.as_ali(veegan_cifar.veegan(data))
  if row == "alpha_gan":
    return alpha_gan_cifar.alpha_gan(data, reconstruction_weight=ALPHA_GAN_RECONSTRUCTION_WEIGHT)
  raise ValueError(f"unknown row {row!r}: choose one of {list(rows)} (unrolled_gan<K>, "
                   f"pacgan<m> with other K, m too)")


def parse(argument: str, capacities: tuple[str, ...] | None) -> tuple[str, str | None, str]:
  """`<row>,<capacity>,[<data>]` (or `<row>[,<data>]` without `capacities`) -> its parts;
  ValueError naming the choices for anything else."""
  parts = argument.split(",")
  row, rest = parts[0], parts[1:]
  capacity = None
  if capacities is not None:
    if not rest or rest[0] not in capacities:
      raise ValueError(f"config argument {argument!r}: expected <row>,<capacity>[,<data>] with "
                       f"capacity one of {list(capacities)}")
    capacity, rest = rest[0], rest[1:]
  if len(rest) > 1:
    raise ValueError(f"config argument {argument!r}: too many parts")
  return row, capacity, rest[0] if rest else SETS[0]


def with_packs(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """A PacGAN row judges as many packs per batch as the GAN row judges examples: its batch
  holds m times the examples (configs/pacgan_ring.py `as_pacgan`)."""
  if config.method == "pacgan":
    config.train.batch_size *= config.loss.packing
  return config


def get_config(argument: str = "dcgan,quarter") -> ml_collections.ConfigDict:
  row, capacity, data = parse(argument, tuple(CAPACITIES))
  return with_packs(with_protocol(row_config(row, images.data(data, SETS)), capacity))
