"""Iterations/s of one training iteration of an MLP VEEGAN or GAN config in PyTorch on this CPU,
for comparison with the JAX train step (benchmarks/step_throughput.py; both at once:
benchmarks/torch_compare.py).

The iteration of aegan/methods/veegan.py or aegan/methods/gan.py with the config's sizes:
networks (aegan/models/mlp.py: Dense layers with flax's lecun-normal kernels and zero biases,
the config's activation, BatchNorm if the config asks), batch, losses and update order:
  1. discriminator, `loss.discriminator_updates` times, each on fresh draws of (x, z, ...):
     VEEGAN: -E[log σ(D(G(z, ε_G), z))] - E[log(1 - σ(D(x, F(x) + σε)))];
     GAN:    -E[log σ(D(x))] - E[log(1 - σ(D(G(z))))];
  2. generator (VEEGAN: and reconstructor, one loss) on the first update's draws, GAN's
     `loss.generator_updates` times:
     VEEGAN: E[D(G(z), z)] (the log-ratio form) + d(z, F(G(z))); GAN: the config's form.
Each phase differentiates only the networks it updates, and each network has its own Adam
(the config's rate, β1, β2) with the config's schedule (cosine/linear over train.steps);
benchmarks/torch_step.py says how the step is written (fused Adam, `torch.autograd.grad` per
phase, no host synchronisation; `--compile` for torch.compile). x is drawn from the config's
mixture (ring, grid; other data: Gaussian vectors of the data's size), the noise with one
torch.randn (GAN's uniform prior: torch.rand) per array. Not done here: the JAX step's
finiteness check of every loss and gradient (aegan/nonfinite.py).

  python benchmarks/torch_veegan_step.py --config=configs/veegan_ring.py --threads=2
  python benchmarks/torch_veegan_step.py --config=configs/gan_grid.py --iterations=500 --compile

PyTorch is not a dependency of this repository; install the CPU build next to it
(`pip install torch`).
"""

import argparse
import importlib.util
import math
import os
import sys

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from torch_step import PRIORS, Optimizers, add_arguments, compiled, time_iterations  # pylint: disable=import-error

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

ACTIVATIONS = {"relu": F.relu, "leaky_relu": lambda h: F.leaky_relu(h, 0.01), "elu": F.elu,
               "tanh": torch.tanh, "gelu": lambda h: F.gelu(h, approximate="tanh")}


def load_config(path: str):
  """The config of a config file, `path` or `path:argument` (as launch/main.py's --config)."""
  path, _, argument = path.partition(":")
  spec = importlib.util.spec_from_file_location("benchmark_config", path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.get_config(argument) if argument else module.get_config()


class MLP(nn.Module):
  """[Linear -> (BatchNorm1d) -> activation] * len(hidden) -> Linear, on concatenated inputs."""

  def __init__(self, inputs: int, hidden, outputs: int, activation: str, batch_norm: bool):
    super().__init__()
    self.layers, self.norms = nn.ModuleList(), nn.ModuleList()
    for width in hidden:
      self.layers.append(nn.Linear(inputs, width, bias=not batch_norm))
      if batch_norm:  # flax momentum 0.9 == torch momentum 0.1.
        self.norms.append(nn.BatchNorm1d(width, eps=1e-5, momentum=0.1))
      inputs = width
    self.out = nn.Linear(inputs, outputs)
    self.activation = ACTIVATIONS[activation]
    for layer in [*self.layers, self.out]:  # flax's lecun_normal: truncated N, variance 1/fan_in.
      std = math.sqrt(1.0 / layer.in_features) / 0.87962566103423978
      nn.init.trunc_normal_(layer.weight, 0.0, std, -2 * std, 2 * std)
      if layer.bias is not None:
        nn.init.zeros_(layer.bias)

  def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
    h = torch.cat(inputs, dim=1)
    for i, layer in enumerate(self.layers):
      h = layer(h)
      if self.norms:
        h = self.norms[i](h)
      h = self.activation(h)
    return self.out(h)


def mlp(section, inputs: int, outputs: int) -> MLP:
  return MLP(inputs, tuple(section.hidden), outputs, section.activation,
             section.get("batch_norm", False))


def mixture_means(data) -> np.ndarray | None:
  """The ring's or grid's mode centres (aegan/data/mixtures.py); None for other data."""
  if data.name == "ring":
    angles = 2 * np.pi * np.arange(data.num_modes) / data.num_modes
    return data.radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
  if data.name == "grid":
    axis = data.spacing * (np.arange(data.size) - (data.size - 1) / 2)
    return np.stack(np.meshgrid(axis, axis, indexing="ij"), -1).reshape(-1, 2)
  return None


class Step:
  """One iteration of the config's method, in PyTorch."""

  def __init__(self, config, data_dim: int, batch: int, adam: str = "fused", compile_step: bool = False):
    self.config, self.batch, self.data_dim = config, batch, data_dim
    model, loss = config.model, config.loss
    self.veegan = config.method == "veegan"
    if config.method not in ("veegan", "gan"):
      raise SystemExit(f"{config.method}: this benchmark runs MLP VEEGAN and GAN configs")
    if any(section.get("kind", "mlp") != "mlp" for section in model.values()
           if hasattr(section, "get")):
      raise SystemExit("this benchmark runs MLP networks only")
    latent = model.latent_dim
    self.updates = loss.get("discriminator_updates", 1)
    self.generator_updates = 1 if self.veegan else loss.get("generator_updates", 1)
    self.prior = PRIORS[model.get("prior", "normal")]
    if self.veegan:
      self.noise_dim = model.generator_noise_dim
      self.nets = {"generator": mlp(model.generator, latent + self.noise_dim, data_dim),
                   "reconstructor": mlp(model.reconstructor, data_dim, latent),
                   "discriminator": mlp(model.discriminator, data_dim + latent, 1)}
    else:
      self.nets = {"generator": mlp(model.generator, latent, data_dim),
                   "discriminator": mlp(model.discriminator, data_dim, 1)}
    self.optimizers = Optimizers(self.nets, config.optimizer, config.train.steps,
                                 {"discriminator": self.updates, "generator": self.generator_updates},
                                 adam, compile_step)
    self.nets = compiled(self.nets, compile_step)
    means = mixture_means(config.data)
    self.means = None if means is None else torch.tensor(means, dtype=torch.float32)
    self.std = config.data.get("std", 1.0)

  def draw(self) -> dict[str, torch.Tensor]:
    latent = self.config.model.latent_dim
    if self.means is None:
      x = torch.randn(self.batch, self.data_dim)
    else:
      modes = torch.randint(0, self.means.shape[0], (self.batch,))
      x = self.means[modes] + self.std * torch.randn(self.batch, self.data_dim)
    draws = {"x": x, "z": self.prior(self.batch, latent)}
    if self.veegan:
      draws["generator_noise"] = torch.randn(self.batch, self.noise_dim)
      draws["eps"] = torch.randn(self.batch, latent)
    return draws

  def discriminator_loss(self, b) -> torch.Tensor:
    G, D = self.nets["generator"], self.nets["discriminator"]
    if self.veegan:
      F_ = self.nets["reconstructor"]
      with torch.no_grad():  # This phase updates D alone.
        x_gen = G(b["z"], b["generator_noise"])
        z_posterior = F_(b["x"]) + self.config.loss.reconstructor_noise_std * b["eps"]
      return F.softplus(-D(x_gen, b["z"])).mean() + F.softplus(D(b["x"], z_posterior)).mean()
    with torch.no_grad():
      x_gen = G(b["z"])
    return F.softplus(-D(b["x"])).mean() + F.softplus(D(x_gen)).mean()

  def generator_loss(self, b) -> torch.Tensor:
    G, D = self.nets["generator"], self.nets["discriminator"]
    form = self.config.loss.adversarial_form
    if self.veegan:
      x_gen = G(b["z"], b["generator_noise"])
      fake = -D(x_gen, b["z"])[:, 0]
      difference = b["z"] - self.nets["reconstructor"](x_gen)
      error = difference.square().sum(1).mean()
      if self.config.loss.reconstruction == "l1":
        error = difference.abs().sum(1).mean()
      elif self.config.loss.reconstruction == "gaussian_nll":
        error = 0.5 * error + 0.5 * b["z"].shape[1] * math.log(2 * math.pi)
    else:
      fake, error = D(G(b["z"]))[:, 0], 0.0
    adversarial = {"log_ratio": -fake.mean(), "non_saturating": F.softplus(-fake).mean(),
                   "minimax": -F.softplus(fake).mean()}[form]
    return adversarial + error

  def __call__(self) -> tuple[torch.Tensor, torch.Tensor]:
    """One iteration; the last discriminator loss and the last generator loss."""
    first = None
    for _ in range(self.updates):
      draws = self.draw()
      first = draws if first is None else first
      loss_d = self.discriminator_loss(draws)
      self.optimizers.update(loss_d, "discriminator")
    trained = ("generator", "reconstructor") if self.veegan else ("generator",)
    for _ in range(self.generator_updates):
      loss_g = self.generator_loss(first)
      self.optimizers.update(loss_g, *trained)
    return loss_d.detach(), loss_g.detach()


def data_dim(config) -> int:
  if config.data.name in ("ring", "grid"):
    return 2
  if "dim" in config.data:
    return config.data.dim
  raise SystemExit(f"{config.data.name}: this benchmark runs vector data (ring, grid, mixture_1200d)")



def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--config", default=os.path.join(REPO, "configs", "veegan_ring.py"))
  parser.add_argument("--batch", type=int, default=None, help="Default: the config's.")
  add_arguments(parser, iterations=1000, warmup=20)
  args = parser.parse_args()

  torch.set_num_threads(args.threads)
  torch.manual_seed(args.seed)
  config = load_config(args.config)
  step = Step(config, data_dim(config), args.batch or config.train.batch_size, args.adam, args.compile)
  params = sum(p.numel() for net in step.nets.values() for p in net.parameters())
  print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{'compiled' if args.compile else f'eager, {args.adam} Adam'}: {config.method} on "
        f"{config.data.name}, batch {step.batch}, {step.updates} discriminator update(s), "
        f"{params:,d} parameters")
  time_iterations(step, args.warmup, args.repeats, args.iterations, "D, G")


if __name__ == "__main__":
  main()
