"""Registry fixtures: valid ID numbers and bank cards made on demand, a CSV writer, and users of
黑滩村 (HT01) and 土门村 (TM01)."""

from __future__ import annotations

import csv
import itertools

import pytest
from stdnum import luhn
from stdnum.cn import ric

from villagebooks.regions.services import system_user
from villagebooks.registry.households import COLUMNS, households_import

HEITAN, TUMEN = "510781100201", "510781100202"
_serial = itertools.count(1)


def make_id(birth: str = "19800101", *, male: bool = True, prefix: str = "510781") -> str:
    """A valid ID number (江油市 address code), a new one each call."""
    n = next(_serial) % 500
    order = f"{n * 2 + (1 if male else 0):03d}"[-3:]
    base = prefix + birth + order
    return base + ric.calc_check_digit(base + "0")


def make_card(prefix: str = "6217") -> str:
    base = f"{prefix}{next(_serial):014d}"
    return base + luhn.calc_check_digit(base)


def write_csv(path, rows, columns=COLUMNS):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns] if isinstance(row, dict) else row)
    return path


def person(**values) -> dict:
    row = {
        "village": HEITAN,
        "household": "H001",
        "name": "张三",
        "relation": "户主",
        "alive": "是",
        "status": "一般户",
        "status_date": "2024-01-01",
        "member": "是",
    }
    row.update(values)
    row.setdefault("id_number", make_id())
    return row


@pytest.fixture
def import_rows(tmp_path):
    counter = itertools.count(1)

    def run(rows, actor=None, **kwargs):
        path = write_csv(tmp_path / f"households-{next(counter)}.csv", rows)
        return households_import(actor=actor or system_user(), path=path, **kwargs)

    return run
