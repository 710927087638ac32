"""JAX's persistent compilation cache for the launch scripts: a second run of the same config
reads its compiled programs from disk instead of compiling them again.

The directory is `--compilation_cache` if given, else $AEGAN_COMPILATION_CACHE, else
`$XDG_CACHE_HOME/aegan/jax` (`~/.cache/aegan/jax` without XDG_CACHE_HOME); an empty value or
one of `OFF` (false, 0, no, off, in any case) turns the cache off (a directory of such a name:
./off). Programs that compiled in at least `MIN_COMPILE_SECONDS` are written, whatever
their size. A size limit, `MAX_BYTES`, turns on JAX's eviction of the least recently used
entries and, with it, the file lock around every read and write of the directory (JAX's
`LRUCache`), so several processes (launch/table.py --jobs, runs side by side) can share one
directory. The cache is trusted code: do not point it at a directory others can write
(https://docs.jax.dev/en/latest/persistent_compilation_cache.html).
"""

import os

import jax
from absl import flags

ENV = "AEGAN_COMPILATION_CACHE"
OFF = ("", "false", "0", "no", "off")
MIN_COMPILE_SECONDS = 0.5
MAX_BYTES = 4 << 30

COMPILATION_CACHE = flags.DEFINE_string(
    "compilation_cache", None, "Directory of JAX's persistent compilation cache (default: "
    f"${ENV}, else $XDG_CACHE_HOME/aegan/jax or ~/.cache/aegan/jax); empty, false, 0, no or "
    "off: no cache.")


def default_directory() -> str:
  """$AEGAN_COMPILATION_CACHE, else the user's cache directory's aegan/jax."""
  if ENV in os.environ:
    return os.environ[ENV]
  cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
  return os.path.join(cache_home, "aegan", "jax")


def enable(directory: str | None = None) -> str | None:
  """Turns the cache on in `directory` (None: `default_directory()`; a value of `OFF`: off) for
  this process and, through the environment, for the processes it starts; returns the
  directory used (None: off)."""
  directory = default_directory() if directory is None else directory
  if directory.strip().lower() in OFF:
    return None
  settings = {"jax_compilation_cache_dir": directory,
              "jax_persistent_cache_min_compile_time_secs": MIN_COMPILE_SECONDS,
              "jax_persistent_cache_min_entry_size_bytes": -1,
              "jax_compilation_cache_max_size": MAX_BYTES}
  for name, value in settings.items():
    jax.config.update(name, value)
    os.environ[name.upper()] = str(value)  # Read by JAX when a child process imports it.
  return directory


def enable_from_flag() -> str | None:
  """`enable(--compilation_cache)`, for a launch script's `main`, before anything compiles."""
  return enable(COMPILATION_CACHE.value)
