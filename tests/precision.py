"""The tolerance for comparing two float64 computations of the same quantity that differ only
in the order of their float reductions (1 against 4 devices, vmapped against separate seeds,
streamed against on-device, jitted against by hand); tests/conftest.py `float64` runs them so.

Each is within 2·γ_n·Σ|terms| of the exact value, γ_n = n·2^-53/(1 - n·2^-53), n a
reduction's length: a relative 1e-15 or so of each leaf for the tiny sums here, a few hundred
times that after the few training steps that carry it forward. Float32's epsilon (2^-23 =
1.2e-7) of the compared leaf's norm is 2^29 times float64's unit and holds on any CPU, while
any real error (a gradient scaled by the device count, a batch statistic of the wrong
examples, another seed's batch) is orders of magnitude larger."""

import jax
import numpy as np

FLOAT32_EPS = float(np.finfo(np.float32).eps)


def as_float64(tree):
  """`tree` on the host with every floating leaf float64 (the others as they are): a state to
  run in jax's x64 mode with the networks computing in float64."""
  return jax.tree.map(
      lambda a: np.asarray(a, np.float64) if np.issubdtype(np.asarray(a).dtype, np.floating)
      else a, jax.device_get(tree))


def assert_equal_to_float32_resolution(actual, expected, scale=None) -> None:
  """‖a - e‖ ≤ FLOAT32_EPS · ‖s‖ for each leaf a of `actual`, e of `expected` and s of `scale`
  (default `expected`; a parameter's move from its initial value, where a leaf is compared
  after an update), each leaf of `actual` float64."""
  scale = expected if scale is None else scale
  for a, e, s in zip(jax.tree.leaves(actual), jax.tree.leaves(expected), jax.tree.leaves(scale),
                     strict=True):
    a, e = np.asarray(a), np.asarray(e)
    assert a.dtype == np.float64, a.dtype
    assert np.linalg.norm(a - e) <= FLOAT32_EPS * np.linalg.norm(s), (
        np.linalg.norm(a - e), np.linalg.norm(s))
