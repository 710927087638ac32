"""VEEGAN, α-GAN and DCGAN on stacked_digits for the same wall time: modes covered among
generated samples, reconstruction error where there is an encoder, iterations/s.

  python benchmarks/stacked_digits.py                           # 300 s of training per method
  python benchmarks/stacked_digits.py --budget_s=60 --workdir=/tmp/digits

Mode counting (VEEGAN's Stacked-MNIST protocol on the offline stand-in): a digit classifier
(the ConvEncoder trunk, trained here on the single 16x16 digits' training split) labels each
channel of the final evaluation's samples (`samples/final.npz`, 26,000 by default); modes are
the distinct digit triples, KL is KL(p_gen ‖ uniform over 1,000), over every sample and over
the samples whose three channels the classifier labels with probability ≥ `confidence` (their
share is "confident"). Each method first runs a
few timed calls to measure its iterations/s, then trains `budget_s` x that rate iterations
with `train_and_evaluate`, the same as `launch/main.py`.
"""

import importlib
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import jax  # pylint: disable=wrong-import-position
import jax.numpy as jnp  # pylint: disable=wrong-import-position
import numpy as np  # pylint: disable=wrong-import-position
import optax  # pylint: disable=wrong-import-position
from absl import app, flags, logging  # pylint: disable=wrong-import-position

from aegan import train  # pylint: disable=wrong-import-position
from aegan.data.digits import digits  # pylint: disable=wrong-import-position
from aegan.evaluation.stacked import confident_labels, stacked_mode_metrics  # pylint: disable=wrong-import-position
from aegan.models import ConvEncoder  # pylint: disable=wrong-import-position
from aegan.parallel import data_mesh, replicate  # pylint: disable=wrong-import-position

_CONFIGS = flags.DEFINE_list("configs", ["veegan_stacked_digits", "alpha_gan_stacked_digits",
                                         "dcgan_stacked_digits"], "Config modules under configs/.")
_BUDGET = flags.DEFINE_float("budget_s", 300.0, "Training wall time per method, seconds.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of every run and of the classifier.")
_WORKDIR = flags.DEFINE_string("workdir", "runs/stacked_digits", "Where the runs go.")
_CONFIDENCE = flags.DEFINE_float("confidence", 0.9, "Classifier probability a channel needs to count.")


def train_classifier(image_size: int, seed: int, steps: int = 1_500, batch_size: int = 128):
  """A digit classifier on single-channel digits: (predict [N, H, W, 1] -> class probabilities
  [N, 10], accuracy on 8,192 draws from the test digits)."""
  dataset = digits(image_size=image_size)
  train_arrays, test_arrays = (jax.tree.map(jnp.asarray, dataset.arrays(split)) for split in ("train", "test"))
  model = ConvEncoder(output_dim=10, width=32, batch_norm=False)
  params = model.init(jax.random.PRNGKey(seed), jnp.zeros((1,) + dataset.example_shape))["params"]
  optimizer = optax.adam(1e-3)
  draw = jax.vmap(dataset.sample_labelled, (None, 0))

  @jax.jit
  def step(params, opt_state, key):
    x, y = draw(train_arrays, jax.random.split(key, batch_size))
    x = x + 0.1 * jax.random.normal(key, x.shape)  # Robustness to generated images' noise.

    def loss(p):
      logits = model.apply({"params": p}, x)
      return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    grads = jax.grad(loss)(params)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state

  opt_state = optimizer.init(params)
  for i in range(steps):
    params, opt_state = step(params, opt_state, jax.random.PRNGKey(seed * 100_000 + i))
  predict = jax.jit(lambda x: jax.nn.softmax(model.apply({"params": params}, x)))
  x, y = draw(test_arrays, jax.random.split(jax.random.PRNGKey(seed + 1), 8192))
  return predict, float(jnp.mean(jnp.argmax(predict(x), -1) == y))


def iterations_per_second(config, calls: int = 5) -> float:
  mesh = data_mesh()
  method, dataset, optimizers = train.build(config)
  state = replicate(train.init_state(method, optimizers, config.seed), mesh)
  arrays = replicate(dataset.arrays("train"), mesh)
  update = train.make_update(method, optimizers, dataset, mesh, config.train.batch_size,
                             config.train.steps_per_call)
  state, metrics = update(state, arrays)  # compile
  jax.block_until_ready(metrics)
  start = time.perf_counter()
  for _ in range(calls):
    state, metrics = update(state, arrays)
  jax.block_until_ready(metrics)
  return calls * config.train.steps_per_call / (time.perf_counter() - start)


def count_modes(predict, samples: np.ndarray, confidence: float) -> tuple[dict, dict]:
  """Labels each channel of uint8 samples [N, H, W, 3]: modes and KL of the triples, over all
  samples and over the confidently labelled ones."""
  channels = samples.transpose(0, 3, 1, 2)[..., None].astype(np.float32) / 127.5 - 1
  probabilities = np.concatenate([np.asarray(predict(chunk.reshape((-1,) + chunk.shape[2:])))
                                  for chunk in np.array_split(channels, max(1, len(channels) // 2048))])
  labels, confident = confident_labels(jnp.asarray(probabilities.reshape(-1, 3, 10)), confidence)
  return ({name: float(value) for name, value in metrics.items()}
          for metrics in (stacked_mode_metrics(labels), stacked_mode_metrics(labels, confident)))


def main(_):
  logging.set_verbosity(logging.WARNING)
  predict, accuracy = train_classifier(image_size=16, seed=_SEED.value)
  print(f"digit classifier: {100 * accuracy:.1f}% test accuracy; {jax.device_count()} device(s); "
        f"training budget {_BUDGET.value:.0f} s per method")
  rows = ["| config | it/s | iterations | wall s | modes /1000 | KL | confident | modes (confident) "
          "| KL (confident) | recon L1 | recon MSE |", "|---|---|---|---|---|---|---|---|---|---|---|"]
  for name in _CONFIGS.value:
    config = importlib.import_module(f"configs.{name}").get_config()
    config.seed = _SEED.value
    rate = iterations_per_second(config)
    per_call = config.train.steps_per_call
    steps = max(1, round(_BUDGET.value * rate / per_call)) * per_call
    config.train.update(steps=steps, log_every=per_call * max(1, steps // per_call // 10))
    config.eval.every = config.checkpoint.every = steps
    workdir = os.path.join(_WORKDIR.value, f"{name}_seed{_SEED.value}_{steps}")
    start = time.perf_counter()
    results = train.train_and_evaluate(config, workdir)
    wall = time.perf_counter() - start
    samples = np.load(os.path.join(workdir, "samples", "final.npz"))["x"]
    every, confident = count_modes(predict, samples, _CONFIDENCE.value)
    recon = [f"{results[k]:.4f}" if k in results else "-" for k in ("eval/recon_l1", "eval/recon_mse")]
    rows.append(f"| {name} | {rate:.1f} | {steps} | {wall:.0f} | {every['eval/modes']:.0f} | "
                f"{every['eval/mode_kl']:.2f} | {100 * confident['eval/confident_fraction']:.1f}% | "
                f"{confident['eval/modes']:.0f} | {confident['eval/mode_kl']:.2f} | {recon[0]} | {recon[1]} |")
    print(rows[-1], flush=True)
  print("\n".join(rows))


if __name__ == "__main__":
  app.run(main)
