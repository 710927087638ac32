"""The persistent compilation cache of the launch scripts (aegan/compilation_cache.py)."""

import os
import subprocess
import sys

from aegan import compilation_cache
from tests.conftest import FUSION_EMITTERS_FLAG

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A program that compiles for well over MIN_COMPILE_SECONDS: a 200-step unrolled loop of matmuls
# (2.9 s at level 0 with XLA:CPU's fusion emitters on an idle 2-core AMD EPYC; 60 steps took
# 0.59 s, too close to the 0.5 s threshold; without the fusion emitters, as the other tests
# compile, 200 steps take 0.87 s, which a fresh clone's run once brought under it, so this
# program compiles with them).
PROGRAM = """
import sys
import jax, jax.numpy as jnp
from absl import flags
from aegan import compilation_cache
flags.FLAGS(sys.argv)
print(compilation_cache.enable_from_flag())
def f(x):
  for i in range(200):
    x = jnp.tanh(x @ x.T + i) @ x
  return x
jax.jit(f)(jnp.ones((64, 64))).block_until_ready()
"""


def run_program(tmp_path, *args, env=None) -> str:
  env = {k: v for k, v in os.environ.items() if k != compilation_cache.ENV
         and not k.startswith(("JAX_COMPILATION_CACHE", "JAX_PERSISTENT_CACHE"))} | (env or {})
  env["HOME"], env["XDG_CACHE_HOME"] = str(tmp_path / "home"), str(tmp_path / "xdg")
  env["XLA_FLAGS"] = env.get("XLA_FLAGS", "").replace(FUSION_EMITTERS_FLAG, "")
  result = subprocess.run([sys.executable, "-c", PROGRAM, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=True)
  return result.stdout.strip()


def entries(directory) -> list[str]:
  if not os.path.isdir(directory):
    return []
  return sorted(name for name in os.listdir(directory) if name.endswith("-cache"))


def test_default_directory_is_under_the_users_cache_dir(monkeypatch):
  monkeypatch.delenv(compilation_cache.ENV, raising=False)
  monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
  assert compilation_cache.default_directory() == "/xdg/aegan/jax"
  monkeypatch.delenv("XDG_CACHE_HOME")
  monkeypatch.setenv("HOME", "/home/someone")
  assert compilation_cache.default_directory() == "/home/someone/.cache/aegan/jax"
  monkeypatch.setenv(compilation_cache.ENV, "/elsewhere")
  assert compilation_cache.default_directory() == "/elsewhere"


def test_a_run_writes_the_cache_where_it_is_told(tmp_path):
  """By default under $XDG_CACHE_HOME/aegan/jax; the flag and the environment variable move it;
  an empty flag turns it off; a second run reads the entry instead of writing another."""
  default = tmp_path / "xdg" / "aegan" / "jax"
  assert run_program(tmp_path) == str(default)
  assert len(entries(default)) == 1
  run_program(tmp_path)
  assert len(entries(default)) == 1  # Read, not written again.

  flagged = tmp_path / "flagged"
  assert run_program(tmp_path, f"--compilation_cache={flagged}") == str(flagged)
  assert len(entries(flagged)) == 1

  from_env = tmp_path / "from_env"
  run_program(tmp_path, env={compilation_cache.ENV: str(from_env)})
  assert len(entries(from_env)) == 1

  assert run_program(tmp_path, "--compilation_cache=", env={compilation_cache.ENV: str(tmp_path / "off")}) == "None"
  assert not os.path.exists(tmp_path / "off")


def test_false_and_its_kin_turn_the_cache_off_instead_of_naming_a_directory(tmp_path, monkeypatch):
  """`--compilation_cache=false` once set the cache to a directory named `false`."""
  updates = []
  monkeypatch.setattr(compilation_cache.jax.config, "update",
                      lambda name, value: updates.append((name, value)))
  for name in ("JAX_COMPILATION_CACHE_DIR", "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS",
               "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "JAX_COMPILATION_CACHE_MAX_SIZE"):
    monkeypatch.setenv(name, "unset by the test")  # Restored whatever `enable` writes.
  for value in ("false", "False", "0", "no", "OFF", " off ", ""):
    assert compilation_cache.enable(value) is None, value
  monkeypatch.setenv(compilation_cache.ENV, "off")
  assert compilation_cache.enable() is None
  assert updates == []
  assert compilation_cache.enable(str(tmp_path / "false_friends")) == str(tmp_path / "false_friends")
  assert ("jax_compilation_cache_dir", str(tmp_path / "false_friends")) in updates
