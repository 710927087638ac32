"""The batch of a training iteration or an evaluation, drawn example by example from keys.

Example i of a draw uses only fold_in(key, i), i its global index, split into a data key and a
noise key: the data key picks the real example `x` from the dataset's arrays (unless the batch
was streamed from the host, which supplies `x` itself), the noise key the method's noise. So a
global batch is the same whichever device draws which example.
"""

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
