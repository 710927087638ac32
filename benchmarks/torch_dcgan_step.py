"""Iterations/s of one training iteration of a conv GAN or PacGAN config (configs/dcgan_*.py,
the Stacked-MNIST protocols' `configs/stacked_m.py:dcgan,quarter`, `stacked_v.py:pacgan2`, ...)
in PyTorch on this CPU, for comparison with the JAX train step (benchmarks/step_throughput.py;
both at once: benchmarks/torch_compare.py).

The networks are built from the config's own sections as aegan/models/conv.py builds them (NCHW
here, NHWC in JAX: the same shapes and parameter counts): the generator Dense -> b x b x
width·2^s -> BN -> ReLU -> x2 stages (`upsample`: sub-pixel conv + pixel shuffle, transposed
conv, or nearest resize + conv; `kernel`, `base_size`, `output_kernel` as the config says, an
overshooting odd side cropped) -> tanh; the discriminator's trunk of stride-2 convs with
TensorFlow's SAME padding (width, 2·width, ... down to `final_size`; LeakyReLU of the config's
slope; BN but on the first unless `first_batch_norm`) -> Dense(1). Kernels N(0, 0.02²); a layer
followed by BN has no bias. The iteration of aegan/methods/gan.py (pacgan.py: the discriminator
on packs of m examples along channels): `loss.discriminator_updates` discriminator updates,
-E[log σ(D(x))] - E[log(1 - σ(D(G(z))))], each on fresh draws, then `loss.generator_updates`
generator updates of the non-saturating -E[log σ(D(G(z)))] on the first draws' z; z from the
config's prior; Adam per network with the config's rates, betas and schedules, written as
benchmarks/torch_step.py says (fused Adam, `torch.autograd.grad` per phase, no host
synchronisation; `--compile`). Data are synthetic (x ~ U[-1, 1]): this measures compute only.

  python benchmarks/torch_dcgan_step.py --config=configs/dcgan_stacked_digits.py --threads=2
  python benchmarks/torch_dcgan_step.py --config=configs/stacked_m.py:dcgan,quarter --compile

PyTorch is not a dependency of this repository; install the CPU build next to it.
"""

import argparse
import os

import torch
from torch import nn
import torch.nn.functional as F

from torch_step import PRIORS, Optimizers, add_arguments, compiled, time_iterations  # pylint: disable=import-error
from torch_veegan_step import REPO, load_config  # pylint: disable=import-error

IMAGE_SHAPES = {"cifar10": (32, 32, 3), "mnist": (28, 28, 1), "stacked_mnist": (28, 28, 3),
                "stacked_mnist5k": (28, 28, 3), "color_mnist": (28, 28, 3),
                "color_mnist5k": (28, 28, 3), "celeb_a": (64, 64, 3)}
DEFAULT_KERNELS = {"transposed": 4, "resize": 3, "subpixel": 3, "strided": 4}  # aegan/models/conv.py


def image_shape(data) -> tuple[int, int, int]:
  """(H, W, C) of the config's images."""
  if data.name == "stacked_digits":
    return (data.image_size, data.image_size, 3)
  if data.name not in IMAGE_SHAPES:
    raise SystemExit(f"{data.name}: unknown image size")
  return IMAGE_SHAPES[data.name]


def init_dcgan(module: nn.Module) -> None:
  """Conv and dense kernels N(0, 0.02²), biases zero, BN scale one (aegan/models/conv.py)."""
  for m in module.modules():
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
      nn.init.normal_(m.weight, 0.0, 0.02)
      if m.bias is not None:
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm2d):
      nn.init.ones_(m.weight)
      nn.init.zeros_(m.bias)


def batch_norm(channels: int) -> nn.BatchNorm2d:
  return nn.BatchNorm2d(channels, eps=1e-5, momentum=0.1)  # flax momentum 0.9 == torch 0.1.


class SameConv(nn.Module):
  """Conv k x k with TensorFlow's SAME padding (extra padding after, as TensorFlow puts it)."""

  def __init__(self, cin: int, cout: int, kernel: int, stride: int, bias: bool):
    super().__init__()
    self.kernel, self.stride = kernel, stride
    self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, bias=bias)

  def forward(self, x: torch.Tensor) -> torch.Tensor:
    side = x.shape[-1]
    total = max((-(-side // self.stride) - 1) * self.stride + self.kernel - side, 0)
    return self.conv(F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2)))


class Upsample(nn.Module):
  """A x2 stage to `side` x `side` (aegan/models/conv.py's `UPSAMPLING`), cropping the first
  rows and columns of an overshoot."""

  def __init__(self, kind: str, cin: int, cout: int, kernel: int, bias: bool, side: int):
    super().__init__()
    self.side, self.kind = side, kind
    if kind == "subpixel":
      self.layer = nn.Sequential(SameConv(cin, 4 * cout, kernel, 1, bias), nn.PixelShuffle(2))
    elif kind == "transposed":  # Output 2n, as SAME: (n - 1)·2 - 2p + k + output_padding.
      padding = (kernel - 1) // 2
      self.layer = nn.ConvTranspose2d(cin, cout, kernel, stride=2, padding=padding,
                                      output_padding=2 - kernel + 2 * padding, bias=bias)
    elif kind == "resize":
      self.layer = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                 SameConv(cin, cout, kernel, 1, bias))
    else:
      raise SystemExit(f"upsample {kind!r}: this benchmark runs subpixel, transposed and resize")

  def forward(self, x: torch.Tensor) -> torch.Tensor:
    h = self.layer(x)
    return h[:, :, h.shape[2] - self.side:, h.shape[3] - self.side:]


def generator_sides(height: int, base_size: int | None) -> list[int]:
  """H, ⌈H/2⌉, ... down to the base side, reversed (aegan/models/conv.py `generator_sides`)."""
  base, sides = base_size or (7 if height % 7 == 0 else 4), [height]
  while sides[-1] > base:
    sides.append(-(-sides[-1] // 2))
  return sides[::-1]


class Generator(nn.Module):
  def __init__(self, section, latent: int, shape: tuple[int, int, int]):
    super().__init__()
    height, _, channels = shape
    normed, width = section.get("batch_norm", True), section.width
    kind = section.get("upsample", "subpixel")
    kernel, output_kernel = section.get("kernel") or DEFAULT_KERNELS[kind], section.get("output_kernel")
    sides = generator_sides(height, section.get("base_size"))
    hidden = len(sides) - 1 if output_kernel else len(sides) - 2
    self.base, self.channels = sides[0], width * 2 ** hidden
    self.dense = nn.Linear(latent, self.base ** 2 * self.channels, bias=not normed)
    layers, cin = [batch_norm(self.channels) if normed else nn.Identity(), nn.ReLU()], self.channels
    for i in range(hidden):
      cout = width * 2 ** (hidden - 1 - i)
      layers += [Upsample(kind, cin, cout, kernel, not normed, sides[i + 1]),
                 batch_norm(cout) if normed else nn.Identity(), nn.ReLU()]
      cin = cout
    layers.append(SameConv(cin, channels, output_kernel, 1, True) if output_kernel
                  else Upsample(kind, cin, channels, kernel, True, height))
    self.body = nn.Sequential(*layers, nn.Tanh())
    init_dcgan(self)

  def forward(self, z: torch.Tensor) -> torch.Tensor:
    return self.body(self.dense(z).reshape(z.shape[0], self.channels, self.base, self.base))


class Discriminator(nn.Module):
  def __init__(self, section, shape: tuple[int, int, int], packing: int = 1):
    super().__init__()
    if section.get("downsample", "strided") != "strided":
      raise SystemExit("this benchmark runs strided-conv discriminators")
    size, _, cin = shape
    cin *= packing
    kernel = section.get("kernel") or DEFAULT_KERNELS["strided"]
    normed, slope = section.get("batch_norm", True), section.get("negative_slope", 0.2)
    layers, stage = [], 0
    while size > section.get("final_size", 4):
      cout = section.width * 2 ** stage
      norm = normed and (stage > 0 or section.get("first_batch_norm", False))
      layers += [SameConv(cin, cout, kernel, 2, not norm)]
      layers += [batch_norm(cout)] if norm else []
      layers += [nn.LeakyReLU(slope)]
      cin, size, stage = cout, -(-size // 2), stage + 1
    self.trunk = nn.Sequential(*layers, nn.Flatten())
    self.head = nn.Linear(cin * size * size, 1)
    init_dcgan(self)

  def forward(self, x: torch.Tensor) -> torch.Tensor:
    return self.head(self.trunk(x))[:, 0]


def pack(x: torch.Tensor, packing: int) -> torch.Tensor:
  """[B, C, H, W] -> [B / m, m·C, H, W]: m consecutive examples along channels."""
  return x.reshape(x.shape[0] // packing, packing * x.shape[1], *x.shape[2:])


class Step:
  """One iteration of the config's GAN or PacGAN, in PyTorch."""

  def __init__(self, config, adam: str = "fused", compile_step: bool = False):
    model, loss = config.model, config.loss
    if config.method not in ("gan", "pacgan"):
      raise SystemExit(f"{config.method}: this benchmark runs conv GAN and PacGAN configs")
    self.shape, self.latent, self.batch = image_shape(config.data), model.latent_dim, config.train.batch_size
    self.packing = loss.get("packing", 1)
    self.updates = loss.get("discriminator_updates", 1)
    self.generator_updates = loss.get("generator_updates", 1)
    self.prior = PRIORS[model.get("prior", "normal")]
    nets = {"generator": Generator(model.generator, self.latent, self.shape),
            "discriminator": Discriminator(model.discriminator, self.shape, self.packing)}
    self.optimizers = Optimizers(nets, config.optimizer, config.train.steps,
                                 {"discriminator": self.updates, "generator": self.generator_updates},
                                 adam, compile_step)
    self.nets = compiled(nets, compile_step)

  def __call__(self) -> tuple[torch.Tensor, torch.Tensor]:
    """`updates` discriminator updates, each on fresh draws, then the generator's on the first
    draws' z; the last discriminator loss and the last generator loss."""
    G, D = self.nets["generator"], self.nets["discriminator"]
    height, width, channels = self.shape
    first = None
    for _ in range(self.updates):
      x = torch.rand((self.batch, channels, height, width)) * 2 - 1
      z = self.prior(self.batch, self.latent)
      first = z if first is None else first
      with torch.no_grad():  # This phase updates D alone.
        x_gen = G(z)
      loss_d = (F.softplus(-D(pack(x, self.packing))).mean()
                + F.softplus(D(pack(x_gen, self.packing))).mean())
      self.optimizers.update(loss_d, "discriminator")
    for _ in range(self.generator_updates):
      loss_g = F.softplus(-D(pack(G(first), self.packing))).mean()
      self.optimizers.update(loss_g, "generator")
    return loss_d.detach(), loss_g.detach()


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--config", default=os.path.join(REPO, "configs", "dcgan_stacked_digits.py"),
                      help="A config file, with its argument after ':' where it takes one.")
  add_arguments(parser, iterations=50, warmup=3)
  args = parser.parse_args()

  torch.set_num_threads(args.threads)
  torch.manual_seed(args.seed)
  config = load_config(args.config)
  step = Step(config, args.adam, args.compile)
  params = {name: sum(p.numel() for p in net.parameters()) for name, net in step.nets.items()}
  print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{'compiled' if args.compile else f'eager, {args.adam} Adam'}: {config.method} on "
        f"{config.data.name} {step.shape}, batch {step.batch}, packing {step.packing}, "
        f"G {params['generator']:,d} and D {params['discriminator']:,d} parameters")
  time_iterations(step, args.warmup, args.repeats, args.iterations, "D, G")


if __name__ == "__main__":
  main()
