"""``common.tabular``: every importer's files read the same way — encodings, XLSX cells, headers,
row numbers as a spreadsheet shows them, and a Chinese problem for every file it cannot read."""

import csv
from datetime import datetime

import pytest
from openpyxl import Workbook

from villagebooks.common.tabular import (
    BROKEN_CSV,
    DUPLICATE_COLUMN,
    EMPTY_FILE,
    MISSING_COLUMNS,
    NOT_TEXT,
    NOT_XLSX,
    UNKNOWN_ENCODING,
    UTF16,
    WRONG_FILE_TYPE,
    XLSX_AS_CSV,
    TableError,
    cell_text,
    picker,
    table_open,
)

COLUMNS = {
    "name": ("name", "户主"),
    "amount": ("amount", "金额"),
    "date": ("date", "日期"),
    "note": ("note", "备注"),
}
REQUIRED = ("name", "amount")
PICK = ("name", "amount", "date", "note")


def read(path, required=REQUIRED):
    with table_open(path, COLUMNS, required) as table:
        pick = picker(table.columns, PICK)
        return [(number, pick(cells)) for number, cells in table.rows], table


def problems(path, required=REQUIRED):
    with pytest.raises(TableError) as error:
        read(path, required)
    return [(p.field, str(p.message), p.row) for p in error.value.problems]


def test_utf8_with_a_byte_order_mark_and_chinese_headers(tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(" 户 主 ,金额,备注\n张三,12.50,东头\n李四, 3 ,\n".encode("utf-8-sig"))

    rows, table = read(path)

    # Row 1 is the header, as the spreadsheet numbers it; absent columns read as "".
    assert rows == [(2, ["张三", "12.50", "", "东头"]), (3, ["李四", "3", "", ""])]
    assert table.columns == {"name": 0, "amount": 1, "note": 2}
    assert table.total_rows == 2


def test_gbk_as_chinese_excel_saves_it(tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes("户主,金额\r\n王五,100\r\n".encode("gbk"))

    assert read(path)[0] == [(2, ["王五", "100", "", ""])]


def test_gb18030_beyond_gbk(tmp_path):
    name = "𠮷䶮"  # four-byte GB18030 characters that GBK has not
    path = tmp_path / "households.csv"
    path.write_bytes(f"name,amount\n{name},1\n".encode("gb18030"))
    with pytest.raises(UnicodeEncodeError):
        name.encode("gbk")

    assert read(path)[0] == [(2, [name, "1", "", ""])]


def test_a_quoted_cell_over_two_lines_is_one_row(tmp_path):
    path = tmp_path / "households.csv"
    path.write_text('name,amount,note\n张三,1,"两\n行"\n李四,2,\n', encoding="utf-8")

    assert read(path)[0] == [(2, ["张三", "1", "", "两\n行"]), (3, ["李四", "2", "", ""])]


def test_xlsx_numbers_and_dates_as_cells(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["户主", "金额", "日期", "备注"])
    sheet.append(["张三", 1234.56, datetime(2026, 3, 5), 0.1 + 0.2])
    sheet.append(["李四", 7, datetime(2026, 3, 5, 8, 30), None])
    sheet.append([None, None, None, None])
    path = tmp_path / "households.xlsx"
    workbook.save(path)

    rows, table = read(path)

    assert rows == [
        (2, ["张三", "1234.56", "2026-03-05", "0.3"]),
        (3, ["李四", "7", "2026-03-05 08:30:00", ""]),
        (4, ["", "", "", ""]),
    ]
    assert table.width == 4 and table.unknown == []


def test_a_missing_column_is_named_with_its_chinese_name(tmp_path):
    path = tmp_path / "households.csv"
    path.write_text("户主,备注\n张三,\n", encoding="utf-8")

    assert problems(path) == [("header", MISSING_COLUMNS.format(columns="amount（金额）"), 1)]


def test_a_column_twice_and_unknown_columns(tmp_path):
    path = tmp_path / "households.csv"
    path.write_text("name,amount,金额,门牌,\n", encoding="utf-8")
    assert problems(path) == [("header", DUPLICATE_COLUMN.format(name="金额"), 1)]

    path.write_text("name,amount,门牌,\n", encoding="utf-8")
    assert read(path)[1].unknown == ["门牌"]


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf"], ids=["nothing", "a byte order mark only"])
def test_an_empty_file(tmp_path, content):
    path = tmp_path / "households.csv"
    path.write_bytes(content)
    assert problems(path) == [("file", str(EMPTY_FILE), None)]


def test_a_header_only_file_has_no_rows(tmp_path):
    path = tmp_path / "households.csv"
    path.write_text("name,amount\n", encoding="utf-8")
    assert read(path)[0] == []


def test_files_that_are_no_table(tmp_path):
    text = tmp_path / "households.txt"
    text.write_text("name,amount\n", encoding="utf-8")
    assert problems(text) == [("file", WRONG_FILE_TYPE.format(name="households.txt"), None)]

    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("name,amount\n".encode("utf-16"))
    assert problems(utf16) == [("file", str(UTF16), None)]

    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"name,amount\n\xff\xff\xff,1\n")
    assert problems(latin) == [("file", str(UNKNOWN_ENCODING), None)]

    workbook = tmp_path / "workbook.xlsx"
    Workbook().save(workbook)
    renamed = tmp_path / "workbook.csv"
    renamed.write_bytes(workbook.read_bytes())
    assert problems(renamed) == [("file", str(XLSX_AS_CSV), None)]

    fake = tmp_path / "fake.xlsx"
    fake.write_text("name,amount\n", encoding="utf-8")
    assert problems(fake) == [("file", str(NOT_XLSX), None)]


def test_a_broken_record_names_its_row(tmp_path):
    path = tmp_path / "households.csv"
    limit = csv.field_size_limit()
    path.write_text(f"name,amount\n张三,1\n李四,{'9' * (limit + 1)}\n王五,2\n", encoding="utf-8")

    found = problems(path)

    assert [(field, row) for field, _message, row in found] == [("file", 3)]
    assert found[0][1] == BROKEN_CSV.format(error=f"field larger than field limit ({limit})")


def test_a_nul_byte_is_no_text(tmp_path):
    path = tmp_path / "households.csv"
    path.write_bytes(b"name,amount\n\x00,1\n")
    assert problems(path) == [("file", str(NOT_TEXT), None)]


def test_picking_one_column_and_cells_as_text():
    assert picker({"name": 0}, ("name",))(["  张三 "]) == ["张三"]
    assert picker({"name": 1}, ("name", "amount"))([1, 2.5]) == ["2.5", ""]
    assert [cell_text(v) for v in (None, " a ", 3, 1e16, datetime(2026, 1, 2))] == [
        "",
        "a",
        "3",
        "1e+16",
        "2026-01-02",
    ]
