"""The README's and docs/'s commands and links work as written, and the repository cites no file
it does not contain.

Convention (docs/README.md, Conventions): a fenced block marked `sh` holds commands to run as
written from the repository's root. Each of its lines, joined with its `\\` continuations, is cut
at `&&` into commands (leading `VAR=value` assignments and `# comments` dropped). For a
`python`/`python3` command:
- `-m <module>`: the module can be imported;
- `<script>`: the script exists; every `--flag` it is given (`--noflag` for booleans) is one the
  script defines (`flags.DEFINE_*` or argparse's `add_argument("--name")` in its source) or
  one of absl's own; with
  `config_flags.DEFINE_config_file("config", ...)` in the script, the config file (`--config=`
  or the script's default; `FILE:ARG` passes ARG to get_config) exists and loads with the
  command's `--config.<field>=<value>` overrides, through ml_collections as the launcher parses
  them: a field the config lacks, a value of the wrong type or an ARG get_config refuses fails
  here.
A `pip install -e '.[extra]'` names an extra of setup.py. A `--command="..."` argument (a remote
shell's command) is checked the same way. Other programs (curl, tfds, gcloud) are not checked.
Links: every relative markdown link of the README and docs/ names an existing file and, with
`#anchor`, a heading of that file (GitHub's anchors: lower case, punctuation dropped, spaces to
hyphens).
"""

import ast
import importlib.util
import pathlib
import re
import shlex
import subprocess

import pytest
from absl import flags
from ml_collections import config_flags

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Flags absl's app defines for every script.
ABSL_FLAGS = {"help", "helpfull", "helpshort", "helpxml", "only_check_args", "flagfile", "undefok",
              "logtostderr", "alsologtostderr", "log_dir", "verbosity", "v", "stderrthreshold",
              "showprefixforinfo", "logger_levels", "pdb", "pdb_post_mortem", "run_with_pdb",
              "run_with_profiling", "profile_file", "use_cprofile_for_profiling"}
# absl's flags.DEFINE_*("name", ...) and argparse's add_argument("--name", ...) (launch/score.py).
DEFINED_FLAG = re.compile(r"""(?:DEFINE_\w+\(|add_argument\()\s*["'](?:--)?(\w+)["']""")
CONFIG_FILE_FLAG = re.compile(
    r"""config_flags\.DEFINE_config_file\(\s*["']config["'],\s*os\.path\.join\(REPO,\s*["']configs["'],\s*["']([\w.]+)["']\)""")


def sh_commands(path: pathlib.Path, keep_env: bool = False) -> list[tuple[str, list[str]]]:
  """(where, argv) of every command in the `sh` blocks of the markdown file `path` (with
  `keep_env`, argv keeps its leading `VAR=value` assignments)."""
  commands, block, lines = [], None, path.read_text(encoding="utf-8").splitlines()
  joined, start = "", 0
  for number, line in enumerate(lines, 1):
    if line.lstrip().startswith("```"):  # Fences indented inside a list item count too.
      block = line.lstrip()[3:].strip() if block is None else None
      continue
    if block != "sh":
      continue
    if not joined:
      start = number
    if line.rstrip().endswith("\\"):
      joined += line.rstrip()[:-1] + " "
      continue
    text, joined = joined + line, ""
    for argv in split_commands(text, keep_env):
      commands.append((f"{path.relative_to(ROOT)}:{start}", argv))
  return commands


def split_commands(text: str, keep_env: bool = False) -> list[list[str]]:
  """The commands of a shell line: argv lists cut at `&&`, comments and (unless `keep_env`)
  leading `VAR=value` assignments dropped."""
  lexer = shlex.shlex(text, posix=True, punctuation_chars="&")
  lexer.whitespace_split = True
  commands, argv = [], []
  for token in [*lexer, "&&"]:
    if token == "&&":
      while not keep_env and argv and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", argv[0]):
        argv = argv[1:]
      if argv:
        commands.append(argv)
      argv = []
    else:
      argv.append(token)
  return commands


COMMANDS = [command for path in DOCS for command in sh_commands(path)]


SIBLING_IMPORT = re.compile(r"^(?:from (\w+) import|import (\w+))", re.MULTILINE)


def defined_flags(script: pathlib.Path) -> tuple[set[str], str | None]:
  """(flag names the script defines, itself or in a sibling library module it imports by name
  (one without a `main` of its own: benchmarks/torch_step.py's `add_arguments`), its default
  config file if it takes a config file)."""
  source = script.read_text(encoding="utf-8")
  default = CONFIG_FILE_FLAG.search(source)
  names = set(DEFINED_FLAG.findall(source))
  for match in SIBLING_IMPORT.finditer(source):
    sibling = script.parent / f"{match.group(1) or match.group(2)}.py"
    if sibling.is_file() and "\ndef main(" not in (library := sibling.read_text(encoding="utf-8")):
      names |= set(DEFINED_FLAG.findall(library))
  return names, (f"configs/{default.group(1)}" if default else None)


def check_config(config_file: str, overrides: list[str]) -> None:
  """Loads `config_file` (`FILE` or `FILE:ARG`, get_config's argument) with
  `--config.<field>=<value>` overrides as the launcher does."""
  assert (ROOT / config_file.partition(":")[0]).is_file(), f"no config file {config_file}"
  values, argv = flags.FlagValues(), ["docs", f"--config={ROOT / config_file}", *overrides]
  config_flags.DEFINE_config_file("config", str(ROOT / config_file), flag_values=values,
                                  lock_config=True, sys_argv=argv)
  values(argv)
  assert values.config is not None


def check_python(argv: list[str]) -> None:
  if argv[1] == "-m":
    assert importlib.util.find_spec(argv[2]) is not None, f"no module {argv[2]}"
    return
  script = ROOT / argv[1]
  assert script.is_file(), f"no script {argv[1]}"
  names, default_config = defined_flags(script)
  config_file, overrides = default_config, []
  for arg in argv[2:]:
    if arg.startswith("--config.") and default_config:
      overrides.append(arg)
      continue
    assert arg.startswith("--"), f"{argv[1]}: unexpected argument {arg!r}"
    name, _, value = arg[2:].partition("=")
    if name == "config" and default_config:
      config_file = value
    known = names | ABSL_FLAGS
    assert name in known or (name.startswith("no") and name[2:] in known), (
        f"{argv[1]} defines no flag --{name}")
  if config_file:
    check_config(config_file, overrides)


def extras() -> set[str]:
  """The keys of setup.py's extras_require."""
  for node in ast.walk(ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))):
    if isinstance(node, ast.keyword) and node.arg == "extras_require":
      return {key.value for key in node.value.keys}
  return set()


def check_command(argv: list[str]) -> None:
  if argv[0] in ("python", "python3"):
    check_python(argv)
  elif argv[:3] == ["pip", "install", "-e"]:
    wanted = re.fullmatch(r"\.(?:\[([\w,]+)\])?", argv[3])
    assert wanted, f"pip install -e of {argv[3]!r}, not this repository"
    named = set(filter(None, (wanted.group(1) or "").split(",")))
    assert named <= extras(), f"setup.py has no extra {sorted(named - extras())}"
  for arg in argv:
    if arg.startswith("--command="):
      for inner in split_commands(arg.split("=", 1)[1]):
        if inner[0] in ("python", "python3"):
          check_python(inner)


def test_docs_have_commands():
  """The convention finds the README's two commands (install and run; install and test)."""
  readme = [argv for where, argv in COMMANDS if where.startswith("README.md")]
  assert ["python", "launch/main.py"] in readme
  assert ["python", "-m", "pytest", "-q", "-n", "logical"] in readme


@pytest.mark.parametrize("where, argv", COMMANDS, ids=[where for where, _ in COMMANDS])
def test_command_names_what_exists(where, argv):
  check_command(argv)


def test_command_check_fails_on_what_does_not_exist():
  """The check is not vacuous: a missing script, flag, config field or wrongly typed value fails."""
  for argv in (["python", "launch/nope.py"], ["python", "launch/main.py", "--stepz=3"],
               ["python", "launch/score.py", "--sample=x.npz"],
               ["python", "launch/main.py", "--config.train.stepz=3"],
               ["python", "launch/main.py", "--config.train.steps=many"],
               ["python", "launch/main.py", "--config=configs/nope.py"],
               ["python", "launch/main.py", "--config=configs/ali_images.py:celeb_a"],
               ["pip", "install", "-e", ".[nope]"], ["python", "-m", "nope"],
               ["gcloud", "ssh", "--command=cd aegan && python launch/main.py --stepz=3"]):
    with pytest.raises((AssertionError, AttributeError, flags.Error)):
      check_command(argv)


def github_anchors(path: pathlib.Path) -> set[str]:
  """The #anchors GitHub gives the headings of a markdown file (outside code blocks)."""
  text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
  anchors, seen = set(), {}
  for heading in re.findall(r"^#{1,6} (.+?)\s*$", text, flags=re.M):
    slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
    anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
    seen[slug] = seen.get(slug, 0) + 1
  return anchors


@pytest.mark.parametrize("path", DOCS, ids=[str(path.relative_to(ROOT)) for path in DOCS])
def test_links_resolve(path):
  text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
  text = re.sub(r"`[^`\n]*`", "", text)
  for link in re.findall(r"\]\(([^)\s]+)\)", text):
    if re.match(r"[a-z]+:", link):
      continue
    target, _, anchor = link.partition("#")
    target_path = (path.parent / target).resolve() if target else path
    assert target_path.exists(), f"{path.name}: link to missing {link}"
    if anchor and target_path.suffix == ".md":
      assert anchor in github_anchors(target_path), f"{path.name}: no heading for {link}"


def test_readme_fits_two_screens():
  assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) < 200


def test_no_file_cites_notes_outside_the_repository():
  """The team's notes live outside the repository; nothing in it may cite them."""
  names = [("PAPERS" + ".md").encode(), ("DESIGN" + ".md").encode()]
  files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
  citing = [name for name in files if name and (ROOT / name).is_file()
            and any(cited in (ROOT / name).read_bytes() for cited in names)]
  assert not citing, f"files citing notes the repository does not contain: {citing}"
