"""The batch of a training iteration or an evaluation, drawn example by example from keys.

Example i of a draw uses only fold_in(key, i), i its global index, split into a data key and a
noise key: the data key picks the real example `x` from the dataset's arrays (unless the batch
was streamed from the host, which supplies `x` itself), the noise key the method's noise. So a
global batch is the same whichever device draws which example.

Every random stream of a run (initialisation, training draws, each evaluation measure) starts
from its own root key, `stream_key(seed, name)`, so no two streams share a key: on this JAX
split(k)[i] == fold_in(k, i), so splitting one key into streams would hand a stream the key of
some draw i of another.
"""

import hashlib
from collections.abc import Mapping

import jax

from aegan.data import Dataset
from aegan.methods import Method


def sample_batch(method: Method, dataset: Dataset, arrays: Mapping[str, jax.Array],
                 key: jax.Array, example_indices: jax.Array, x: jax.Array | None = None
                 ) -> dict[str, jax.Array]:
  """Real data `x` and the method's noise for the examples with these global indices.

  Args:
    method: supplies `sample_noise`.
    dataset: supplies `sample(arrays, data_key)` (unused when `x` is given).
    arrays: the dataset's device arrays.
    key: the key of this draw (e.g. of one iteration and repeat).
    example_indices: int [n] global indices of the examples to draw.
    x: [n, ...] real data already read for these examples (host streaming), or None.

  Returns:
    {"x": [n, ...], **noise}, one row per example, and the examples' class labels "label" [n]
    for a method that is `labelled` (the classifier).
  """
  example_keys = jax.vmap(jax.random.fold_in, (None, 0))(key, example_indices)
  data_keys, noise_keys = jax.vmap(lambda k: jax.random.split(k))(example_keys).swapaxes(0, 1)
  noise = jax.vmap(method.sample_noise)(noise_keys)
  if method.labelled:
    x, labels = jax.vmap(dataset.sample_labelled, (None, 0))(arrays, data_keys)
    return {"x": x, "label": labels, **noise}
  if x is None:
    x = jax.vmap(dataset.sample, (None, 0))(arrays, data_keys)
  return {"x": x, **noise}


# The random streams of a run, each rooted at `stream_key(seed, name)`, and what they draw.
STREAMS = {
    "init": "the networks' initial parameters (aegan/experiment.py, init_state)",
    "train": "every training draw: fold_in(fold_in(fold_in(key, step), repeat), example)",
    "eval/draws": "an evaluation's samples (their noise), per example",
    "eval/draws/order": "the order in which an evaluation takes its distinct held-out examples",
    "eval/draws/example": "what is random within a held-out example (ColorMNIST's colour)",
    "eval/ms_ssim_pairs": "the random index pairs of eval/ms_ssim and of eval/ms_ssim_real",
    "eval/critic_pool": "the independent critic's pool of samples (their noise), per example",
    "eval/critic_pool/order": "the order in which the critic's pool takes training examples",
    "eval/critic_pool/example": "what is random within one of those (ColorMNIST's colour)",
    "eval/critic": "the independent critic's initialisation and training batches",
    "eval/ivom": "IvOM's starting points",
    "eval/kid": "KID's random subsets",
    "sample": "`launch/main.py --mode=sample`'s samples (its --seed)",
    "reference/example": "what is random within a feature metrics' real reference example",
}


def stream_id(name: str) -> int:
  """A fixed 32-bit id of a stream name: the first 4 bytes of its SHA-256, big-endian (stable
  across processes and Python versions, unlike `hash`)."""
  return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def stream_key(seed: int | jax.Array, name: str) -> jax.Array:
  """The root key of the random stream `name` (one of `STREAMS`) of the run of `seed`:

      stream_key(seed, name) = fold_in(PRNGKey(seed), stream_id(name)).

  PRNGKey(seed) itself draws nothing, and the streams' ids are large, so a stream's key is
  neither another stream's nor (but by a 64-bit coincidence) any key folded out of one.
  `seed` may be traced (vmapped seeds)."""
  if name not in STREAMS:
    raise ValueError(f"unknown random stream {name!r}: add it to aegan.sampling.STREAMS")
  return jax.random.fold_in(jax.random.PRNGKey(seed), stream_id(name))
