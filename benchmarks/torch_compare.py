"""The JAX train step next to the same iteration in PyTorch, on this CPU: it/s of each, best and
median over rounds, and their ratios.

Variants, each in its own process per round (benchmarks/step_throughput.py for JAX;
benchmarks/torch_veegan_step.py, torch_dcgan_step.py, torch_alpha_gan_step.py for PyTorch,
written as benchmarks/torch_step.py says):
  JAX fused     `train.steps_per_call` iterations per dispatch (lax.scan), the config's own;
  JAX 1/call    one iteration per dispatch;
  torch eager   fused Adam, gradients per phase by torch.autograd.grad;
  torch compile the networks and the optimizers' steps through torch.compile.
A round runs every variant once, in turn, so all see the same load; each process warms up
(compiles) first, then times `iterations` iterations. The table gives each variant's best and
median over `--rounds`, and JAX's over the best PyTorch variant's. Every process is confined to
the first `--cores` cores (taskset), PyTorch with as many threads. On a machine other jobs
load, PyTorch's OpenMP threads wait for each other at every operation and slow down by an order
of magnitude when a core is taken: measure on an idle machine.

  python benchmarks/torch_compare.py                                # every config, 5 rounds
  python benchmarks/torch_compare.py --configs=veegan_ring,stacked_m_quarter --rounds=7

Needs PyTorch (CPU build, with a C++ compiler for torch.compile) installed next to the
repository's dependencies.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

from torch_veegan_step import load_config  # pylint: disable=import-error

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# name -> (config, the PyTorch twin, iterations per round, JAX's --synthetic (random images of
# the config's size, as the twins draw)).
BENCHMARKS = {
    "veegan_ring": ("configs/veegan_ring.py", "torch_veegan_step.py", 1000, False),
    "veegan_grid": ("configs/veegan_grid.py", "torch_veegan_step.py", 1000, False),
    "dcgan_stacked_digits": ("configs/dcgan_stacked_digits.py", "torch_dcgan_step.py", 50, True),
    "stacked_m_quarter": ("configs/stacked_m.py:dcgan,quarter", "torch_dcgan_step.py", 20, True),
    "alpha_gan_cifar": ("configs/alpha_gan_cifar.py", "torch_alpha_gan_step.py", 10, True),
}
VARIANTS = ("JAX fused", "JAX 1/call", "torch eager", "torch compile")


def run(command: list[str], cores: int) -> str:
  command = ["taskset", "-c", f"0-{cores - 1}", *command]
  result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
  if result.returncode:
    raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
  return result.stdout


def steps_per_call(config: str) -> int:
  """The config's own iterations per dispatch."""
  return load_config(os.path.join(REPO, config)).train.steps_per_call


def jax_rates(config: str, fused: int, iterations: int, synthetic: bool, cores: int) -> dict[int, float]:
  """{iterations per dispatch: it/s} of one JAX process, fused and one per dispatch."""
  calls = sorted({fused, 1}, reverse=True)
  output = run([sys.executable, os.path.join(HERE, "step_throughput.py"), f"--config={config}",
                f"--fused={','.join(map(str, calls))}", f"--iterations={iterations}",
                "--repeats=1", *(["--synthetic"] if synthetic else [])], cores)
  return {int(k): float(rate) for k, rate in
          re.findall(r"float32\s+(\d+) iterations/dispatch:\s+([\d.]+) it/s", output)}


def torch_rate(script: str, config: str, iterations: int, cores: int, compiled: bool) -> float:
  arguments = [] if script == "torch_alpha_gan_step.py" else [f"--config={config}"]
  output = run([sys.executable, os.path.join(HERE, script), *arguments,
                f"--iterations={iterations}", "--repeats=1", f"--threads={cores}",
                *(["--compile", "--warmup=5"] if compiled else [])], cores)
  return float(re.search(r"best: ([\d.]+) it/s", output).group(1))


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--configs", default=",".join(BENCHMARKS), help="Comma-separated.")
  parser.add_argument("--rounds", type=int, default=5, help="Rounds of every variant, interleaved.")
  parser.add_argument("--cores", type=int, default=os.cpu_count(), help="Cores every process may use.")
  parser.add_argument("--scale", type=float, default=1.0, help="Multiplies the iterations timed.")
  parser.add_argument("--variants", default=",".join(VARIANTS), help="Comma-separated.")
  args = parser.parse_args()
  variants = args.variants.split(",")
  lines = [f"{args.cores} core(s) of {os.cpu_count()}; it/s, best / median of {args.rounds} "
           "interleaved rounds", "",
           "| config | " + " | ".join(variants) + " | JAX / PyTorch (best) |",
           "|---|" + "---|" * (len(variants) + 1)]
  for name in args.configs.split(","):
    config, script, iterations, synthetic = BENCHMARKS[name]
    iterations = max(1, int(iterations * args.scale))
    fused = steps_per_call(config)
    rates = {variant: [] for variant in variants}
    for _ in range(args.rounds):
      if {"JAX fused", "JAX 1/call"} & set(variants):
        # Whole calls of the fused step: at least one.
        measured = jax_rates(config, fused, max(iterations, fused), synthetic, args.cores)
        for variant, k in (("JAX fused", fused), ("JAX 1/call", 1)):
          if variant in rates:
            rates[variant].append(measured[k])
      for variant, compiled in (("torch eager", False), ("torch compile", True)):
        if variant in rates:
          rates[variant].append(torch_rate(script, config, iterations, args.cores, compiled))
      print(name, {variant: f"{values[-1]:.2f}" for variant, values in rates.items()}, flush=True)
    best = {variant: max(values) for variant, values in rates.items()}
    cells = [f"{best[v]:.2f} / {statistics.median(rates[v]):.2f}" for v in variants]
    jax_best = max((best[v] for v in best if v.startswith("JAX")), default=float("nan"))
    torch_best = max((best[v] for v in best if v.startswith("torch")), default=float("nan"))
    lines.append(f"| {name} (JAX fused: {fused}/call) | " + " | ".join(cells) +
                 f" | {jax_best / torch_best:.2f}x |")
  print("\n" + "\n".join(lines))


if __name__ == "__main__":
  main()
