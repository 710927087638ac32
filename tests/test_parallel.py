"""Data-parallel helpers: repeated calls of a program with collectives on several simulated CPU
devices complete when each call is waited for (XLA:CPU aborts when such executions overlap)."""

import os
import subprocess
import sys
import textwrap

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
