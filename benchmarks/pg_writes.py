"""Where a PostgreSQL import's server time goes: the import's writes, replayed without Python.

    .venv/bin/python benchmarks/pg_writes.py --source villagebooks_bench
    .venv/bin/python benchmarks/pg_writes.py --source villagebooks_bench \\
        --sql "ALTER TABLE ledger_voucher DROP CONSTRAINT …"        # a schema variant
    .venv/bin/python benchmarks/pg_writes.py --source villagebooks_bench --check-from-batch 20

``--source`` names a database that holds an imported county (``run.py --database-url …`` leaves
one behind). Its vouchers and lines are read once into memory; a scratch database is made from
it (``<source>_writes``, dropped first), its vouchers, lines and balances are emptied (TRUNCATE,
which the row triggers do not see), ``--sql`` runs, and the rows are written again the way
``import-vouchers --post`` writes them: batches of 400 vouchers, each the COPY of its lines, then
the COPY of its (posted) vouchers, in one transaction whose deferred keys are checked at commit.
Balances are not written (one small statement a batch).

With ``--check-from-batch N`` the keys are checked after each batch from batch N on
(``SET CONSTRAINTS ALL IMMEDIATE``, then ``DEFERRED`` again), after an ``ANALYZE`` at batch N:
the server's cost of checks that an import could overlap with its parsing.

It prints the wall time of the line COPYs, of the voucher COPYs, of the batch-by-batch checks and
of the commit (the foreign key checks), and the CPU seconds the server's processes used, read from /proc: the server must
run on this machine. With no Python parsing in the way, this is the floor the server puts under
an import; ``run.py``'s import time is this plus the importing process's own work, as long as the
two do not overlap.
"""

from __future__ import annotations

import argparse
import os
import time

import psycopg

BATCH = 400
LINE_COLUMNS = (
    "ledger_id, voucher_id, line_no, summary, account_id, debit_fen, credit_fen, fund_id, counterparty_id"
)
TICK = os.sysconf("SC_CLK_TCK")


def server_cpu_seconds() -> float:
    """CPU time of every postgres process, the backends that have exited included."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as comm:
                if not comm.read().startswith("postgres"):
                    continue
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline") as cmdline:
                postmaster = " -D " in cmdline.read().replace("\0", " ")
        except OSError:
            continue
        utime, stime, children_utime, children_stime = (int(x) for x in fields[11:15])
        total += utime + stime
        if postmaster:  # the backends it has reaped
            total += children_utime + children_stime
    return total / TICK


def read_rows(source: str) -> tuple[list[bytes], dict[bytes, list[bytes]]]:
    """The source's vouchers (COPY text, one row each) and their lines by voucher id."""
    vouchers, lines = [], {}
    with psycopg.connect(source) as connection, connection.cursor() as cursor:
        with cursor.copy("COPY (SELECT * FROM ledger_voucher ORDER BY id) TO STDOUT") as copy:
            vouchers = b"".join(bytes(block) for block in copy).splitlines(keepends=True)
        with cursor.copy(
            f"COPY (SELECT {LINE_COLUMNS} FROM ledger_voucherline ORDER BY id) TO STDOUT"
        ) as copy:
            for row in b"".join(bytes(block) for block in copy).splitlines(keepends=True):
                lines.setdefault(row.split(b"\t", 2)[1], []).append(row)
    return vouchers, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="a database holding an imported county")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--sql", default="", help="statements run on the scratch database first")
    parser.add_argument(
        "--check-from-batch",
        type=int,
        default=None,
        metavar="N",
        help="check the keys batch by batch from batch N on (after an ANALYZE there), not at commit",
    )
    args = parser.parse_args()
    if "bench" not in args.source:
        raise SystemExit("name a benchmark's database (its name contains 'bench')")
    scratch = f"{args.source}_writes"
    server = f"host={args.host} user={args.user}"

    vouchers, lines = read_rows(f"{server} dbname={args.source}")
    print(f"{len(vouchers):,} vouchers, {sum(map(len, lines.values())):,} lines from {args.source}")
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{args.source}"')
    with psycopg.connect(f"{server} dbname={scratch}") as connection:
        connection.execute("TRUNCATE ledger_voucherline, ledger_voucher, ledger_accountbalance CASCADE")
        if args.sql:
            connection.execute(args.sql)
        connection.commit()
        connection.execute("CHECKPOINT")
        connection.commit()
        cursor = connection.cursor()
        copying_lines = copying_vouchers = checking = 0.0
        cpu_before, started = server_cpu_seconds(), time.perf_counter()
        for number, first in enumerate(range(0, len(vouchers), BATCH)):
            batch = vouchers[first : first + BATCH]
            batch_lines = b"".join(row for voucher in batch for row in lines[voucher.split(b"\t", 1)[0]])
            at = time.perf_counter()
            with cursor.copy(f"COPY ledger_voucherline ({LINE_COLUMNS}) FROM STDIN") as copy:
                copy.write(batch_lines)
            copied = time.perf_counter()
            with cursor.copy("COPY ledger_voucher FROM STDIN") as copy:
                copy.write(b"".join(batch))
            copying_lines += copied - at
            copying_vouchers += time.perf_counter() - copied
            if args.check_from_batch is not None and number >= args.check_from_batch:
                at = time.perf_counter()
                if number == args.check_from_batch:
                    # Plans for the key checks are made at their first use: with statistics, not
                    # for the nearly empty tables of the import's start.
                    cursor.execute("ANALYZE ledger_voucherline, ledger_voucher")
                # Fires the checks queued so far, then queues again (what a writer would do
                # while the next batch is parsed).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                checking += time.perf_counter() - at
        committing = time.perf_counter()
        connection.commit()
        ended = time.perf_counter()
        cpu = server_cpu_seconds() - cpu_before
    print(
        f"wall {ended - started:.1f} s: line COPYs {copying_lines:.1f} s, voucher COPYs"
        f" {copying_vouchers:.1f} s, key checks batch by batch {checking:.1f} s,"
        f" commit (deferred key checks) {ended - committing:.1f} s;"
        f" server CPU {cpu:.1f} s"
    )
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{scratch}"')


if __name__ == "__main__":
    main()
