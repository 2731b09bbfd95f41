"""Upgrading a database whose operation log was written before the hash chain: migration
``common.0003`` chains every row in the order of its id, the append-only triggers come back, and
``verify`` finds the chain whole (and still names a row removed afterwards)."""

from __future__ import annotations

import pytest

from villagebooks.ops.tests.conftest import scratch_database, villagebooks_on

pytestmark = pytest.mark.django_db

WRITE_OLD_ROWS = """
from django.db import connection
with connection.cursor() as cursor:
    for number in range(3):
        cursor.execute(
            "INSERT INTO common_auditentry (action, ledger_id, object_type, detail, created_at)"
            " VALUES (%s, 7, '', %s, CURRENT_TIMESTAMP)",
            ["voucher_post", '{"lines": {"10": "a", "2": "b"}, "n": %d}' % number],
        )
"""

TRY_TO_CHANGE_ONE = """
from django.db import DatabaseError, connection
try:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE common_auditentry SET action = 'x' WHERE seq = 2")
except DatabaseError as error:
    print("refused")
"""


def test_rows_written_before_the_chain_are_chained_by_the_upgrade(tmp_path):
    with scratch_database(tmp_path, "audit") as url:
        # A database as the program before the chain left it (forwards only: going back would
        # rebuild the table on SQLite, and the triggers with it).
        step = villagebooks_on(url, "migrate", "common", "0002", "--verbosity=0")
        assert step.returncode == 0, step.stderr
        step = villagebooks_on(url, code=WRITE_OLD_ROWS)
        assert step.returncode == 0, step.stderr

        step = villagebooks_on(url, "migrate", "--verbosity=0")
        assert step.returncode == 0, step.stderr

        done = villagebooks_on(url, "verify")
        assert done.returncode == 0, done.stderr
        assert "操作日志 3 条哈希链完整" in done.stdout
        assert villagebooks_on(url, code=TRY_TO_CHANGE_ONE).stdout.strip() == "refused"
