"""The command line starts without the libraries that only some commands need (issue 18).

openpyxl and fpdf2 (with Pillow) took half of every command's start-up; django-ninja and
pydantic, as an installed app, another quarter. ``villagebooks --help`` and a CSV report must
not import them. The check runs each command in a fresh interpreter, as a user would, and reads
``sys.modules`` there (benchmarks/cli_startup.py times the same commands).
"""

from __future__ import annotations

import pytest

from benchmarks.cli_startup import COMMANDS, HEAVY, heavy_imports, prepare


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A SQLite file with one ledger and its accountant, outside the test database."""
    directory = tmp_path_factory.mktemp("startup")
    prepare(directory)
    return directory


@pytest.mark.parametrize("title", list(COMMANDS))
def test_the_command_imports_no_library_it_does_not_use(home, title):
    assert {"openpyxl", "fpdf", "PIL", "ninja"} <= set(HEAVY)

    assert heavy_imports(home, COMMANDS[title]) == []


def test_the_probe_sees_a_library_that_a_command_does_import(home):
    """The same probe on an XLSX report finds openpyxl: the check above can fail."""
    args = [*COMMANDS["report trial-balance --format csv"][:-1], "xlsx", "--output", str(home / "tb.xlsx")]

    assert "openpyxl" in heavy_imports(home, args)
