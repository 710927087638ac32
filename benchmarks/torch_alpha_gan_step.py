"""Iterations/s of one α-GAN training iteration in PyTorch on this CPU, for comparison with
the JAX train step of configs/alpha_gan_cifar.py (benchmarks/step_throughput.py; both at once:
benchmarks/torch_compare.py).

Same networks as the JAX config (aegan/models/conv.py, aegan/models/mlp.py, width 64, latent
128, CIFAR 32x32x3), same phases and losses (aegan/methods/alpha_gan.py), batch 64, one Adam
(lr 2e-4, betas (0.5, 0.999)) per network. Data are synthetic (x ~ U[-1, 1], z ~ N(0, I)):
this measures compute only. BatchNorm is in training mode throughout (batch statistics, as
the JAX train step). Each phase computes gradients only with respect to the networks it
updates (the JAX step differentiates only those), written as benchmarks/torch_step.py says
(fused Adam, `torch.autograd.grad` per phase, no host synchronisation; `--compile`).

  python benchmarks/torch_alpha_gan_step.py --iterations=20 --threads=2
  python benchmarks/torch_alpha_gan_step.py --iterations=20 --threads=2 --bf16

PyTorch is not a dependency of this repository; install the CPU build next to it.
"""

import argparse
import contextlib

import torch
from torch import nn
import torch.nn.functional as F

from torch_dcgan_step import batch_norm, init_dcgan  # pylint: disable=import-error
from torch_step import Optimizers, add_arguments, compiled, time_iterations  # pylint: disable=import-error

LATENT = 128
WIDTH = 64
IMAGE = (3, 32, 32)  # NCHW here; the JAX models are NHWC (same shapes and parameter counts).


def _subpixel(cin: int, cout: int, bias: bool) -> nn.Sequential:
  """Conv 3x3 (SAME) to 4·cout channels, then depth-to-space x2."""
  return nn.Sequential(nn.Conv2d(cin, 4 * cout, 3, padding=1, bias=bias), nn.PixelShuffle(2))


class Generator(nn.Module):
  """z [B, 128] -> Dense(4·4·256, no bias) -> BN -> ReLU -> 2 x [subpixel, BN, ReLU] ->
  subpixel(3, bias) -> tanh: 4x4x256 -> 8x8x128 -> 16x16x64 -> 32x32x3."""

  def __init__(self):
    super().__init__()
    self.base = 4 * WIDTH
    self.dense = nn.Linear(LATENT, 4 * 4 * self.base, bias=False)
    self.bn0 = batch_norm(self.base)
    self.body = nn.Sequential(
        _subpixel(4 * WIDTH, 2 * WIDTH, bias=False), batch_norm(2 * WIDTH), nn.ReLU(),
        _subpixel(2 * WIDTH, WIDTH, bias=False), batch_norm(WIDTH), nn.ReLU(),
        _subpixel(WIDTH, IMAGE[0], bias=True))
    init_dcgan(self)

  def forward(self, z: torch.Tensor) -> torch.Tensor:
    h = self.dense(z).reshape(z.shape[0], self.base, 4, 4)
    h = F.relu(self.bn0(h))
    return torch.tanh(self.body(h).float())


def _trunk() -> nn.Sequential:
  """Conv 4x4 s2 (SAME = pad 1 at these sizes): 32 -> 16 -> 8 -> 4; 64, 128, 256 channels;
  LeakyReLU(0.2); BN (and no conv bias) on every stage but the first."""
  return nn.Sequential(
      nn.Conv2d(IMAGE[0], WIDTH, 4, stride=2, padding=1, bias=True), nn.LeakyReLU(0.2),
      nn.Conv2d(WIDTH, 2 * WIDTH, 4, stride=2, padding=1, bias=False), batch_norm(2 * WIDTH),
      nn.LeakyReLU(0.2),
      nn.Conv2d(2 * WIDTH, 4 * WIDTH, 4, stride=2, padding=1, bias=False), batch_norm(4 * WIDTH),
      nn.LeakyReLU(0.2),
      nn.Flatten())


class Encoder(nn.Module):
  def __init__(self):
    super().__init__()
    self.trunk = _trunk()
    self.head = nn.Linear(4 * 4 * 4 * WIDTH, LATENT)
    init_dcgan(self)

  def forward(self, x: torch.Tensor) -> torch.Tensor:
    return self.head(self.trunk(x)).float()


class Discriminator(nn.Module):
  def __init__(self):
    super().__init__()
    self.trunk = _trunk()
    self.head = nn.Linear(4 * 4 * 4 * WIDTH, 1)
    init_dcgan(self)

  def forward(self, x: torch.Tensor) -> torch.Tensor:
    return self.head(self.trunk(x))[:, 0].float()


class CodeDiscriminator(nn.Module):
  """MLP 128 -> 750 -> 750 -> 750 -> 1, LeakyReLU(0.01) (flax's default slope), no BN.
  (Initialisation: PyTorch's default; flax's is lecun-normal. Irrelevant to speed.)"""

  def __init__(self):
    super().__init__()
    layers, cin = [], LATENT
    for width in (750, 750, 750):
      layers += [nn.Linear(cin, width), nn.LeakyReLU(0.01)]
      cin = width
    layers.append(nn.Linear(cin, 1))
    self.mlp = nn.Sequential(*layers)

  def forward(self, z: torch.Tensor) -> torch.Tensor:
    return self.mlp(z)[:, 0].float()


def count(module: nn.Module) -> tuple[int, int]:
  """(trainable parameters, BN running statistics)."""
  params = sum(p.numel() for p in module.parameters())
  stats = sum(b.numel() for name, b in module.named_buffers() if "running" in name)
  return params, stats


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--batch", type=int, default=64)
  parser.add_argument("--generator_updates", type=int, default=2)
  parser.add_argument("--reconstruction_weight", type=float, default=0.01)
  parser.add_argument("--bf16", action="store_true",
                      help='Forward passes under torch.autocast("cpu", dtype=torch.bfloat16).')
  add_arguments(parser, iterations=20, warmup=3)
  args = parser.parse_args()

  torch.set_num_threads(args.threads)
  torch.manual_seed(args.seed)
  nets = {"encoder": Encoder(), "generator": Generator(), "discriminator": Discriminator(),
          "code_discriminator": CodeDiscriminator()}
  print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{'compiled' if args.compile else f'eager, {args.adam} Adam'}, batch {args.batch}, "
        f"{'bfloat16 autocast' if args.bf16 else 'float32'}")
  total = 0
  for name, net in nets.items():
    params, stats = count(net)
    total += params
    print(f"  {name:18s} {params:10,d} parameters (+ {stats:,d} BN running statistics)")
  print(f"  {'total':18s} {total:10,d} parameters")
  adam = {"learning_rate": 2e-4, "b1": 0.5, "b2": 0.999}
  optimizers = Optimizers(nets, {name: adam for name in nets}, 1, {}, args.adam, args.compile)
  nets = compiled(nets, args.compile)
  E, G, D, C = (nets[k] for k in ("encoder", "generator", "discriminator", "code_discriminator"))

  def autocast():
    return (torch.autocast("cpu", dtype=torch.bfloat16) if args.bf16
            else contextlib.nullcontext())

  def batch():
    x = torch.rand((args.batch,) + IMAGE) * 2 - 1
    z = torch.randn(args.batch, LATENT)
    return x, z

  sp = F.softplus
  w = args.reconstruction_weight

  def iteration():
    # (1) Data discriminator: -log D(x) - log(1 - D(G(E(x)))) - log(1 - D(G(z))).
    x, z = batch()
    with autocast():
      with torch.no_grad():
        z_hat = E(x)
        x_rec, x_gen = G(z_hat), G(z)
      loss_d = sp(-D(x)).mean() + sp(D(x_rec)).mean() + sp(D(x_gen)).mean()
    optimizers.update(loss_d, "discriminator")
    # (2) Code discriminator: -log C(z) - log(1 - C(E(x))), on the codes of the same batch.
    with autocast():
      loss_c = sp(-C(z)).mean() + sp(C(z_hat)).mean()
    optimizers.update(loss_c, "code_discriminator")
    # (3) Encoder and generator together, generator_updates times, each on fresh data.
    for _ in range(args.generator_updates):
      x, z = batch()
      with autocast():
        z_hat = E(x)
        x_rec = G(z_hat)
        reconstruction = (x - x_rec).abs().flatten(1).sum(1).mean()
        loss = (w * reconstruction + sp(-C(z_hat)).mean()
                + sp(-D(G(z_hat.detach()))).mean() + sp(-D(G(z))).mean())
      optimizers.update(loss, "encoder", "generator")
    return loss_d.detach(), loss_c.detach(), loss.detach()

  time_iterations(iteration, args.warmup, args.repeats, args.iterations, "D, C, E+G")


if __name__ == "__main__":
  main()
