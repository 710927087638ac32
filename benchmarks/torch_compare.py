"""The JAX train step next to the same iteration in PyTorch, on this CPU: it/s of each and
their ratio, for veegan_ring, veegan_grid (batch 500, the VEEGAN authors'), dcgan_stacked_digits
and alpha_gan_cifar (random images of CIFAR's size: compute only).

Each framework runs in its own process (benchmarks/step_throughput.py;
benchmarks/torch_veegan_step.py, torch_dcgan_step.py, torch_alpha_gan_step.py), JAX then
PyTorch, `--rounds` times in turn so both see the same load; each keeps its best round. Both
are confined to the first `--cores` cores (taskset), PyTorch with as many threads. On a machine
other jobs load, `--cores=1`: PyTorch's OpenMP threads wait for each other at every operation
and slow down by an order of magnitude when a core is taken (veegan_ring at load 18 on 2
cores: 0.6 it/s with 2 threads, 20 it/s with 1).

  python benchmarks/torch_compare.py                       # all four, on every core
  python benchmarks/torch_compare.py --configs=veegan_ring --rounds=3 --cores=1

Needs PyTorch (CPU build) installed next to the repository's dependencies.
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# name -> (JAX step_throughput arguments, PyTorch script and arguments, iterations per round).
BENCHMARKS = {
    "veegan_ring": (["--config=configs/veegan_ring.py", "--fused=100"],
                    ["torch_veegan_step.py", "--config=configs/veegan_ring.py"], 1000),
    "veegan_grid": (["--config=configs/veegan_grid.py", "--fused=100"],
                    ["torch_veegan_step.py", "--config=configs/veegan_grid.py"], 1000),
    "dcgan_stacked_digits": (["--config=configs/dcgan_stacked_digits.py", "--fused=1"],
                             ["torch_dcgan_step.py", "--config=configs/dcgan_stacked_digits.py"], 50),
    "alpha_gan_cifar": (["--config=configs/alpha_gan_cifar.py", "--fused=1", "--synthetic"],
                        ["torch_alpha_gan_step.py"], 10),
}


def run(command: list[str], pattern: str, cores: int) -> float:
  command = ["taskset", "-c", f"0-{cores - 1}", *command]
  result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
  match = re.search(pattern, result.stdout)
  if result.returncode or not match:
    raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
  return float(match.group(1))


def jax_rate(arguments: list[str], iterations: int, cores: int) -> float:
  return run([sys.executable, os.path.join(HERE, "step_throughput.py"), *arguments,
              f"--iterations={iterations}", "--repeats=2"], r"iterations/dispatch:\s+([\d.]+) it/s",
             cores)


def torch_rate(arguments: list[str], iterations: int, cores: int) -> float:
  script, *rest = arguments
  return run([sys.executable, os.path.join(HERE, script), *rest, f"--iterations={iterations}",
              "--repeats=2", f"--threads={cores}"], r"best: ([\d.]+) it", cores)


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--configs", default=",".join(BENCHMARKS), help="Comma-separated.")
  parser.add_argument("--rounds", type=int, default=2, help="JAX/PyTorch alternations per config.")
  parser.add_argument("--cores", type=int, default=os.cpu_count(), help="Cores both may use.")
  parser.add_argument("--scale", type=float, default=1.0, help="Multiplies the iterations timed.")
  args = parser.parse_args()
  rows = []
  for name in args.configs.split(","):
    jax_arguments, torch_arguments, iterations = BENCHMARKS[name]
    iterations = max(1, int(iterations * args.scale))
    jax_best = torch_best = 0.0
    for _ in range(args.rounds):
      jax_best = max(jax_best, jax_rate(jax_arguments, iterations, args.cores))
      torch_best = max(torch_best, torch_rate(torch_arguments, iterations, args.cores))
    rows.append((name, jax_best, torch_best))
    print(f"{name}: JAX {jax_best:.2f} it/s, PyTorch {torch_best:.2f} it/s, "
          f"{jax_best / torch_best:.2f}x", flush=True)
  print(f"\n{args.cores} core(s) of {os.cpu_count()}\n| config | JAX it/s | PyTorch it/s | JAX / PyTorch |\n|---|---|---|---|")
  for name, jax_best, torch_best in rows:
    print(f"| {name} | {jax_best:.2f} | {torch_best:.2f} | {jax_best / torch_best:.2f}x |")


if __name__ == "__main__":
  main()
