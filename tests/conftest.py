"""Shared test fixtures: tiny configs that train in seconds on a CPU."""

import os
import subprocess
import sys

# Four simulated CPU devices for the data-parallel tests; read when JAX is first imported.
os.environ.setdefault("JAX_NUM_CPU_DEVICES", "4")
# XLA:CPU's LLVM backend at optimisation level 0 instead of 2, for this process and the
# launch scripts it starts (they inherit the environment): the tests' tiny programs spend
# more time compiling than running. Measured on the 2-core AMD EPYC, idle, `pytest -n 2`:
# tests/methods, tests/evaluation, test_image_configs.py and test_train.py (in-process) 545 s
# at level 0 against 657 s at level 1; the rest of the suite but the documented commands
# (mostly launch scripts as processes) 645 s against 679 s; the one test that runs much slower,
# the Unrolled GAN learning test, 97 s against 55 s. Level 0 rounds differently from levels 1
# and 2 (docs/performance.md): the learning tests' comments give level 0's values.
#
# And XLA:CPU's older loop emitters (LLVM IR) instead of its MLIR fusion emitters
# (`--xla_cpu_use_fusion_emitters=false`), where this XLA has the flag: they compile faster and
# the programs here run no slower. Measured on the 2-core AMD EPYC, idle: the first call of five
# tiny update programs (VEEGAN and Unrolled GAN on the ring; Unrolled GAN, AGE and α-GAN on 5k
# image sets, 4 devices) 42.3 and 39.7 s with the fusion emitters against 23.4 and 25.8 s
# without; tests/test_image_configs.py with tests/launch/test_main.py, `-n 2`, 202 s against
# 151 s. The emitters round some programs differently (the Unrolled GAN learning test's seed 0
# ends elsewhere), so the learning tests, whose comments give measured values, compile with the
# fusion emitters (`MEASURED_COMPILER_OPTIONS`).
FUSION_EMITTERS_FLAG = "--xla_cpu_use_fusion_emitters=false"
# numpy's OpenBLAS on one thread, for this process and those it starts: the tests run on as
# many pytest-xdist workers as cores, and a BLAS call that spreads its threads over cores the
# other worker holds waits for them. The Fréchet distances' eigenproblems (384 features, an
# eigh and an SVD) took 0.04 s on one thread against 0.1 to 1.9 s on two while another process
# held the cores (2-core AMD EPYC); on an idle machine one thread is as fast at these sizes.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def xla_knows(flag: str) -> bool:
  """Whether this XLA accepts `flag` (an unknown one aborts the process that starts JAX): asked
  once, of a child process, and remembered in the environment for the pytest-xdist workers and
  the processes the tests start."""
  known = os.environ.get("AEGAN_TESTS_XLA_KNOWS")
  if known is None:
    probe = subprocess.run([sys.executable, "-c", "import jax; jax.devices()"], check=False,
                           capture_output=True, env=dict(os.environ, XLA_FLAGS=flag))
    known = os.environ["AEGAN_TESTS_XLA_KNOWS"] = str(int(probe.returncode == 0))
  return known == "1"


FUSION_EMITTERS_OFF = xla_knows(FUSION_EMITTERS_FLAG)
os.environ["XLA_FLAGS"] = " ".join(
    flag for flag in (os.environ.get("XLA_FLAGS", ""), "--xla_backend_optimization_level=0",
                      FUSION_EMITTERS_FLAG if FUSION_EMITTERS_OFF else "")
    if flag)
# jax.jit's compiler_options of the programs whose results tests compare with measured values.
MEASURED_COMPILER_OPTIONS = {"xla_cpu_use_fusion_emitters": True} if FUSION_EMITTERS_OFF else None

import jax
import jax.numpy as jnp
import ml_collections
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from configs import alpha_gan_ring, gan_ring, veegan_ring  # pylint: disable=wrong-import-position
from configs import age_ring, ali_ring, bigan_ring  # pylint: disable=wrong-import-position
from configs import pacgan_ring, unrolled_gan_ring, wgan_gp_ring  # pylint: disable=wrong-import-position
from tests.precision import as_float64  # pylint: disable=wrong-import-position


@pytest.fixture(scope="session", autouse=True)
def session_compilation_cache(tmp_path_factory) -> None:
  """The tests' processes (pytest-xdist's workers and the launch scripts the tests start) share
  one persistent compilation cache (aegan/compilation_cache.py), fresh each session (JAX locks
  the directory around each read and write): a program several tests compile (the same tiny
  config's update on the same devices) is compiled once, and the user's own cache is neither
  read nor written. In-process too: tests/test_train.py alone, one core of the 2-core AMD EPYC,
  193 s without it against 175 s with it."""
  base = tmp_path_factory.getbasetemp()
  directory = (base.parent if "PYTEST_XDIST_WORKER" in os.environ else base) / "jax_cache"
  directory.mkdir(exist_ok=True)
  os.environ.setdefault("AEGAN_COMPILATION_CACHE", str(directory))
  from aegan import compilation_cache  # pylint: disable=import-outside-toplevel
  compilation_cache.enable(os.environ["AEGAN_COMPILATION_CACHE"])


@pytest.fixture
def float64(monkeypatch):
  """jax's x64 mode, with "float64" a compute dtype of the networks: a test sets
  `config.model.compute_dtype = "float64"` and casts its state with the function this yields
  (every floating leaf to float64). Comparing two computations that differ only in the order
  of their float reductions (1 against 4 devices) in float64 leaves rounding of ~1e-15 of a
  leaf's size (2^-52 times the reductions' lengths and conditioning), so "equal to float32's
  resolution" (float32's epsilon times a leaf's norm) is a bound that holds on any CPU, where in
  float32 itself the same reordering moved a BatchNorm scale by 1% (a sum of terms that nearly
  cancel) on one CPU and not on another."""
  from aegan import models  # pylint: disable=import-outside-toplevel
  monkeypatch.setitem(models.COMPUTE_DTYPES, "float64", jnp.float64)
  with jax.enable_x64(True):
    yield as_float64


def tiny(config: ml_collections.ConfigDict, steps: int = 20, steps_per_call: int = 10,
         batch_size: int = 32) -> ml_collections.ConfigDict:
  """`config` with small networks, a small batch and a short run."""
  config = ml_collections.ConfigDict(config.to_dict())
  config.model.latent_dim = 4
  for name in ("generator", "reconstructor", "encoder", "discriminator", "code_discriminator"):
    if name in config.model:
      config.model[name].hidden = (16,)
  config.train.update(steps=steps, batch_size=batch_size, steps_per_call=steps_per_call,
                      log_every=steps_per_call)
  config.eval.update(every=steps, num_samples=256)
  config.checkpoint.every = steps
  return config


@pytest.fixture
def tiny_veegan() -> ml_collections.ConfigDict:
  return tiny(veegan_ring.get_config())


@pytest.fixture
def tiny_gan() -> ml_collections.ConfigDict:
  return tiny(gan_ring.get_config())


@pytest.fixture
def tiny_alpha_gan() -> ml_collections.ConfigDict:
  return tiny(alpha_gan_ring.get_config())


@pytest.fixture
def tiny_wgan_gp() -> ml_collections.ConfigDict:
  return tiny(wgan_gp_ring.get_config())


@pytest.fixture
def tiny_unrolled_gan() -> ml_collections.ConfigDict:
  return tiny(unrolled_gan_ring.get_config())


@pytest.fixture
def tiny_ali() -> ml_collections.ConfigDict:
  return tiny(ali_ring.get_config())


@pytest.fixture
def tiny_bigan() -> ml_collections.ConfigDict:
  return tiny(bigan_ring.get_config())


@pytest.fixture
def tiny_age() -> ml_collections.ConfigDict:
  return tiny(age_ring.get_config())


@pytest.fixture
def tiny_pacgan() -> ml_collections.ConfigDict:
  """PacGAN with packs of 2: 32 examples, 16 packs, 4 per device on 4 devices."""
  return tiny(pacgan_ring.get_config("2"))
