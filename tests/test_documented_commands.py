"""Every command of README.md's and docs/'s ```sh blocks that launches training, a table, scoring
or a benchmark runs here at a tiny size: the same script with the same flags, its sizes
(iterations, seeds, columns, evaluation samples, network widths) shrunk with flags the script
itself defines and documents, so a documented command that crashes fails the tests.

SHRINK maps each launching script (launch/*.py, benchmarks/*.py) to its rule: a function from
the documented arguments to the arguments run here, or `Skip` with the reason a command cannot
run on this machine (data tfds must prepare, the FID Inception's weights file, several processes
or hosts, PyTorch). A documented command whose script has no rule fails
`test_every_launching_command_has_a_rule`, so a command added to the docs runs without a list to
update. The commands run in document order (README.md, then docs/*.md by name) in one directory
that links the repository's files, so a command reads what an earlier one wrote (the README's
`runs/veegan_ring`, docs/evaluation.md's digit classifier) as it does for a reader; absolute
paths (/tmp/..., /mnt/...) are moved under it; commands that are identical once shrunk run once;
all of them run in one process per set of environment variables (tests/run_commands.py), on one
CPU device, sharing imports and compilations.
"""

import json
import os
import pathlib
from typing import Callable

import importlib
import importlib.util

import ml_collections
import numpy as np
import pytest
from absl import flags
from ml_collections import config_flags

from tests.run_commands import run_in_one_process
from tests.test_docs import DOCS, ROOT, sh_commands, split_commands

LAUNCHING_DIRECTORIES = ("launch", "benchmarks")


class Skip(Exception):
  """A documented command that cannot run here; its message says why."""


# -- flags --------------------------------------------------------------------------------------

def flag(args: list[str], name: str) -> str | None:
  """The last value given to --name (None if not given)."""
  values = [arg.split("=", 1)[1] for arg in args if arg.startswith(f"--{name}=")]
  return values[-1] if values else None


def with_flags(args: list[str], **values) -> list[str]:
  """`args` with each --name=value of `values` replacing the documented ones (a list value
  gives the flag once per item)."""
  kept = [arg for arg in args if arg.split("=", 1)[0].removeprefix("--") not in values]
  for name, value in values.items():
    for item in value if isinstance(value, list) else [value]:
      kept.append(f"--{name}={item}")
  return kept


def load_config(args: list[str], default: str) -> ml_collections.ConfigDict:
  """The config a script taking `--config` builds from `args` (its file, get_config's argument
  and the `--config.<field>` overrides), loaded as the script loads it."""
  config_file = flag(args, "config") or default
  overrides = [arg for arg in args if arg.startswith("--config.")]
  path = str(ROOT / config_file) if not os.path.isabs(config_file) else config_file
  values, argv = flags.FlagValues(), ["shrink", f"--config={path}", *overrides]
  config_flags.DEFINE_config_file("config", path, flag_values=values, sys_argv=argv)
  values(argv)
  return values.config


# Sizes of a tiny run, as config field -> value; only the fields a config has are set.
TINY_FIELDS = {
    "train.steps": 2, "train.steps_per_call": 1, "train.log_every": 1, "train.batch_size": 8,
    "eval.every": 2, "checkpoint.every": 2, "eval.num_samples": 64, "eval.batch_size": 32,
    "eval.ms_ssim_pairs": 8, "eval.features.num_samples": 64, "eval.features.num_real": 64,
    "eval.features.batch_size": 32, "eval.features.kid_subsets": 2,
    "eval.features.kid_subset_size": 16, "eval.features.is_splits": 2, "eval.critic.steps": 2,
    "eval.critic.num_train": 64, "eval.critic.num_test": 32, "eval.critic.batch_size": 16,
    "eval.ivom.num_images": 4, "eval.ivom.steps": 2, "eval.ivom.restarts": 1,
    "data.num_train": 256, "data.num_test": 64,
}


def has_field(config: ml_collections.ConfigDict, path: str) -> bool:
  section = config
  for part in path.split("."):
    if not isinstance(section, ml_collections.ConfigDict) or part not in section:
      return False
    section = section[part]
  return True


def tiny_fields(config: ml_collections.ConfigDict, with_networks: bool = True) -> dict[str, object]:
  """field -> value: TINY_FIELDS that `config` has, and (`with_networks`) conv networks at
  width 4 and MLPs with one hidden layer of 16 units."""
  fields = {path: value for path, value in TINY_FIELDS.items() if has_field(config, path)}
  for name, network in (config.model.items() if with_networks else ()):
    if not isinstance(network, ml_collections.ConfigDict):
      continue
    if network.get("kind", "mlp") == "conv":
      fields[f"model.{name}.width"] = 4
      fields.update({f"model.{name}.{hidden}": (8,) for hidden in ("z_hidden", "head_hidden")
                     if hidden in network})
    elif "hidden" in network:
      fields[f"model.{name}.hidden"] = (16,)
  return fields


def with_config_fields(args: list[str], fields: dict[str, object]) -> list[str]:
  """`args` with a `--config.<field>=<value>` override per field, replacing documented ones."""
  kept = [arg for arg in args if arg.split("=", 1)[0].removeprefix("--config.") not in fields]
  return kept + [f"--config.{path}={value}" for path, value in fields.items()]


def needs_tfds(config: ml_collections.ConfigDict) -> str | None:
  if "data_dir" in config.data:
    return (f"needs tfds's {config.data.name} prepared (docs/data.md); "
            "tests/test_image_configs.py trains its configs on a stand-in")
  return None


# -- the rules ----------------------------------------------------------------------------------

def shrink_main(args: list[str]) -> list[str]:
  """launch/main.py: the config's iterations, evaluation sizes and networks shrunk with
  `--config.<field>` overrides (the same in `--mode=eval`/`sample` as in the run they read)."""
  if flag(args, "num_processes") or flag(args, "coordinator_address"):
    raise Skip("several processes on several hosts; tests/launch/test_multihost.py runs two")
  config = load_config(args, "configs/veegan_ring.py")
  if needs_tfds(config):
    raise Skip(needs_tfds(config))
  return with_config_fields(args, tiny_fields(config))


def cell_fields(config: ml_collections.ConfigDict, with_networks: bool = True
                ) -> dict[str, object]:
  """`tiny_fields` but the iterations and the evaluation and checkpoint schedule, which the
  scripts that train cells set from their own flags (`--steps`)."""
  return {path: value for path, value in tiny_fields(config, with_networks).items()
          if not path.startswith(("train.steps", "train.log_every", "eval.every", "checkpoint."))}


def image_table_fields(table_name: str, data: str) -> dict[str, object]:
  """The evaluation sizes of an image table's cell config (its protocol applied)."""
  from configs.tables import TABLES, image_row_config  # pylint: disable=import-outside-toplevel
  table = TABLES[table_name]
  config = image_row_config(table, table["methods"][0], data)
  return cell_fields(table["protocol"](config, "classifier"), with_networks=False)


def shared_cell_fields(configs: list[ml_collections.ConfigDict]) -> dict[str, object]:
  """The `cell_fields` every one of `configs` has, with the same value: what a `--set`, which
  applies to every cell, may shrink."""
  first_fields, *others = [cell_fields(config) for config in configs]
  return {path: value for path, value in first_fields.items()
          if all(fields.get(path) == value for fields in others)}


def mixture_set(methods: list[str], family: str, steps: int) -> list[str]:
  """`--set` values that shrink mixture cells of `methods` on `family`: one call of `steps`
  iterations and the sizes all their configs share (`shared_cell_fields`)."""
  configs = [importlib.import_module(f"configs.{method}_{family}").get_config()
             for method in methods]
  fields = {"train.steps_per_call": steps, **shared_cell_fields(configs)}
  return [f"{path}={value}" for path, value in fields.items()]


def adding_sets(args: list[str], values: list[str]) -> list[str]:
  """`args` with a `--set=path=value` per item of `values` whose path the documented `--set`s
  do not give (theirs is the command's point)."""
  documented = {arg.split("=", 2)[1] for arg in args if arg.startswith("--set=")}
  return args + [f"--set={value}" for value in values if value.split("=", 1)[0] not in documented]


def shrink_table(args: list[str]) -> list[str]:
  """launch/table.py: every row, one column (the documented one, else the ring or the table's
  offline column), one seed, one cell at a time, 2 iterations (`--steps`); mixture tables: the
  cells' sizes shrunk and their call 2 iterations with `--set`; image tables: the classifiers 2
  iterations (`--classifier_steps`) and the evaluation sizes with `--set`."""
  from configs.tables import TABLES  # pylint: disable=import-outside-toplevel
  if flag(args, "inception_weights"):
    raise Skip("needs the FID Inception's weights file (a download: docs/evaluation.md)")
  table_name = flag(args, "table") or "veegan1"
  table = TABLES[table_name]
  images = table["kind"] == "images"
  data = (flag(args, "datasets") or (table["offline"][0] if images else "ring")).split(",")[0]
  shrunk = with_flags(args, steps=2, seeds=1, jobs=1, datasets=data)
  if images:
    fields = image_table_fields(table_name, data)
    return adding_sets(with_flags(shrunk, classifier_steps=2),
                       [f"{path}={value}" for path, value in fields.items()])
  # The sizes every row shares, whichever rows are documented: commands that share the table's
  # workdir read each other's cells only if these agree.
  return adding_sets(shrunk, mixture_set(table["methods"] + table["extra_methods"], data, 2))


DEFAULT_MIXTURE_METHODS = "gan,ali,unrolled_gan,veegan"  # Both scripts' default rows.


def shrink_robustness(args: list[str]) -> list[str]:
  """benchmarks/robustness.py: the first documented geometry, one seed, 2 iterations in one
  call, the cells' sizes shrunk with `--set` (the documented `--set`s kept)."""
  from benchmarks.mixture_cells import GEOMETRIES  # pylint: disable=import-outside-toplevel
  geometry = first(args, "geometries", "ring")
  methods = (flag(args, "methods") or DEFAULT_MIXTURE_METHODS).split(",")
  return adding_sets(with_flags(args, geometries=geometry, seeds=1, steps=2),
                     mixture_set(methods, GEOMETRIES[geometry][0], 2))


def shrink_sweep(args: list[str]) -> list[str]:
  """benchmarks/baseline_sweep.py: the first documented row, one seed, 2 iterations in one call,
  the cells' sizes shrunk with `--set`."""
  method = first(args, "methods", DEFAULT_MIXTURE_METHODS)
  return adding_sets(with_flags(args, methods=method, seeds=1, steps=2),
                     mixture_set([method], "ring", 2))


def shrink_seeds(args: list[str]) -> list[str]:
  """benchmarks/seeds.py: 2 seeds of 2 iterations in one call, the config's sizes shrunk with
  `--set` (the documented `--set`s kept)."""
  method, family = (flag(args, "config") or "veegan_ring").rsplit("_", 1)  # unrolled_gan, ring
  return adding_sets(with_flags(args, seeds=2, steps=2), mixture_set([method], family, 2))


def shrink_score(args: list[str]) -> list[str]:
  """launch/score.py: 64 samples per set (`--num_samples`); a placeholder `--samples` file
  (PATH.npz) is made under placeholders/<data>/ from the named data set's shape
  (`placeholder_samples`)."""
  if flag(args, "inception_weights"):
    raise Skip("needs the FID Inception's weights file (a download: docs/evaluation.md)")
  samples, data = flag(args, "samples"), flag(args, "data")
  if data and samples and not samples.startswith("runs/"):  # One placeholder per data set.
    args = with_flags(args, samples=f"placeholders/{data}/{samples}")
  return with_flags(args, num_samples=64)


def shrink_step_throughput(args: list[str]) -> list[str]:
  config = load_config(args, "configs/veegan_ring.py")
  if needs_tfds(config) and "--synthetic" not in args:
    raise Skip(needs_tfds(config))
  fused = flag(args, "fused") or "100,1"
  return with_config_fields(with_flags(args, iterations=max(map(int, fused.split(","))),
                                       repeats=1), tiny_fields(config))


def needs_torch(shrink: Callable[[list[str]], list[str]]) -> Callable[[list[str]], list[str]]:
  def rule(args: list[str]) -> list[str]:
    if importlib.util.find_spec("torch") is None:
      raise Skip("needs PyTorch (`pip install torch`), not installed here")
    return shrink(args)
  rule.__doc__ = shrink.__doc__
  return rule


def shrink_accelerator(args: list[str]) -> list[str]:
  """benchmarks/accelerator.py: its plan (`--plan`, which runs nothing) runs here; a step needs
  an NVIDIA GPU and trains the tables' `config` budget."""
  if "--plan" not in args:
    raise Skip("needs an NVIDIA GPU host; its --plan runs here, its steps in "
               "tests/benchmarks/test_accelerator.py with stand-in tables")
  return args


def first(args: list[str], name: str, default: str) -> str:
  """The first item of the documented list flag --name, else `default`."""
  return (flag(args, name) or default).split(",")[0]


SHRINK: dict[str, Callable[[list[str]], list[str]]] = {
    "launch/main.py": shrink_main,
    "launch/table.py": shrink_table,
    "launch/score.py": shrink_score,
    "benchmarks/step_throughput.py": shrink_step_throughput,
    "benchmarks/accelerator.py": shrink_accelerator,
    "benchmarks/baseline_sweep.py": shrink_sweep,
    "benchmarks/compile_times.py": lambda args: with_flags(
        args, configs=first(args, "configs", "veegan_ring")),
    "benchmarks/conv_forms.py": lambda args: with_flags(args, batch=2, repeats=1,
                                                        networks="v_discriminator"),
    "benchmarks/conv_in_loop.py": lambda args: with_flags(
        args, iterations=1, repeats=1, batch=2, size=4, channels="4,4"),
    "benchmarks/fault_injection.py": lambda args: with_flags(
        args, kills=1, steps=20, steps_per_call=10, checkpoint_every=10),
    "benchmarks/feature_throughput.py": lambda args: with_flags(
        args, num=64, repeats=1, classifier_steps=2),
    "benchmarks/host_streaming.py": lambda args: with_flags(
        args, num_images=8, batch=8, draws=1, threads=1, repeats=1),
    "benchmarks/robustness.py": shrink_robustness,
    "benchmarks/seeds.py": shrink_seeds,
    "benchmarks/stacked_digits.py": lambda args: with_flags(
        args, configs=first(args, "configs", "dcgan_stacked_digits"), budget_s=0.01, seeds=1,
        classifier_steps=2, set=[f"{path}={value}" for path, value in tiny_fields(
            importlib.import_module("configs.dcgan_stacked_digits").get_config()).items()
            if not path.startswith(("train.", "eval.every", "checkpoint."))]),
    "benchmarks/upsampling.py": lambda args: with_flags(
        args, size=8, width=4, batch=2, latent=4, repeats=1, slow_repeats=1),
    "benchmarks/veegan_gradients.py": lambda args: with_flags(
        args, seeds=0, steps=2, every=2, probe=16),
    "benchmarks/torch_compare.py": needs_torch(lambda args: with_flags(
        args, configs=first(args, "configs", "veegan_ring"), rounds=1, scale=0.01, cores=1)),
    "benchmarks/torch_dcgan_step.py": needs_torch(lambda args: with_flags(
        args, iterations=1, repeats=1, warmup=1)),
    "benchmarks/torch_veegan_step.py": needs_torch(lambda args: with_flags(
        args, iterations=2, repeats=1, warmup=1)),
}


# -- the documented commands --------------------------------------------------------------------

def launching(argv: list[str]) -> bool:
  """A `python <script>` command of a script under launch/ or benchmarks/."""
  return (len(argv) > 1 and argv[0] in ("python", "python3")
          and argv[1].split("/")[0] in LAUNCHING_DIRECTORIES)


def documented_commands() -> list[tuple[str, dict[str, str], list[str], str | None]]:
  """(where, environment, argv, why it is not run here) of every launching command in document
  order; a remote shell's `--command="..."` counts too, and is not run."""
  found = []
  for path in DOCS:
    for where, argv in sh_commands(path, keep_env=True):
      env = {}
      while argv and "=" in argv[0] and argv[0].split("=")[0].isupper():
        name, value = argv[0].split("=", 1)
        env[name], argv = relocated([value])[0], argv[1:]
      for arg in argv:
        if arg.startswith("--command="):
          found += [(where, env, inner, "runs on every worker of a TPU pod slice")
                    for inner in split_commands(arg.split("=", 1)[1]) if launching(inner)]
      if launching(argv):
        found.append((where, env, argv, None))
  return found


def relocated(args: list[str]) -> list[str]:
  """Absolute paths of the docs (/tmp/..., /mnt/...) moved under the working directory."""
  moved = []
  for arg in args:
    name, equals, value = arg.rpartition("=") if arg.startswith("/") else arg.partition("=")
    if arg.startswith(("/tmp/", "/mnt/")):
      arg = arg.lstrip("/")
    elif equals and value.startswith(("/tmp/", "/mnt/")):
      arg = f"{name}={value.lstrip('/')}"
    moved.append(arg)
  return moved


COMMANDS = documented_commands()


def planned(argv: list[str]) -> list[str]:
  """The argv run here for documented `argv` (Skip if it cannot run)."""
  script = argv[1]
  if script not in SHRINK:
    raise LookupError(f"no rule in SHRINK for {script}")
  return [script, *relocated(SHRINK[script](argv[2:]))]


def placeholder_samples(path: pathlib.Path, data: str) -> None:
  """A samples file for `--samples=PATH.npz --data=<data>` (the docs' placeholder): 64 random
  examples of the data set's shape, uint8 pixels for images."""
  from launch.score import PROTOCOLS  # pylint: disable=import-outside-toplevel
  from aegan.data import make_dataset  # pylint: disable=import-outside-toplevel
  module, _, argument = PROTOCOLS[data].partition(":")
  config = importlib.import_module(f"configs.{module}").get_config(*[argument] if argument else [])
  shape = make_dataset(config.data).example_shape
  rng = np.random.default_rng(0)
  x = (rng.integers(0, 256, (64, *shape), np.uint8) if len(shape) == 3
       else rng.normal(size=(64, *shape)).astype(np.float32))
  path.parent.mkdir(parents=True, exist_ok=True)
  np.savez(path, x=x)


@pytest.fixture(scope="session")
def documented_work(tmp_path_factory) -> pathlib.Path:
  """The directory the documented commands run in (`documented_runs`)."""
  return tmp_path_factory.mktemp("documented")


@pytest.fixture(scope="session")
def documented_runs(documented_work) -> dict[tuple, dict]:
  """Runs every documented launching command that can run here, shrunk, in `documented_work`:
  (environment items, argv run) -> {"status", "traceback"}."""
  work = documented_work
  for entry in ROOT.iterdir():
    if entry.name not in ("runs", ".git", ".venv", "scores"):
      (work / entry.name).symlink_to(entry)
  groups: dict[tuple, list[list[str]]] = {}
  for _, env, argv, remote in COMMANDS:
    try:
      run = planned(argv) if not remote else None
    except (Skip, LookupError):
      continue
    if run is None:
      continue
    samples, data = flag(run, "samples"), flag(run, "data")
    if samples and samples.startswith("placeholders/") and not (work / samples).exists():
      placeholder_samples(work / samples, data)
    commands = groups.setdefault(tuple(sorted(env.items())), [])
    if run not in commands:
      commands.append(run)
  outcomes = {}
  for env, commands in groups.items():
    documented = dict(env)
    if "XLA_FLAGS" in documented:  # After the suite's own (tests/conftest.py), which it may override.
      documented["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {documented['XLA_FLAGS']}".strip()
    completed = run_in_one_process(commands, str(work), timeout=3600, env={
        **os.environ, "JAX_NUM_CPU_DEVICES": "1", **documented})
    for command, result in zip(commands, completed):
      outcomes[env, tuple(command)] = {"status": result.returncode,
                                       "traceback": result.stderr[-5000:]}
  return outcomes


def test_every_launching_command_has_a_rule():
  """A script the docs launch without a rule in SHRINK fails here, naming the command."""
  assert len(COMMANDS) > 40 and any(argv[1] == "launch/table.py" for _, _, argv, _ in COMMANDS)
  missing = sorted({f"{where}: {argv[1]}" for where, _, argv, _ in COMMANDS
                    if argv[1] not in SHRINK})
  assert not missing, f"documented commands whose script has no rule in SHRINK: {missing}"


def test_rules_shrink_with_the_scripts_own_flags():
  """The rules keep the documented flags and replace the sizes: hand-checked cases."""
  assert planned(["python", "launch/table.py", "--table=veegan1", "--methods=all",
                  "--jobs=8"]) == ["launch/table.py", "--table=veegan1", "--methods=all",
                                   "--steps=2", "--seeds=1", "--jobs=1", "--datasets=ring",
                                   "--set=train.steps_per_call=2", "--set=train.batch_size=8",
                                   "--set=eval.num_samples=64",
                                   "--set=model.generator.hidden=(16,)"]
  # A documented --set is kept, and the sizes shrink every network the row has.
  assert planned(["python", "benchmarks/robustness.py", "--methods=gan",
                  "--set=train.batch_size=64", "--workdir=/tmp/r"]) == [
                      "benchmarks/robustness.py", "--methods=gan", "--set=train.batch_size=64",
                      "--workdir=tmp/r", "--geometries=ring", "--seeds=1", "--steps=2",
                      "--set=train.steps_per_call=2", "--set=eval.num_samples=64",
                      "--set=model.discriminator.hidden=(16,)",
                      "--set=model.generator.hidden=(16,)"]
  veegan2 = planned(["python", "launch/table.py", "--table=veegan2", "--budget=short"])
  assert veegan2[:7] == ["launch/table.py", "--table=veegan2", "--budget=short", "--steps=2",
                         "--seeds=1", "--jobs=1", "--datasets=stacked_mnist5k"]
  assert "--set=eval.num_samples=64" in veegan2 and "--classifier_steps=2" in veegan2
  grid = planned(["python", "launch/main.py", "--config=configs/veegan_grid.py",
                  "--config.train.steps=20000", "--workdir=/tmp/veegan_grid_long"])
  assert grid[:3] == ["launch/main.py", "--config=configs/veegan_grid.py",
                      "--workdir=tmp/veegan_grid_long"]
  assert "--config.train.steps=2" in grid and "--config.train.steps=20000" not in grid
  assert "--config.model.generator.hidden=(16,)" in grid
  with pytest.raises(Skip, match="tfds"):
    planned(["python", "launch/main.py", "--config=configs/veegan_cifar.py"])
  with pytest.raises(LookupError):
    planned(["python", "benchmarks/nope.py"])


@pytest.mark.parametrize("where, env, argv, remote", COMMANDS,
                         ids=[f"{where} {argv[1]}" for where, _, argv, _ in COMMANDS])
def test_documented_command_runs(where, env, argv, remote, documented_runs):
  if remote:
    pytest.skip(remote)
  try:
    run = planned(argv)
  except Skip as reason:
    pytest.skip(str(reason))
  result = documented_runs[tuple(sorted(env.items())), tuple(run)]
  assert result["status"] == 0, (f"{where}: python {' '.join(argv)}\nran as: python "
                                 f"{' '.join(run)}\nexit {result['status']}\n{result['traceback']}")


def test_the_documented_sweep_tries_six_settings_and_keeps_the_best_ranked(documented_runs,
                                                                          documented_work):
  """docs/results.md's `benchmarks/baseline_sweep.py`, as run here (GAN, one seed, one call):
  a row per discriminator rate and schedule, each cell trained with that setting, and the kept
  row the one `kept_setting` ranks first from the cells' own results and held modes."""
  from benchmarks import baseline_sweep  # pylint: disable=import-outside-toplevel
  (argv,) = [argv for _, _, argv, _ in COMMANDS if argv[1] == "benchmarks/baseline_sweep.py"]
  assert documented_runs[(), tuple(planned(argv))]["status"] == 0
  sweep = documented_work / "runs" / "baseline_sweep"
  rows = [[cell.strip() for cell in line.strip("|").split("|")]
          for line in (sweep / "sweep.md").read_text().splitlines() if line.startswith("| gan")]
  assert [(row[1], row[2]) for row in rows] == [
      (rate, schedule) for rate in ("0.01", "0.001", "0.0001") for schedule in ("cosine", "constant")]
  outcomes, row_of = {}, {(row[1], row[2]): row for row in rows}
  for rate, schedule in row_of:
    workdir = sweep / f"gan_d{rate}_{schedule}"
    config = json.load(open(workdir / "config.json"))
    assert config["optimizer"]["discriminator"]["learning_rate"] == float(rate)
    assert {network["schedule"] for network in config["optimizer"].values()} == {schedule}
    assert config["train"]["num_seeds"] == 1
    outcomes[rate, schedule] = json.load(open(workdir / "results.json"))
    (held,) = baseline_sweep.cell_held_modes(str(workdir))
    outcomes[rate, schedule]["held_modes"] = held
    assert row_of[rate, schedule][3] == f"{held:.1f}"  # One seed: the value, no spread.
  kept = [(row[1], row[2]) for row in rows if row[-1] == "**kept**"]
  assert kept == [baseline_sweep.kept_setting(outcomes)]
