"""Several processes, one run: setting up `jax.distributed` and deciding who writes.

Every process runs the same program on its own devices; `jax.devices()` then lists the
devices of all processes, the train step's mesh spans them all, and its collectives cross
hosts (on CPU through gloo, JAX's default CPU collectives). A run is multi-process when

- the flags name it: `--coordinator_address=HOST:PORT --num_processes=N --process_id=I` on
  each host (the coordinator address may come from JAX's own `JAX_COORDINATOR_ADDRESS`
  instead), e.g. several GPU hosts; or
- a cluster manager that `jax.distributed.initialize()` reads by itself launched it: a Cloud
  TPU VM (single host or pod slice: the TPU metadata says which), SLURM with several tasks
  (`SLURM_NTASKS`), Open MPI with several ranks (`OMPI_COMM_WORLD_SIZE`).

Otherwise nothing is initialised and the run is one process. JAX has no environment
variables for the process count and index of a hand-made cluster: use the flags there.

Only process 0 writes the workdir's files (config, metrics, TensorBoard, figures, samples,
results); checkpoints are written by all processes together (orbax), into a directory all
of them can reach.
"""

import glob
import importlib.util
import os

import jax
import numpy as np
from jax.experimental import multihost_utils

_GOOGLE_PCI_VENDOR = "0x1ae0"  # Of TPU chips on the PCI bus (and of Google's virtual NICs).


class DistributedConfigError(ValueError):
  """Flags that do not describe a multi-process run, with a one-line explanation."""


def _on_cloud_tpu() -> bool:
  """A TPU VM, recognised as JAX recognises one: libtpu installed and Google devices on the
  PCI bus (a GPU VM's Google network card alone does not come with libtpu)."""
  if importlib.util.find_spec("libtpu") is None:
    return False
  for vendor_file in glob.glob("/sys/bus/pci/devices/*/vendor"):
    with open(vendor_file) as f:
      if f.read().strip() == _GOOGLE_PCI_VENDOR:
        return True
  return False


def _cluster_manager_processes() -> int:
  """How many processes SLURM or Open MPI launched for this job (1 if neither did)."""
  if "SLURM_JOB_ID" in os.environ and "SLURM_PROCID" in os.environ:
    return int(os.environ.get("SLURM_NTASKS", "1"))
  return int(os.environ.get("OMPI_COMM_WORLD_SIZE", "1"))


def initialize(coordinator_address: str | None = None, num_processes: int | None = None,
               process_id: int | None = None) -> None:
  """Joins this process to a multi-process run, if this is one (module docstring); must run
  before any JAX computation.

  Raises:
    DistributedConfigError: some but not all of the three are given (the coordinator
      address counts as given when `JAX_COORDINATOR_ADDRESS` is set), or they are out of range.
  """
  if num_processes is not None or process_id is not None or coordinator_address is not None:
    coordinator_address = coordinator_address or os.environ.get("JAX_COORDINATOR_ADDRESS")
    missing = [f"--{name}" for name, value in (("coordinator_address", coordinator_address),
                                               ("num_processes", num_processes),
                                               ("process_id", process_id)) if value is None]
    if missing:
      raise DistributedConfigError(
          f"a multi-process run needs --coordinator_address (or JAX_COORDINATOR_ADDRESS), "
          f"--num_processes and --process_id on every process; missing {', '.join(missing)}")
    if num_processes < 1 or not 0 <= process_id < num_processes:
      raise DistributedConfigError(
          f"--process_id must be in [0, --num_processes) and --num_processes at least 1, got "
          f"--process_id={process_id} --num_processes={num_processes}")
    jax.distributed.initialize(coordinator_address, num_processes, process_id)
  elif _on_cloud_tpu() or _cluster_manager_processes() > 1:
    jax.distributed.initialize()


def is_writer() -> bool:
  """Whether this process writes the workdir's files: process 0 only."""
  return jax.process_index() == 0


def any_process(flag: bool) -> bool:
  """Whether `flag` is true on at least one process: the same answer on every process, so that
  all of them take the same branch (e.g. stop and checkpoint when one got SIGTERM) and their
  collectives stay matched. A cross-process gather when there are several processes."""
  if jax.process_count() == 1:
    return flag
  return bool(np.any(multihost_utils.process_allgather(np.asarray(flag))))
