"""What the PyTorch twins of the JAX train step share (benchmarks/torch_veegan_step.py,
torch_dcgan_step.py, torch_alpha_gan_step.py), written the way PyTorch's own guides write a
training step on a CPU:

- Adam from torch.optim, `fused=True` by default (one kernel per step over all of a network's
  parameters; CPU builds since PyTorch 2.4), or `--adam=foreach` (multi-tensor);
- each phase's gradients by `torch.autograd.grad` with respect to the networks it updates only:
  the other networks' weight gradients are never computed, and nothing toggles `requires_grad_`;
- a decaying schedule written into each optimizer's rate in place at every update (no
  LRScheduler objects; under `--compile` the rate is a tensor, so a new rate does not recompile);
- no host synchronisation inside the loop: the losses stay tensors until a timed round ends;
- `--compile`: every network through `torch.compile`, and each optimizer's step through
  `torch.compile` (PyTorch's compiled-optimizer recipe: the for-loop Adam with a tensor rate,
  which inductor fuses into one kernel); the warm-up iterations pay the compilation.

Each script prints one line per timed round and, last, `best: <rate> it/s, median: <rate> it/s`,
which benchmarks/torch_compare.py reads.
"""

import argparse
import math
import statistics
import time
from collections.abc import Callable, Mapping

import torch
from torch import nn


# config.model.prior -> (batch, size) -> z, as aegan/methods/gan.py's PRIORS draw it.
PRIORS = {"normal": torch.randn, "uniform": lambda *shape: torch.rand(*shape) * 2 - 1}


def add_arguments(parser: argparse.ArgumentParser, iterations: int, warmup: int) -> None:
  """The flags every twin takes."""
  parser.add_argument("--iterations", type=int, default=iterations, help="Iterations per timed round.")
  parser.add_argument("--repeats", type=int, default=3, help="Timed rounds.")
  parser.add_argument("--warmup", type=int, default=warmup,
                      help="Untimed iterations first (with --compile, they compile).")
  parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads.")
  parser.add_argument("--adam", choices=("fused", "foreach"), default="fused",
                      help="torch.optim.Adam's implementation (eager only).")
  parser.add_argument("--compile", action="store_true",
                      help="torch.compile the networks and the optimizers' steps.")
  parser.add_argument("--seed", type=int, default=0)


def schedule_factor(kind: str, final: float, total_steps: int, updates: int) -> Callable[[int], float]:
  """The rate multiplier at a network's update count c: the schedule's decay at iteration
  ⌊c / updates⌋ (aegan/optimizers.py)."""

  def factor(count: int) -> float:
    t = min(count // updates, total_steps) / total_steps
    if kind == "cosine":
      return final + (1 - final) * 0.5 * (1 + math.cos(math.pi * t))
    if kind == "linear":
      return 1 - (1 - final) * t
    return 1.0
  return factor


class Optimizers:
  """One Adam per network, updated phase by phase.

  `sections`: network name -> its optimizer config (learning_rate, b1, b2, schedule,
  final_fraction); `updates`: network name -> its updates per iteration (for the schedule);
  `total_steps`: the run's iterations, over which a schedule decays."""

  def __init__(self, nets: Mapping[str, nn.Module], sections: Mapping, total_steps: int,
               updates: Mapping[str, int], adam: str = "fused", compile_steps: bool = False):
    self.params = {name: list(net.parameters()) for name, net in nets.items()}
    self.rates, self.factors, self.counts, self.steps, self.optimizers = {}, {}, {}, {}, {}
    for name, params in self.params.items():
      section = sections[name]
      if section.get("name", "adam") != "adam":
        raise SystemExit(f"{name}: the PyTorch twins run Adam optimizers, not {section['name']}")
      kind = section.get("schedule", "constant")
      tensor_rate = compile_steps or adam == "fused"  # A foreach Adam takes only a float rate.
      rate = torch.tensor(section["learning_rate"]) if tensor_rate else section["learning_rate"]
      options = {"foreach": False} if compile_steps else {adam: True}
      optimizer = torch.optim.Adam(params, lr=rate, betas=(section["b1"], section["b2"]),
                                   **options)
      self.optimizers[name] = optimizer
      self.rates[name] = section["learning_rate"]
      self.factors[name] = None if kind == "constant" else schedule_factor(
          kind, section.get("final_fraction", 0.0), total_steps, updates.get(name, 1))
      self.counts[name] = 0
      self.steps[name] = torch.compile(optimizer.step) if compile_steps else optimizer.step

  def update(self, loss: torch.Tensor, *names: str) -> None:
    """The networks `names` take one Adam step each down the gradient of `loss`."""
    params = [p for name in names for p in self.params[name]]
    for param, grad in zip(params, torch.autograd.grad(loss, params)):
      param.grad = grad
    for name in names:
      if self.factors[name] is not None:
        rate = self.rates[name] * self.factors[name](self.counts[name])
        group = self.optimizers[name].param_groups[0]
        if isinstance(group["lr"], torch.Tensor):
          group["lr"].fill_(rate)
        else:
          group["lr"] = rate
      self.counts[name] += 1
      self.steps[name]()


def compiled(nets: dict[str, nn.Module], compile_nets: bool) -> dict[str, nn.Module]:
  """`nets` in training mode (BatchNorm by the batch's statistics, as the JAX train step), each
  through torch.compile if `compile_nets`."""
  for net in nets.values():
    net.train()
  return {name: torch.compile(net) if compile_nets else net for name, net in nets.items()}


def time_iterations(iteration: Callable[[], tuple], warmup: int, repeats: int, iterations: int,
                    loss_names: str) -> tuple[float, float]:
  """Runs `iteration` `warmup` times (printing the last losses, named `loss_names`), then
  `repeats` timed rounds of `iterations`; prints each round's rate and, last, the line
  `best: <rate> it/s, median: <rate> it/s` that benchmarks/torch_compare.py reads. The losses
  are read (a host synchronisation) only after each round."""
  start = time.perf_counter()
  for _ in range(warmup):
    losses = iteration()
  print(f"  warm-up ({warmup} iterations, {time.perf_counter() - start:.1f} s) losses "
        f"({loss_names}): " + ", ".join(f"{float(loss):.3f}" for loss in losses))
  rates = []
  for r in range(repeats):
    start = time.perf_counter()
    for _ in range(iterations):
      losses = iteration()
    [float(loss) for loss in losses]  # pylint: disable=expression-not-assigned
    rates.append(iterations / (time.perf_counter() - start))
    print(f"  round {r}: {rates[-1]:.3f} it/s ({1000 / rates[-1]:.2f} ms/iteration)")
  best, median = max(rates), statistics.median(rates)
  print(f"best: {best:.3f} it/s, median: {median:.3f} it/s ({1000 / best:.2f} ms/iteration at best)")
  return best, median
