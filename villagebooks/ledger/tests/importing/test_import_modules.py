"""The import package's modules import one another without a cycle, and each imports alone.

Being rid of a cycle between them is what the split into modules with one job each was for: it would bring
back the lazy imports inside functions that hid the old one (``importing`` ⇄ ``import_process``).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import villagebooks.ledger.importing as package

PACKAGE = package.__name__
DIRECTORY = Path(package.__file__).parent
MODULES = sorted(path.stem for path in DIRECTORY.glob("*.py") if path.stem != "__init__")


def _imports_of(module: str, *, when_loaded: bool = False) -> set[str]:
    """The package's modules that ``module`` imports: anywhere in it (in functions too), or
    ``when_loaded`` only those its own import brings along."""
    tree = ast.parse((DIRECTORY / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in tree.body if when_loaded else ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == PACKAGE:  # from villagebooks.ledger.importing import apart
                found |= {alias.name for alias in node.names}
            elif node.module.startswith(PACKAGE + "."):
                found.add(node.module.removeprefix(PACKAGE + ".").split(".")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + "."):
                    found.add(alias.name.removeprefix(PACKAGE + ".").split(".")[0])
    return found


GRAPH = {module: _imports_of(module) for module in MODULES}
LOADED_WITH = {module: _imports_of(module, when_loaded=True) for module in MODULES}


def test_every_import_between_the_modules_names_a_module_of_the_package():
    assert set().union(*GRAPH.values()) <= set(MODULES)
    assert len(MODULES) >= 10


def test_the_modules_import_one_another_without_a_cycle():
    try:
        order = list(TopologicalSorter(GRAPH).static_order())
    except CycleError as error:
        pytest.fail(f"import cycle: {' → '.join(error.args[1])}")
    assert sorted(order) == MODULES


def test_the_graph_sees_a_cycle_when_there_is_one():
    with pytest.raises(CycleError):
        list(TopologicalSorter({**GRAPH, "columns": {"opening"}}).static_order())


def _closure(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += LOADED_WITH[name]
    return seen


CHECK = """
import sys, django
django.setup()
import importlib
importlib.import_module({name!r})
print(" ".join(sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith({prefix!r}))))
"""


def test_each_module_imports_alone_in_a_fresh_interpreter_and_brings_only_what_it_needs():
    # The package's names load lazily, so a module brings along only the modules it imports.
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "villagebooks.settings"),
    }
    running = {
        module: subprocess.Popen(
            [sys.executable, "-c", CHECK.format(name=f"{PACKAGE}.{module}", prefix=PACKAGE + ".")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for module in MODULES
    }
    for module, process in running.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"{module}: {err}"
        assert set(out.split()) == _closure(module), module


def test_public_names_are_importable_from_the_package():
    for name in package.__all__:
        assert getattr(package, name) is not None
    with pytest.raises(AttributeError):
        package.no_such_name  # noqa: B018
