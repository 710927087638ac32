"""Pieces shared by the experiment configs: the VEEGAN paper's mixtures, MLPs, optimizers.

Every config file is plain Python: `get_config()` returns an ml_collections.ConfigDict, and
any field can be overridden on the command line (`--config.train.steps=2000`).
"""

import ml_collections


def ring() -> dict:
  """8 Gaussians on a circle of radius 1 [VEEGAN, figure axes], std 0.01 [PacGAN's re-run]."""
  return dict(name="ring", num_modes=8, radius=1.0, std=0.01)


def grid() -> dict:
  """25 Gaussians at {-4, -2, 0, 2, 4}², std 0.05 [VEEGAN, Section 5.1]."""
  return dict(name="grid", size=5, spacing=2.0, std=0.05)


def mixture_1200d() -> dict:
  """10 Gaussians, each varying in its own 700 of 1200 coordinates [VEEGAN, Section 5.1];
  spread, std and the embedding are ours (aegan/data/mixtures.py): means ~ N(0, I), std 0.05."""
  return dict(name="mixture_1200d", num_modes=10, dim=1200, subspace_dim=700, spread=1.0,
              std=0.05, embed_seed=0)


def mlp(hidden: tuple[int, ...], activation: str = "relu") -> dict:
  return dict(hidden=hidden, activation=activation)


def adam(learning_rate: float, b1: float = 0.5, b2: float = 0.999, schedule: str = "constant",
         decay_steps: int | ml_collections.FieldReference = 0) -> dict:
  """Adam; β1 0.5 as in VEEGAN's code and DCGAN. `schedule` decays the rate to 0 over
  `decay_steps` updates ("cosine", "linear") or keeps it ("constant")."""
  return dict(name="adam", learning_rate=learning_rate, b1=b1, b2=b2, schedule=schedule,
              decay_steps=decay_steps)


def schedule(steps: int | ml_collections.FieldReference, batch_size: int, steps_per_call: int,
             log_every: int, eval_every: int, checkpoint_every: int,
             data_placement: str = "device", num_seeds: int = 1) -> dict:
  """The run-length sections: train, eval (VEEGAN's protocol: 2,500 samples, 3 std) and
  checkpoint. Cadences must be multiples of steps_per_call. `num_seeds` > 1 trains seeds
  seed, seed + 1, ... side by side in one process, vmapped (README, Seeds). `data_placement`: "device" keeps
  the training split on every device, drawn inside the step; "host" streams each call's
  records from the host (image sets with one record per example: cifar10, mnist, celeb_a,
  digits), for sets that should not occupy device memory (README, Images)."""
  return dict(
      train=dict(steps=steps, batch_size=batch_size, steps_per_call=steps_per_call,
                 log_every=log_every, data_placement=data_placement, num_seeds=num_seeds),
      eval=dict(every=eval_every, num_samples=2500, hq_threshold=3.0),
      checkpoint=dict(every=checkpoint_every, keep=3),
  )


def conv(width: int, batch_norm: bool = True, **fields) -> dict:
  """A DCGAN-family conv network (aegan/models/conv.py): channels width, 2·width, 4·width, ...
  at each x2 resolution step. Upsampling is sub-pixel conv by default, the fastest measured on
  XLA:CPU (3.9x transposed conv's speed at 32x32); downsampling DCGAN's strided conv, whose
  gradient is not slow there (README, Performance)."""
  return dict(kind="conv", width=width, batch_norm=batch_norm, **fields)


def code_discriminator() -> dict:
  """α-GAN's code discriminator: 3 hidden layers of 750 units, no BatchNorm [PAPERS.md §2, code]."""
  return dict(kind="mlp", hidden=(750, 750, 750), activation="leaky_relu")


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


def image_schedule(steps: int | ml_collections.FieldReference, batch_size: int = 64,
                   steps_per_call: int = 1, log_every: int = 100, eval_every: int = 5_000,
                   checkpoint_every: int = 5_000, eval_samples: int = 1_000,
                   data_placement: str = "device") -> dict:
  """Run-length sections for image experiments: `eval_samples` samples and held-out
  reconstructions per evaluation, generated `eval.batch_size` at a time; MS-SSIM diversity over
  1,000 random pairs of samples and of held-out images (α-GAN's protocol; PAPERS.md). One iteration per
  dispatch: conv layers inside a fused `lax.scan` loop run ~12x slower on XLA:CPU."""
  sections = schedule(steps, batch_size, steps_per_call, log_every, eval_every, checkpoint_every,
                      data_placement)
  sections["eval"] = dict(every=eval_every, num_samples=eval_samples, batch_size=250,
                          ms_ssim_pairs=1_000)
  return sections


def at_stacked_digits_scale(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
  """An image recipe scaled to the offline stacked_digits benchmark [ours]: conv networks of
  width 32 (generator 4x4x64 -> 8x8x32 -> 16x16x3; image-reading networks 32 -> 64 channels), a
  32-dimensional latent, batch 64, 5,000 iterations, and the final evaluation on 26,000 samples
  (VEEGAN's Stacked-MNIST protocol). benchmarks/stacked_digits.py trains the three methods for
  the same wall time and counts modes with a digit classifier."""
  config.model.latent_dim = 32
  for network in config.model.values():
    if isinstance(network, ml_collections.ConfigDict) and network.get("kind") == "conv":
      network.width = 32
  config.update(image_schedule(5_000, eval_every=1_000, checkpoint_every=1_000, eval_samples=26_000))
  return config
