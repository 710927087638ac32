"""Why VEEGAN collapses on the 1200-D mixture: the gradients of its losses along a run.

Trains configs/veegan_1200d.py (or, for contrast, veegan_ring.py / veegan_grid.py: `--data`; the
config's optimizers, batch and schedule spanning
`--steps`), one seed at a time, and every `--every` iterations probes the networks on a fixed
batch of `--probe` real examples and noise draws (evaluation mode):

  modes, hq             the mixture's mode count and high-quality fraction of G(z) (Section 5.1)
  D(gen) / D(rec)       the joint discriminator's mean logit on generator pairs (z, G(z)) and on
                        reconstructor pairs (F(x) + σε, x); acc: how often it tells them apart
  ‖g_adv‖, ‖g_rec‖      the generator's gradient norms of the adversarial term E[D(z, G(z))]
                        and of the latent reconstruction d(z, F(G(z))) (Eq. 7), taken apart:
                        the terms of VEEGAN's own generator loss
  ‖f_rec‖               the reconstructor's gradient norm of the latent reconstruction
  between/within        spread of the reconstructor's codes F(x) of real data: the variance of
                        the 10 modes' mean codes over the mean variance within a mode (large:
                        F tells the modes apart in z; ~0: every mode maps to the same codes)
  z-sens                mean ‖G(z) − G(z')‖ over pairs of probe noise, in units of the
                        distance between neighbouring mode means (≥ 1: G moves across modes
                        with z; ≪ 1: G ignores z)

  python benchmarks/veegan_gradients.py --seeds=0,1,2 --steps=2000 --every=500
  python benchmarks/veegan_gradients.py --data=ring --out=runs/veegan_ring_gradients.md
  python benchmarks/veegan_gradients.py --set=data.subspace=\\"rotated\\"

Prints one table per seed and writes them to `--out`.
"""

import argparse
import importlib
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position
import jax.numpy as jnp  # pylint: disable=wrong-import-position
import numpy as np  # pylint: disable=wrong-import-position
import optax  # pylint: disable=wrong-import-position

from aegan.evaluation.mixtures import mode_metrics, nearest_modes  # pylint: disable=wrong-import-position
from aegan.experiment import build, init_state  # pylint: disable=wrong-import-position
from aegan.methods import Networks  # pylint: disable=wrong-import-position
from aegan.parallel import data_mesh, replicate  # pylint: disable=wrong-import-position
from aegan.sampling import sample_batch, stream_key  # pylint: disable=wrong-import-position
from aegan.train import make_update  # pylint: disable=wrong-import-position
from benchmarks.mixture_cells import apply_overrides  # pylint: disable=wrong-import-position


def _parser() -> argparse.ArgumentParser:
  parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
  parser.add_argument("--data", default="1200d", choices=["1200d", "ring", "grid"],
                      help="which VEEGAN config: configs/veegan_<data>.py (ring, grid: the sets "
                      "where VEEGAN covers every mode, for contrast)")
  parser.add_argument("--seeds", default="0,1,2", help="seeds, one run each")
  parser.add_argument("--steps", type=int, default=2_000,
                      help="iterations per run (Table 1's short budget for 1200-D)")
  parser.add_argument("--every", type=int, default=500, help="iterations between probes (a "
                      "multiple of train.steps_per_call, 100)")
  parser.add_argument("--probe", type=int, default=1_000, help="examples in the probe batch")
  parser.add_argument("--set", action="append", default=[],
                      help="path=value: a config field (a Python literal)")
  parser.add_argument("--out", default="runs/veegan_gradients.md", help="where the tables go")
  return parser


HEADER = ("step", "modes", "hq", "D(gen)", "D(rec)", "acc", "‖g_adv‖", "‖g_rec‖", "‖f_rec‖",
          "between/within", "z-sens")


def code_separation(codes: jax.Array, labels: jax.Array, num_modes: int) -> jax.Array:
  """How far apart the modes' codes [N, d] lie: the variance of the per-mode mean codes (over
  the modes present in `labels` [N]) over the mean squared distance of a code from its mode's
  mean. Two modes' codes at ±c with within-mode variance v per coordinate in d coordinates give
  c²·d / (v·d) = c²/v."""
  counts = jnp.zeros(num_modes).at[labels].add(1.0)
  centroids = jnp.zeros((num_modes, codes.shape[1])).at[labels].add(codes) / jnp.maximum(counts, 1)[:, None]
  within = jnp.sum((codes - centroids[labels]) ** 2) / codes.shape[0]
  present = counts > 0
  centre = jnp.sum(jnp.where(present[:, None], centroids, 0), 0) / jnp.sum(present)
  between = jnp.sum(jnp.where(present[:, None], (centroids - centre) ** 2, 0)) / jnp.sum(present)
  return between / within


def make_probe(method, dataset, config, batch):
  """(params, batch_stats) -> the probe's row (module docstring) on the fixed `batch`."""
  sigma = config.loss.reconstructor_noise_std
  threshold = config.eval.get("hq_threshold", 3.0)
  generator_loss = next(phase.loss for phase in method.phases if phase.name == "generator")
  means = np.asarray(dataset.means)
  neighbour = np.min(np.linalg.norm(means[:, None] - means[None], axis=-1)
                     + np.eye(len(means)) * 1e9)
  labels, _ = nearest_modes(batch["x"], dataset.means)  # The mode each real example is of.

  @jax.jit
  def probe(params, batch_stats):
    def term(name):  # One term of the generator/reconstructor loss (Eq. 7), as VEEGAN computes it.
      return lambda p: generator_loss(Networks(method.networks, p, batch_stats, train=False),
                                       batch)[1][name]

    n = Networks(method.networks, params, batch_stats, train=False)
    x_gen = method.generate(n, batch)
    modes = mode_metrics(x_gen, dataset.means, dataset.hq_unit, threshold=threshold)
    d_gen = n("discriminator", x_gen, batch["z"])
    codes = n("reconstructor", batch["x"])
    d_rec = n("discriminator", batch["x"], codes + sigma * batch["eps"])
    g_adv = jax.grad(term("generator_adversarial"))(params)
    g_rec = jax.grad(term("latent_reconstruction"))(params)
    half = x_gen.shape[0] // 2
    z_sens = jnp.mean(jnp.linalg.norm(x_gen[:half] - x_gen[half:2 * half], axis=-1)) / neighbour
    accuracy = (jnp.mean(d_gen > 0) + jnp.mean(d_rec < 0)) / 2
    return (modes["eval/modes"], modes["eval/hq_fraction"], jnp.mean(d_gen), jnp.mean(d_rec),
            accuracy, optax.global_norm(g_adv["generator"]), optax.global_norm(g_rec["generator"]),
            optax.global_norm(g_rec["reconstructor"]),
            code_separation(codes, labels, len(means)), z_sens)

  def row(params, batch_stats):
    modes, *values = probe(params, batch_stats)
    return (int(modes),) + tuple(map(float, values))

  return row


def run_seed(args: argparse.Namespace, seed: int) -> list[tuple]:
  """Trains one seed and returns its probe rows."""
  config = importlib.import_module(f"configs.veegan_{args.data}").get_config()
  apply_overrides(config, args.set)
  config.seed, config.train.steps = seed, args.steps
  method, dataset, optimizers = build(config)
  mesh = data_mesh()
  state = replicate(init_state(method, optimizers, seed), mesh)
  update = make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                       config.train.steps_per_call)
  arrays = replicate(dataset.arrays("train"), mesh)
  batch = sample_batch(method, dataset, arrays, stream_key(seed, "eval/draws"),
                       jnp.arange(args.probe))
  row = make_probe(method, dataset, config, batch)
  rows, step = [], 0
  while True:
    if step % args.every == 0 or step == args.steps:
      rows.append((step,) + row(state.params, state.batch_stats))
      print(f"seed {seed} " + " ".join(f"{v:.4g}" for v in rows[-1]), flush=True)
    if step >= args.steps:
      return rows
    state, _ = update(state, arrays)
    step += config.train.steps_per_call


def main() -> None:
  args = _parser().parse_args()
  text = [f"VEEGAN, configs/veegan_{args.data}.py, {args.steps:,} iterations"
          + (f", {', '.join(args.set)}" if args.set else "") + ":", ""]
  for seed in map(int, args.seeds.split(",")):
    rows = run_seed(args, seed)
    text += [f"seed {seed}:", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    text += ["| " + " | ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in r) + " |"
             for r in rows]
    text.append("")
  os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
  with open(args.out, "w") as f:
    f.write("\n".join(text))
  print("\n".join(text))


if __name__ == "__main__":
  main()
