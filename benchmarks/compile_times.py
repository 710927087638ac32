"""First-call compile time of every shipped config's train step on this machine: tracing and
lowering, then XLA's compilation, with the persistent compilation cache off (each config in a
fresh process, so nothing compiled earlier is reused).

  python benchmarks/compile_times.py                             # every config in configs/
  python benchmarks/compile_times.py --configs=veegan_ring,dcgan_stacked_digits

Image sets not prepared on this machine are replaced by random images of their size
(benchmarks/step_throughput.py's `--synthetic`): compilation does not depend on the pixels.
"""

import argparse
import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def measure(name: str) -> tuple[float, float]:
  """(trace + lower seconds, compile seconds) of configs/<name>.py's step, in this process."""
  sys.path.insert(0, REPO)
  sys.path.insert(0, HERE)
  import importlib  # pylint: disable=import-outside-toplevel
  from aegan import train  # pylint: disable=import-outside-toplevel
  from aegan.data import DatasetNotFoundError  # pylint: disable=import-outside-toplevel
  from aegan.parallel import data_mesh, replicate  # pylint: disable=import-outside-toplevel
  from step_throughput import synthetic_data  # pylint: disable=import-outside-toplevel

  config = importlib.import_module(f"configs.{name}").get_config()
  try:
    method, dataset, optimizers = train.build(config)
  except DatasetNotFoundError:
    with synthetic_data(config.data):
      method, dataset, optimizers = train.build(config)
  mesh = data_mesh()
  state = replicate(train.init_state(method, optimizers, config.seed, config.train.get("num_seeds", 1)), mesh)
  arrays = replicate(dataset.arrays("train"), mesh)
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                             config.train.steps_per_call, num_seeds=config.train.get("num_seeds", 1))
  start = time.perf_counter()
  lowered = update.jitted.lower(state, arrays)
  traced = time.perf_counter()
  lowered.compile()
  return traced - start, time.perf_counter() - traced


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--configs", default=None, help="Comma-separated names (default: all).")
  parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # A child process's config.
  args = parser.parse_args()
  if args.one:
    print("seconds %.2f %.2f" % measure(args.one))
    return
  names = args.configs.split(",") if args.configs else sorted(
      os.path.splitext(os.path.basename(path))[0] for path in glob.glob(os.path.join(REPO, "configs", "*.py"))
      if "def get_config(" in open(path).read())  # Not the helper modules (common.py, ...).
  env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_COMPILATION_CACHE")}
  print("| config | trace + lower s | compile s |\n|---|---|---|", flush=True)
  for name in names:
    result = subprocess.run([sys.executable, __file__, f"--one={name}"], cwd=REPO, env=env,
                            capture_output=True, text=True, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("seconds ")]
    if not lines:
      print(f"| {name} | failed: {(result.stderr.strip().splitlines() or ['?'])[-1][:120]} | |", flush=True)
      continue
    trace, compile_seconds = lines[-1].split()[1:]
    print(f"| {name} | {trace} | {compile_seconds} |", flush=True)


if __name__ == "__main__":
  main()
