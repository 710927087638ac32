"""Iterations/s of one training iteration of a conv GAN config (DCGAN: configs/dcgan_*.py) in
PyTorch on this CPU, for comparison with the JAX train step (benchmarks/step_throughput.py; both
at once: benchmarks/torch_compare.py).

The networks of aegan/models/conv.py at the config's width, latent size and image size (NCHW
here, NHWC in JAX: the same shapes and parameter counts): the generator Dense -> b x b x
width·2^(S-1) -> BN -> ReLU -> sub-pixel x2 stages (conv 3x3 to 4C channels, depth-to-space) with
BN + ReLU -> the last stage to the image channels -> tanh; the discriminator 4x4 stride-2 convs
(width, 2·width, ...; LeakyReLU 0.2; BN but on the first) down to 4x4 -> Dense(1). Kernels
N(0, 0.02²). The iteration of aegan/methods/gan.py: `loss.discriminator_updates` discriminator
updates, -E[log σ(D(x))] - E[log(1 - σ(D(G(z))))], each on fresh draws, then the generator's
non-saturating -E[log σ(D(G(z)))] on the first draws; BatchNorm in training mode throughout;
each phase differentiates only its network; Adam per network with the config's rate and betas.
Data are synthetic (x ~ U[-1, 1]): this measures compute only.

  python benchmarks/torch_dcgan_step.py --config=configs/dcgan_stacked_digits.py --threads=2

PyTorch is not a dependency of this repository; install the CPU build next to it.
"""

import argparse
import functools
import math
import os

import torch
from torch import nn
import torch.nn.functional as F

from torch_alpha_gan_step import _init_dcgan  # pylint: disable=import-error
from torch_veegan_step import REPO, load_config, schedule, time_iterations  # pylint: disable=import-error

IMAGE_SHAPES = {"stacked_digits": None, "cifar10": (32, 32, 3), "mnist": (28, 28, 1),
                "stacked_mnist": (28, 28, 3), "color_mnist": (28, 28, 3), "celeb_a": (64, 64, 3)}


def image_shape(data) -> tuple[int, int, int]:
  if data.name == "stacked_digits":
    return (data.image_size, data.image_size, 3)
  if data.name not in IMAGE_SHAPES:
    raise SystemExit(f"{data.name}: unknown image size")
  return IMAGE_SHAPES[data.name]


class Generator(nn.Module):
  def __init__(self, latent: int, width: int, shape: tuple[int, int, int], batch_norm: bool):
    super().__init__()
    height, _, channels = shape
    self.base = 7 if height % 7 == 0 else 4
    stages = int(math.log2(height // self.base))
    self.channels = width * 2 ** (stages - 1)
    self.dense = nn.Linear(latent, self.base * self.base * self.channels, bias=not batch_norm)
    cin = self.channels
    layers = [nn.BatchNorm2d(cin) if batch_norm else nn.Identity(), nn.ReLU()]
    for i in range(stages - 1):
      cout = width * 2 ** (stages - 2 - i)
      layers += [nn.Conv2d(cin, 4 * cout, 3, padding=1, bias=not batch_norm), nn.PixelShuffle(2),
                 nn.BatchNorm2d(cout) if batch_norm else nn.Identity(), nn.ReLU()]
      cin = cout
    layers += [nn.Conv2d(cin, 4 * channels, 3, padding=1), nn.PixelShuffle(2), nn.Tanh()]
    self.body = nn.Sequential(*layers)
    _init_dcgan(self)

  def forward(self, z: torch.Tensor) -> torch.Tensor:
    return self.body(self.dense(z).reshape(z.shape[0], self.channels, self.base, self.base))


class Discriminator(nn.Module):
  def __init__(self, width: int, shape: tuple[int, int, int], batch_norm: bool):
    super().__init__()
    size, _, cin = shape
    layers, stage = [], 0
    while size > 4:
      cout = width * 2 ** stage
      normed = batch_norm and stage > 0
      layers += [nn.Conv2d(cin, cout, 4, stride=2, padding=1, bias=not normed)]
      layers += [nn.BatchNorm2d(cout)] if normed else []
      layers += [nn.LeakyReLU(0.2)]
      cin, size, stage = cout, (size + 1) // 2, stage + 1
    self.trunk = nn.Sequential(*layers, nn.Flatten())
    self.head = nn.Linear(cin * size * size, 1)
    _init_dcgan(self)

  def forward(self, x: torch.Tensor) -> torch.Tensor:
    return self.head(self.trunk(x))[:, 0]


def gan_iteration(nets: dict[str, nn.Module], opts: dict, schedulers: dict, updates: int,
                  batch: int, shape: tuple[int, int, int], latent_dim: int) -> tuple[float, float]:
  """One iteration of aegan/methods/gan.py (module docstring): `updates` discriminator updates,
  each on fresh draws (x, then z), then the generator's on the first draws' z; the last
  discriminator loss and the generator loss."""
  G, D = nets["generator"], nets["discriminator"]

  def only(name: str) -> None:
    for other, net in nets.items():
      net.requires_grad_(other == name)
    opts[name].zero_grad(set_to_none=True)

  first = None
  for _ in range(updates):
    x = torch.rand((batch, shape[2], shape[0], shape[1])) * 2 - 1
    z = torch.randn(batch, latent_dim)
    first = z if first is None else first
    only("discriminator")
    with torch.no_grad():
      x_gen = G(z)
    loss_d = F.softplus(-D(x)).mean() + F.softplus(D(x_gen)).mean()
    loss_d.backward()
    opts["discriminator"].step()
    schedulers["discriminator"].step()
  only("generator")
  loss_g = F.softplus(-D(G(first))).mean()
  loss_g.backward()
  opts["generator"].step()
  schedulers["generator"].step()
  return loss_d.item(), loss_g.item()


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--config", default=os.path.join(REPO, "configs", "dcgan_stacked_digits.py"))
  parser.add_argument("--iterations", type=int, default=50, help="Iterations timed per repeat.")
  parser.add_argument("--repeats", type=int, default=3, help="Timed repeats; the best is kept.")
  parser.add_argument("--warmup", type=int, default=3, help="Untimed iterations first.")
  parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads.")
  parser.add_argument("--seed", type=int, default=0)
  args = parser.parse_args()

  torch.set_num_threads(args.threads)
  torch.manual_seed(args.seed)
  config = load_config(args.config)
  model = config.model
  if config.method != "gan" or model.generator.get("upsample", "subpixel") != "subpixel" or \
      model.discriminator.get("downsample", "strided") != "strided":
    raise SystemExit("this benchmark runs conv GAN configs with sub-pixel upsampling and strided downsampling")
  shape = image_shape(config.data)
  G = Generator(model.latent_dim, model.generator.width, shape, model.generator.batch_norm)
  D = Discriminator(model.discriminator.width, shape, model.discriminator.batch_norm)
  nets = {"generator": G.train(), "discriminator": D.train()}
  updates = config.loss.get("discriminator_updates", 1)
  opts, schedulers = {}, {}
  for name, net in nets.items():
    section = config.optimizer[name]
    opts[name] = torch.optim.Adam(net.parameters(), lr=section.learning_rate, betas=(section.b1, section.b2))
    schedulers[name] = torch.optim.lr_scheduler.LambdaLR(
        opts[name], schedule(section, config.train.steps, updates if name == "discriminator" else 1))
  batch = config.train.batch_size

  params = sum(p.numel() for net in nets.values() for p in net.parameters())
  print(f"torch {torch.__version__}, {torch.get_num_threads()} threads: gan on {config.data.name} "
        f"{shape}, width {model.generator.width}, batch {batch}, {params:,d} parameters")
  iteration = functools.partial(gan_iteration, nets, opts, schedulers, updates, batch, shape,
                                model.latent_dim)
  time_iterations(iteration, args.warmup, args.repeats, args.iterations, "D, G")


if __name__ == "__main__":
  main()
