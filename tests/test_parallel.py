"""Data-parallel helpers: the mapped gradient of a pmean'd loss is the global batch's (shard_map's
check_vma=True), and repeated calls of a program with collectives on several simulated CPU
devices complete when each call is waited for (XLA:CPU aborts when such executions overlap)."""

import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec

from aegan.parallel import DATA_AXIS, data_mesh, data_parallel
from tests.precision import assert_equal_to_float32_resolution

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_many_calls_with_collectives_on_cpu_devices_complete():
  program = textwrap.dedent("""
      import jax, jax.numpy as jnp
      from jax.sharding import PartitionSpec
      from aegan.parallel import data_mesh, data_parallel, wait_if_cpu_collectives
      mesh = data_mesh()
      step = jax.jit(data_parallel(lambda x: jax.lax.pmean(x * 0.5 + 1.0, "data"), mesh),
                     donate_argnums=0)
      x = jnp.zeros((1000,))
      for _ in range(1500):
        x = step(x)
        wait_if_cpu_collectives(x, mesh)
      print(float(x[0]))
  """)
  result = subprocess.run([sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, JAX_NUM_CPU_DEVICES="2"), timeout=300, check=False)
  assert result.returncode == 0, result.stderr[-2000:]
  assert float(result.stdout) == 2.0  # x -> x/2 + 1 converges to 2.


def test_data_parallel_gradient_is_the_global_batch_gradient_only_with_check_vma(float64):
  # Least squares, L(w) = mean((x·w - y)²), gradient 2/N Σ (x·w - y) x, by hand in numpy; the
  # 4 devices hold 2 examples each, and each differentiates the pmean of its shard's loss, as
  # the train step does. In float64 (tests/conftest.py `float64`), where the mapped gradient and
  # numpy's differ only in the order of their sums: equal to float32's resolution
  # (tests/precision.py); one shard's gradient is another vector, [-0.24, -0.37].
  x = np.arange(16.0).reshape(8, 2) / 10
  y, w = np.arange(8.0), np.array([0.5, -1.0])
  gradient = lambda x, y: 2 * (x @ w - y) @ x / len(y)

  def per_device(w, x, y):
    return jax.grad(lambda w: jax.lax.pmean(jnp.mean((x @ w - y) ** 2), DATA_AXIS))(w)

  mesh = data_mesh(jax.devices()[:4])
  sharded = [jax.device_put(a, NamedSharding(mesh, PartitionSpec(DATA_AXIS))) for a in (x, y)]
  in_specs = (PartitionSpec(), PartitionSpec(DATA_AXIS), PartitionSpec(DATA_AXIS))
  mapped = jax.jit(data_parallel(per_device, mesh, in_specs))(w, *sharded)
  assert_equal_to_float32_resolution(mapped, gradient(x, y))  # [-7.84, -8.63]
  unchecked = jax.jit(jax.shard_map(per_device, mesh=mesh, in_specs=in_specs,
                                    out_specs=PartitionSpec(), check_vma=False))(w, *sharded)
  assert_equal_to_float32_resolution(unchecked, gradient(x[:2], y[:2]))  # Device 0's shard.
  assert not np.allclose(unchecked, mapped)
