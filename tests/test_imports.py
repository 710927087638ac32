"""The package's imports form layers: no module of aegan/ imports, directly or through others,
a module that imports it back (launch -> train/evaluate -> evaluation -> experiment ->
methods/models/data). Read from the source with `ast`, function-level imports included, so
an import moved into a function to dodge a cycle still counts."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "aegan"


def module_name(path: pathlib.Path) -> str:
  """aegan/evaluation/classifier.py -> aegan.evaluation.classifier; a package's __init__.py
  is the package."""
  parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
  return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.Module, importer: str, is_package: bool, modules: set[str]
                     ) -> set[str]:
  """The package's modules that `importer` imports anywhere in `tree`: `from a.b import c`
  names a.b.c if that is a module, else a.b; importing a.b.c also runs the packages a and a.b,
  except those `importer` itself lies in (they are already running when it is imported)."""
  own_package = importer if is_package else importer.rpartition(".")[0]
  targets = set()
  for node in ast.walk(tree):
    if isinstance(node, ast.Import):
      names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
      base = node.module or ""
      if node.level:  # Relative: from . import x, from ..a import b.
        anchor = own_package.split(".")[:len(own_package.split(".")) - (node.level - 1)]
        base = ".".join(anchor + ([base] if base else []))
      names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
               for alias in node.names]
    else:
      continue
    for name in names:
      parts = name.split(".")
      for end in range(1, len(parts) + 1):
        target = ".".join(parts[:end])
        if target in modules and target != importer and not (
            importer.startswith(target + ".")):
          targets.add(target)
  return targets


def import_graph() -> dict[str, set[str]]:
  """module -> the package's modules it imports, for every module under aegan/."""
  paths = sorted(PACKAGE.rglob("*.py"))
  modules = {module_name(path) for path in paths}
  return {module_name(path): imported_modules(ast.parse(path.read_text(), str(path)),
                                              module_name(path), path.name == "__init__.py",
                                              modules)
          for path in paths}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
  """One cycle of `graph` as [a, b, ..., a], or None: depth-first search for an edge back
  to a module still on the search's path."""
  on_path, done = [], set()

  def visit(node: str) -> list[str] | None:
    on_path.append(node)
    for target in sorted(graph.get(node, ())):
      if target in on_path:
        return on_path[on_path.index(target):] + [target]
      if target not in done:
        cycle = visit(target)
        if cycle:
          return cycle
    on_path.pop()
    done.add(node)
    return None

  for node in sorted(graph):
    if node not in done:
      cycle = visit(node)
      if cycle:
        return cycle
  return None


def test_graph_reads_known_imports():
  graph = import_graph()
  assert "aegan.evaluation" in graph["aegan.train"]  # from aegan.evaluation import ...
  assert "aegan.evaluation.evaluator" in graph["aegan.evaluation"]  # The package's __init__.
  assert "aegan.experiment" in graph["aegan.evaluation.classifier"]
  # A function-level import counts: sample_quality.py imports its feature networks inside one.
  assert "aegan.evaluation.classifier" in graph["aegan.evaluation.sample_quality"]
  # Ancestors of the importer are not edges (they run before it), other packages are.
  assert "aegan.data" not in graph["aegan.data.mixtures"]
  assert {"aegan.data", "aegan.data.images"} <= graph["aegan.evaluation.classifier"]


def test_find_cycle_finds_a_function_level_cycle():
  tree = ast.parse("import os\n\ndef f():\n  from aegan import a\n")
  modules = {"aegan", "aegan.a", "aegan.b"}
  graph = {"aegan.a": {"aegan.b"}, "aegan.b": imported_modules(tree, "aegan.b", False, modules)}
  assert graph["aegan.b"] == {"aegan.a"}
  assert find_cycle(graph) == ["aegan.a", "aegan.b", "aegan.a"]
  assert find_cycle({"aegan.a": {"aegan.b"}, "aegan.b": set()}) is None


@pytest.mark.parametrize("source, importer, expected", [
    ("from . import b", "aegan.p.a", {"aegan.p.b"}),
    ("from .b import x", "aegan.p.a", {"aegan.p.b"}),
    ("from .. import c", "aegan.p.a", {"aegan.c"}),
    ("import aegan.p.b", "aegan.c", {"aegan.p", "aegan.p.b"}),
])
def test_imported_modules_resolves_relative_and_dotted(source, importer, expected):
  modules = {"aegan", "aegan.c", "aegan.p", "aegan.p.a", "aegan.p.b"}
  assert imported_modules(ast.parse(source), importer, False, modules) == expected


def test_package_imports_have_no_cycle():
  cycle = find_cycle(import_graph())
  assert cycle is None, "import cycle: " + " -> ".join(cycle)
