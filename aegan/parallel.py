"""Data parallelism: a 1-D `data` mesh over all devices and the shard_map that maps a
per-device, pmap-style function over it (parameters replicated, batch split)."""

from collections.abc import Callable

import jax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

DATA_AXIS = "data"


def data_mesh(devices: list[jax.Device] | None = None) -> Mesh:
  """A 1-D mesh named `data` over `devices` (default: every device of every process)."""
  devices = jax.devices() if devices is None else devices
  return jax.make_mesh((len(devices),), (DATA_AXIS,), devices=devices)


def replicate(tree, mesh: Mesh):
  """Places every leaf of `tree` on every device of `mesh`."""
  return jax.device_put(tree, NamedSharding(mesh, PartitionSpec()))


def data_parallel(per_device: Callable, mesh: Mesh, in_specs=PartitionSpec()) -> Callable:
  """Maps `per_device` over the `data` axis: replicated inputs in (unless `in_specs` shards
  some over `DATA_AXIS`), replicated outputs out.

  Inside `per_device`, `jax.lax.axis_index(DATA_AXIS)` says which shard of the global batch
  this device owns and `jax.lax.pmean(..., DATA_AXIS)` averages across devices; its outputs
  must be the same on every device (pmean'd), as pmap-style code makes them.

  check_vma=True (shard_map's default, pinned here): the train step's gradients depend on it.
  With it, shard_map tracks which values vary over devices, so the gradient of a pmean'd loss
  with respect to the replicated parameters is summed over devices, the global batch's
  gradient; with check_vma=False the same code returns one device's gradient of its own shard
  (tests/test_parallel.py).
  """
  return jax.shard_map(per_device, mesh=mesh, in_specs=in_specs, out_specs=PartitionSpec(),
                       check_vma=True)


def data_axis_if_mapped() -> str | None:
  """DATA_AXIS when tracing inside a function mapped over it (the train step's shard_map),
  else None (e.g. a loss called directly in a unit test)."""
  try:
    jax.lax.axis_size(DATA_AXIS)
  except NameError:
    return None
  return DATA_AXIS


def mean_over_devices(value: jax.Array) -> jax.Array:
  """`value` averaged over the data-parallel devices when traced inside the mapped train step
  (a per-device batch mean becomes the global batch's), unchanged outside it."""
  axis = data_axis_if_mapped()
  return value if axis is None else jax.lax.pmean(value, axis)


def wait_if_cpu_collectives(tree, mesh: Mesh) -> None:
  """Waits until `tree` is computed when `mesh` spans several CPU devices, so that no two
  executions of a program with collectives overlap there.

  XLA:CPU (jax 0.10.2) deadlocks when they do: a collective's rendezvous waits for a device
  thread still busy with another execution, times out after 40 s and aborts the process
  ("Termination timeout for `all reduce RendezvousKey...`"). Measured on a 2-core CPU: a jitted
  shard_map `pmean` over 2 simulated devices, called in a loop, aborts within a few hundred
  calls, and the train step of any config within a few dozen when it runs one iteration per
  call; waiting for each call, never. On CPU the devices share the host's cores, so the wait
  costs no overlap worth having. Accelerators are not affected and do not wait.
  """
  if mesh.size > 1 and mesh.devices.flat[0].platform == "cpu":
    jax.block_until_ready(tree)

