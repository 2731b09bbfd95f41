"""``ledger.posting`` is the only writer of posted vouchers (status, number, poster, time),
of the periods' counters and of balance rows: read from the source of every module.

The walk looks for the shapes such a write takes in this code base: ``VoucherStatus.POSTED``
(or ``"posted"``) given to a write (create, update, save, an SQL statement's parameters, an
assignment); ``number=``, ``posted_at=``, ``posted_by=`` given to a write, or set on an object;
``update_fields`` naming them; SQL text that sets them or the counter; and any write of
``AccountBalance``: a manager's create/update/delete, an instance, its table name for raw SQL,
SQL text on ``ledger_accountbalance``, or ``posting``'s private writers called from outside.
Migrations and tests are left out: they set up and tamper with the books on purpose.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
OWNER = PACKAGE / "ledger" / "posting.py"

WRITE_CALLS = {
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "update_or_create",
    "get_or_create",
    "save",
    "execute",
    "executemany",
    "Voucher",
    "AccountBalance",
}
POSTING_FIELDS = {"number", "posted_at", "posted_by", "posted_by_id", "last_number"}
POSTED_STATUS = "posted"
BALANCE_TABLE_WRITE = re.compile(
    r"(?i)\b(insert\s+into|update|delete\s+from|copy)\s+[\"`]?ledger_accountbalance\b"
)
POSTING_SQL = re.compile(r"(?i)\bset\b[^;]*?\b(last_number|posted_at|posted_by_id|number)\s*=")
POSTING_PRIVATE = re.compile(r"^_")


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _root(node: ast.AST) -> str:
    """The name a chain of attributes and calls starts from (``AccountBalance`` in
    ``AccountBalance.objects.filter(…).delete()``)."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _is_posted_status(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    if isinstance(node, ast.Attribute) and node.attr == "POSTED" and _name(node.value) == "VoucherStatus":
        return True
    return isinstance(node, ast.Constant) and node.value == POSTED_STATUS


def _written(node: ast.AST, parents: dict) -> bool:
    """Whether the value ``node`` goes into a write rather than into a read or a comparison."""
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.Compare):
            return False
        if isinstance(parent, ast.Call) and child is not parent.func:
            return _name(parent.func) in WRITE_CALLS
        if isinstance(parent, ast.Assign | ast.AnnAssign | ast.AugAssign) and child is parent.value:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            return [_name(target) for target in targets] != ["POSTED"]  # not the choice's definition
        if isinstance(parent, ast.Dict):  # parameters of an SQL statement
            return True
        if isinstance(parent, ast.stmt):
            return False
        child, parent = parent, parents.get(parent)
    return False


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):  # the literal parts of an f-string, as one text
        return ["".join(v.value if isinstance(v, ast.Constant) else " x " for v in node.values)]
    return []


def posting_writes(source: str) -> list[tuple[int, str]]:
    """Every write of posted vouchers, counters or balance rows in ``source``: (line, what)."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if _is_posted_status(node) and _written(node, parents):
            found.append((line, "posted status written"))
        if isinstance(node, ast.Call):
            called = _name(node.func)
            if called in WRITE_CALLS - {"save"}:
                for keyword in node.keywords:
                    if keyword.arg in POSTING_FIELDS:
                        found.append((line, f"{keyword.arg}= given to {called}"))
            if called == "save":
                for keyword in node.keywords:
                    if keyword.arg == "update_fields":
                        named = {s for element in ast.walk(keyword.value) for s in _strings(element)}
                        for field_name in sorted(named & POSTING_FIELDS):
                            found.append((line, f"save(update_fields=[{field_name!r}])"))
            if called in WRITE_CALLS and _root(node.func) == "AccountBalance":
                found.append((line, f"AccountBalance written ({called})"))
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in ast.walk(target):
                    if isinstance(element, ast.Attribute) and element.attr in POSTING_FIELDS:
                        found.append((line, f".{element.attr} set"))
        if isinstance(node, ast.Attribute) and node.attr == "db_table" and _root(node) == "AccountBalance":
            found.append((line, "AccountBalance's table for raw SQL"))
        if (
            isinstance(node, ast.Attribute)
            and _name(node.value) == "posting"
            and POSTING_PRIVATE.match(node.attr)
        ):
            found.append((line, f"posting.{node.attr} called from outside"))
        for text in _strings(node):
            if BALANCE_TABLE_WRITE.search(text):
                found.append((line, "SQL writing ledger_accountbalance"))
            if POSTING_SQL.search(text):
                found.append((line, "SQL setting a number, counter or poster"))
    return sorted(set(found))


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if path == OWNER or "migrations" in parts or "tests" in parts or path.name == "conftest.py":
            continue
        yield path


def test_only_posting_writes_posted_vouchers_counters_and_balance_rows():
    writes = [
        f"{path.relative_to(PACKAGE)}:{line}: {what}"
        for path in _modules()
        for line, what in posting_writes(path.read_text(encoding="utf-8"))
    ]
    assert writes == []


def test_posting_itself_is_seen_writing_all_of_it():
    # The walk must recognise posting's own writes, or a clean result above would prove nothing.
    whats = {what for _line, what in posting_writes(OWNER.read_text(encoding="utf-8"))}
    assert {
        "posted status written",
        ".number set",
        ".posted_at set",
        "save(update_fields=['number'])",
        "AccountBalance written (delete)",
        "AccountBalance's table for raw SQL",
        "SQL setting a number, counter or poster",
    } <= whats


WRITES_PUT_BACK = {
    # How services.py, importing.py and year close wrote before ledger.posting took it over.
    "voucher.status, voucher.number = VoucherStatus.POSTED, number": "posted status written",
    "voucher.posted_by, voucher.posted_at = actor, now": ".posted_at set",
    'voucher.save(update_fields=["status", "number", "posted_by", "posted_at", "updated_at"])': (
        "save(update_fields=['number'])"
    ),
    "status = VoucherStatus.POSTED.value": "posted status written",
    "Voucher.objects.filter(pk=1).update(status=VoucherStatus.POSTED)": "posted status written",
    "Voucher.objects.create(ledger=ledger, number=3)": "number= given to create",
    'cursor.execute(sql, {"posted": VoucherStatus.POSTED})': "posted status written",
    "AccountBalance.objects.filter(ledger=ledger, month=0).delete()": "AccountBalance written (delete)",
    "AccountBalance.objects.bulk_create(rows)": "AccountBalance written (bulk_create)",
    "AccountBalance(ledger=ledger).save()": "AccountBalance written (AccountBalance)",
    "table = connection.ops.quote_name(AccountBalance._meta.db_table)": "AccountBalance's table for raw SQL",
    'cursor.execute("UPDATE ledger_accountbalance SET debit_fen = 0")': "SQL writing ledger_accountbalance",
    'cursor.execute(f"UPDATE {table} SET last_number = %s WHERE id = %s", [n, i])': (
        "SQL setting a number, counter or poster"
    ),
    "posting._balances_apply(deltas)": "posting._balances_apply called from outside",
}
READS = [
    "Voucher.objects.filter(ledger=ledger, status=VoucherStatus.POSTED).exists()",
    "unposted = status != VoucherStatus.POSTED",
    "rows = AccountBalance.objects.filter(ledger=ledger).values_list('debit_fen')",
    "title = _('记字第{number}号').format(number=voucher.number)",
    "audit_record(actor=actor, status=VoucherStatus.POSTED if post else VoucherStatus.SUBMITTED)",
    "Voucher.objects.filter(number=3, posted_at__isnull=False)",
    "voucher.save(update_fields=['status', 'reviewed_by', 'reviewed_at', 'updated_at'])",
    "posting.post_voucher(voucher=voucher, actor=actor)",
]


def test_each_kind_of_write_put_back_is_found():
    for source, what in WRITES_PUT_BACK.items():
        assert what in {found for _line, found in posting_writes(source)}, source


def test_reads_are_not_taken_for_writes():
    for source in READS:
        assert posting_writes(source) == [], source


CHAIN_WRITE = re.compile(
    r"ChainEntry\.objects\.(create|bulk_create|update|delete|get_or_create)|ChainHead\.objects\.(create|bulk_create|update|get_or_create)"
    r"|_quoted\(Chain(Entry|Head)\)|Chain(Entry|Head)\._meta\.db_table|ledger_chain(entry|head)"
)
CHAIN_OWNER = PACKAGE / "ledger" / "chain.py"


def test_only_the_chain_module_writes_the_chain():
    # posting.py appends through chain.py; nothing else writes an entry or moves a head.
    writers = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != CHAIN_OWNER
        and "migrations" not in path.parts
        and "tests" not in path.parts
        and CHAIN_WRITE.search(path.read_text(encoding="utf-8"))
    ]
    assert writers == []
    assert CHAIN_WRITE.search(CHAIN_OWNER.read_text(encoding="utf-8"))
