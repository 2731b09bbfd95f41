"""The schema can be distributed by ledger on Citus (docs/operations.md, "From a county to a province").

Every table is one of three kinds there, and this test keeps each table in its kind:
- distributed by ``ledger_id``, co-located: every table with a NOT NULL ``ledger_id`` (found by
  introspection, so a new ledger-scoped table joins by itself). Citus enforces a unique key only
  if it contains the distribution column, so each unique key of these tables must include
  ``ledger_id``; their primary key is the surrogate ``id``, which the Citus migration widens to
  (id, ledger_id) — unique already, as ``id`` alone is;
- reference tables, copied to every node: the platform's own data (regions, users and their
  roles, ledgers, statement layouts, tokens, Django's tables);
- local tables on the coordinator: sessions, login attempts, the operation log.
A new table without a NOT NULL ``ledger_id`` fails here until it is given a kind, here and in the docs.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

REFERENCE = {
    "regions_region",
    "regions_roleassignment",  # a role may name a ledger, or a region: it travels with its user
    "ledger_ledger",  # its code is unique across the platform; distributed tables refer to it
    "funds_allocation",  # one transfer document split over many ledgers (its shares are distributed)
    "reports_statementlayout",
    "reports_statementline",
    "api_apitoken",
    "auth_user",
    "auth_group",
    "auth_permission",
    "auth_group_permissions",
    "auth_user_groups",
    "auth_user_user_permissions",
    "django_content_type",
    # The registry is a village's, not one ledger's (a village may keep several ledgers), and the
    # subsidy lines of every ledger refer to its persons: copied to every node with the regions.
    "registry_household",
    "registry_person",
    "registry_householdstatus",
    "registry_helper",
    "registry_registrychange",
    "registry_programme",  # a county's (or province's) programmes, read by every village's lists
    # The collective's members, shares and decisions are a village's too (built on the registry).
    "affairs_membership",
    "affairs_representative",
    "affairs_meeting",
    "affairs_shareclass",
    "affairs_shareentry",
    "affairs_decision",
    "supervision_thresholdsetting",  # a county's thresholds for the supervision rules: few, read by every run
}
COORDINATOR = {
    "django_migrations",
    "django_session",
    "axes_accessattempt",
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
    "common_auditentry",  # one log for the platform: many entries (logins, users) name no ledger
    "api_idempotencykey",  # unique per user across ledgers; a day's retries, never joined with the books
    "ledger_checkpoint",  # a ledger's or a region's signed checkpoint: few rows, read one at a time
    "ledger_checkpointkey",  # the public keys that signed them: the platform's, not a ledger's
    # A region's roll-ups of its ledgers' balances (issue 16): keyed by region, not by ledger, and
    # written by every posting in the region, so kept on the coordinator (a Citus local table)
    # rather than copied to every node.
    "ledger_regionbalance",
    # The side-split accounts' roll-ups (113 by side, issue 16): the same, for the same reasons.
    "ledger_regionsidebalance",
}
# SQLite keeps these single-column keys (it cannot drop them without rebuilding the table, and it
# is never distributed); PostgreSQL has replaced them (ledger/migrations/0006_ledger_in_unique_keys.py).
SQLITE_ONLY_KEYS = {("ledger_voucher", ("reverses_id",))}


def _constraints(table: str) -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def distributed_tables() -> dict[str, type]:
    """Tables with a NOT NULL ledger_id, and their models."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.column == "ledger_id" and not field.null:
                tables[model._meta.db_table] = model
    return tables


def test_every_table_has_one_kind():
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    distributed = set(distributed_tables())

    assert distributed & (REFERENCE | COORDINATOR) == set()
    assert tables - distributed - REFERENCE - COORDINATOR == set()
    assert REFERENCE | COORDINATOR <= tables


def test_the_ledger_scoped_tables_are_the_books():
    assert set(distributed_tables()) >= {
        "ledger_account",
        "ledger_fund",
        "ledger_counterparty",
        "ledger_period",
        "ledger_voucher",
        "ledger_voucherline",
        "ledger_attachment",
        "ledger_openingbalance",
        "ledger_accountbalance",
        "claims_claim",
        "claims_claimphoto",
        "banking_bankstatement",
        "banking_bankline",
        "banking_bankmatch",
        "ledger_project",
        "funds_allocationshare",
        "funds_projectentry",
        "funds_budgetline",
        "funds_projectact",
        "funds_milestonepayment",
        "funds_voucherwarning",
        "funds_projectspending",
    }


def test_every_unique_key_of_a_ledger_scoped_table_includes_ledger_id():
    lacking = []
    for table in sorted(distributed_tables()):
        for name, info in _constraints(table).items():
            if not info["unique"] or info["primary_key"] or "ledger_id" in info["columns"]:
                continue
            if connection.vendor == "sqlite" and (table, tuple(info["columns"])) in SQLITE_ONLY_KEYS:
                continue
            lacking.append(f"{table} {name} {info['columns']}")

    assert lacking == []


def test_the_declared_unique_keys_include_the_ledger_too():
    """What the models declare (the next migration's source), not only what the database has."""
    lacking = []
    for table, model in distributed_tables().items():
        for constraint in model._meta.constraints:
            fields = getattr(constraint, "fields", ())
            if fields and "ledger" not in fields and "ledger_id" not in fields:
                lacking.append(f"{table} {constraint.name}")
        for fields in model._meta.unique_together:
            if "ledger" not in fields:
                lacking.append(f"{table} unique_together {fields}")
        for field in model._meta.concrete_fields:
            declared = field.unique and not field.primary_key
            if declared and (table, (field.column,)) not in SQLITE_ONLY_KEYS:
                lacking.append(f"{table}.{field.column} unique")

    assert lacking == []


def test_every_ledger_scoped_primary_key_is_the_surrogate_id():
    """(id, ledger_id) is then unique too: the primary key the Citus migration gives each table."""
    keys = {}
    for table in distributed_tables():
        primary = [info["columns"] for info in _constraints(table).values() if info["primary_key"]]
        keys[table] = primary

    assert {table: key for table, key in keys.items() if key != [["id"]]} == {}


@pytest.mark.postgres
def test_on_postgresql_a_reversal_is_tied_to_its_original_by_id_and_ledger():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    keys = {
        name: (info["columns"], info["foreign_key"])
        for name, info in _constraints("ledger_voucher").items()
        if "reverses_id" in info["columns"] and (info["unique"] or info["foreign_key"])
    }

    assert keys == {
        "voucher_reverses_once_in_ledger": (["reverses_id", "ledger_id"], None),
        "voucher_reverses_in_ledger": (["reverses_id", "ledger_id"], ("ledger_voucher", "id")),
    }
