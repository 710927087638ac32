"""Checks a config before anything is compiled, and compares it with a workdir's.

Every problem raises `ConfigError` (aegan/config_checks.py) with one line a user can act on;
`launch/main.py` prints it to stderr and exits non-zero. What only one method reads is checked by
that method's own `validate` (aegan/methods/), called from here.
"""

import json
import os
from collections.abc import Mapping
from typing import Any

import ml_collections

from aegan import data, methods, models, nonfinite
from aegan.config_checks import ConfigError, positive_int, require
from aegan.models.conv import DOWNSAMPLING, UPSAMPLING
from aegan.models.mlp import ACTIVATIONS
from aegan.optimizers import OPTIMIZERS, SCHEDULES
from aegan.writers import replace_atomically

# Fields that may differ between a run and the checkpoint it resumes: they change how long
# and how observably a run goes, not what it computes at each step.
DATA_PLACEMENTS = ("device", "host")  # aegan.train: arrays on every device, or streamed.
RESUMABLE_CHANGES = ("train.steps", "train.log_every", "train.steps_per_call", "train.nonfinite",
                     "eval", "checkpoint")


def validate(config: ml_collections.ConfigDict, num_devices: int) -> None:
  """Raises ConfigError unless `config` can be trained on `num_devices` devices."""
  require(config.method in methods.METHODS,
           f"unknown method {config.method!r}; choose one of {sorted(methods.METHODS)}")
  require(config.data.name in data.DATASETS,
           f"unknown dataset {config.data.name!r}; choose one of {sorted(data.DATASETS)}")
  for name in ("train.steps", "train.batch_size", "train.steps_per_call", "train.log_every",
               "eval.every", "eval.num_samples", "checkpoint.every", "checkpoint.keep"):
    positive_int(config, name)
  train = config.train
  require(train.batch_size % num_devices == 0,
           f"config.train.batch_size={train.batch_size} is not divisible by the {num_devices} devices")
  for name in ("steps", "log_every"):
    require(train[name] % train.steps_per_call == 0,
             f"config.train.{name}={train[name]} is not a multiple of "
             f"config.train.steps_per_call={train.steps_per_call}")
  for name in ("eval.every", "checkpoint.every"):
    section, field = name.split(".")
    require(config[section][field] % train.steps_per_call == 0,
             f"config.{name}={config[section][field]} is not a multiple of "
             f"config.train.steps_per_call={train.steps_per_call}")
  if "num_seeds" in train:
    positive_int(config, "train.num_seeds")
    require(train.num_seeds == 1 or train.get("data_placement", "device") == "device",
             "config.train.num_seeds > 1 needs config.train.data_placement=device (each seed "
             "draws its own batches on device; streamed records would be shared)")
  require(train.get("nonfinite", "stop") in nonfinite.MODES,
           f"unknown config.train.nonfinite {train.get('nonfinite')!r}; choose one of {list(nonfinite.MODES)}")
  require(train.get("data_placement", "device") in DATA_PLACEMENTS,
           f"unknown config.train.data_placement {train.get('data_placement')!r}; "
           f"choose one of {list(DATA_PLACEMENTS)}")
  for network, optimizer in config.optimizer.items():
    require(optimizer.name in OPTIMIZERS,
             f"unknown optimizer {optimizer.name!r} for {network}; choose one of {sorted(OPTIMIZERS)}")
    require(optimizer.learning_rate > 0,
             f"config.optimizer.{network}.learning_rate must be positive, got {optimizer.learning_rate}")
    schedule = optimizer.get("schedule", "constant")
    require(schedule in SCHEDULES,
             f"unknown schedule {schedule!r} for {network}; choose one of {list(SCHEDULES)}")
    if optimizer.get("per_modes") is not None:
      rule = optimizer.per_modes
      require(set(rule.keys()) == {"modes", "power", "min_fraction"} and rule.modes > 0
              and rule.power >= 0 and 0 < rule.min_fraction <= 1,
              f"config.optimizer.{network}.per_modes needs modes > 0, power >= 0 and "
              f"0 < min_fraction <= 1, got {rule.to_dict()} (aegan/optimizers.py)")
      require(config.method != "unrolled_gan",
              f"config.optimizer.{network}.per_modes: Unrolled GAN's unroll rebuilds the "
              "discriminator's optimizer from the config alone, without the data's modes "
              "(aegan/methods/unrolled_gan.py); give the rate itself")
    require("decay_steps" not in optimizer,
             f"config.optimizer.{network}.decay_steps is not a field: a schedule decays over "
             "the run's config.train.steps iterations (aegan/optimizers.py)")
  require(config.eval.num_samples % num_devices == 0,
           f"config.eval.num_samples={config.eval.num_samples} is not divisible by the "
           f"{num_devices} devices")
  dtype = config.model.get("compute_dtype", "float32")
  require(dtype in models.COMPUTE_DTYPES,
           f"unknown config.model.compute_dtype {dtype!r}; choose one of {list(models.COMPUTE_DTYPES)}")
  for network, network_config in config.model.items():
    if isinstance(network_config, ml_collections.ConfigDict):
      _validate_network(network, network_config)
  methods.METHODS[config.method].validate(config, num_devices)  # What only this method reads.


def _validate_network(network: str, network_config: ml_collections.ConfigDict) -> None:
  kind = network_config.get("kind", "mlp")
  for field, value in network_config.items():  # hidden, z_hidden, head_hidden: layer widths.
    if field.endswith("hidden"):  # An override `hidden=wide` parses as ('wide',).
      require(isinstance(value, (tuple, list)) and all(
          isinstance(width, int) and not isinstance(width, bool) and width > 0 for width in value),
               f"config.model.{network}.{field} must be a tuple of positive integers, got {value!r}")
  require(kind in models.KINDS,
           f"unknown kind {kind!r} for config.model.{network}; choose one of {list(models.KINDS)}")
  if "activation" in network_config:
    require(network_config.activation in ACTIVATIONS,
             f"unknown activation {network_config.activation!r} for {network}; "
             f"choose one of {sorted(ACTIVATIONS)}")
  for field, table in (("upsample", UPSAMPLING), ("downsample", DOWNSAMPLING)):
    if field in network_config:
      require(network_config[field] in table,
               f"unknown config.model.{network}.{field} {network_config[field]!r}; "
               f"choose one of {sorted(table)}")


def check_overrides(config: ml_collections.ConfigDict, overrides: Mapping[str, Any]) -> None:
  """Raises ConfigError if command-line overrides (`--config.<path>=value`, as path -> value)
  conflict: two fields tied by one ml_collections FieldReference given different values, where
  the later would silently set both."""
  for path, value in overrides.items():
    resolved = config
    for part in path.split("."):
      resolved = resolved[part]
    if resolved != value:
      winners = [f"--config.{other}={overrides[other]}" for other in overrides
                 if other != path and overrides[other] == resolved]
      raise ConfigError(
          f"--config.{path}={value} conflicts with {' or '.join(winners) or 'another override'}: "
          "the config ties these fields to one value (an ml_collections FieldReference); "
          "override only one of them")


def _without_resumable_changes(config_dict: dict) -> dict:
  result = json.loads(json.dumps(config_dict))
  for path in RESUMABLE_CHANGES:
    *parents, leaf = path.split(".")
    node = result
    for parent in parents:
      node = node.get(parent, {})
    node.pop(leaf, None)
  return result


def check_matches_workdir(config: ml_collections.ConfigDict, workdir: str,
                          ignored: tuple[str, ...] = ()) -> None:
  """Raises ConfigError if `workdir` holds a run whose config computes something else
  (outside the top-level sections `ignored`, e.g. "eval" when evaluating the run), or whose
  config.json is damaged (not a JSON object)."""
  path = os.path.join(workdir, "config.json")
  if not os.path.exists(path):
    return

  def damaged(why: str) -> ConfigError:
    return ConfigError(f"{path}, the run's config, is damaged ({why}): restore it from a copy, "
                       "or use another --workdir")

  with open(path) as f:
    try:
      saved = json.load(f)
    except ValueError as error:  # JSONDecodeError, or bytes that are not UTF-8.
      raise damaged(f"{type(error).__name__}: {error}") from None
  if not isinstance(saved, dict):
    raise damaged(f"a JSON {type(saved).__name__}, not an object")
  saved = _without_resumable_changes(saved)
  current = _without_resumable_changes(config.to_dict())
  for section in ignored:
    saved.pop(section, None)
    current.pop(section, None)
  if saved != current:
    differing = sorted(_differences(saved, current))
    raise ConfigError(
        f"the config differs from the run in {workdir} at {', '.join(differing)}; "
        "use another --workdir or the same config")


def _differences(a: dict, b: dict, prefix: str = "") -> list[str]:
  keys = set(a) | set(b)
  out = []
  for key in keys:
    path = f"{prefix}{key}"
    if isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
      out += _differences(a[key], b[key], path + ".")
    elif a.get(key) != b.get(key):
      out.append(path)
  return out


def write(config: ml_collections.ConfigDict, workdir: str) -> None:
  """Writes the resolved config to `workdir/config.json`, atomically: a temporary file renamed
  over it, so that a run killed mid-write leaves the previous config.json whole."""
  replace_atomically(os.path.join(workdir, "config.json"),
                     lambda f: json.dump(config.to_dict(), f, indent=2, sort_keys=True))


def check_workdir(workdir: str) -> None:
  """Raises ConfigError if `workdir` cannot be a run's directory: a file, under a file, or
  (for a user other than root) in a directory this user may not write."""
  path = os.path.abspath(workdir)
  if os.path.exists(path) and not os.path.isdir(path):
    raise ConfigError(f"the workdir {workdir} is a file, not a directory: use another --workdir")
  existing = path
  while not os.path.exists(existing):  # The nearest part of the path that exists.
    existing = os.path.dirname(existing)
  if not os.path.isdir(existing):
    raise ConfigError(f"the workdir {workdir} cannot be created: {existing} is a file, not a "
                      "directory; use another --workdir")
  if not os.access(existing, os.W_OK | os.X_OK):
    raise ConfigError(f"the workdir {workdir} is not writable: {existing} does not let this "
                      "user write; use another --workdir")
