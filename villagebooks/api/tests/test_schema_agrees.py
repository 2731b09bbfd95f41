"""The OpenAPI document and the validation agree: a request that fits the schema is never refused
for the form of its values (422 "格式不正确", a bad period, an amount, a blank name …), nor answered
400 or 5xx. What it may still hear is a rule of the books that no schema can state: an account
that does not exist, an unbalanced voucher, a date before the ledger's first month.

Schemathesis generates only schema-conforming requests here (its positive mode), derandomized, a
bounded number per operation, against the same seeded ledgers as ``test_schemathesis.py``.
"""

from __future__ import annotations

import re
from types import ModuleType

import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils.functional import Promise
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from villagebooks.affairs import errors as affairs_errors
from villagebooks.affairs import errors_property as affairs_property_errors
from villagebooks.api import banking as api_banking
from villagebooks.api import registry as api_registry
from villagebooks.api import reports as api_reports
from villagebooks.api.tests.test_schemathesis import (  # noqa: F401 (fixtures)
    flatmap_path_parameters,
    in_process_requests,
    seeded,
)
from villagebooks.banking import errors as banking_errors
from villagebooks.common import money, tabular
from villagebooks.disclosure import services as disclosure
from villagebooks.ledger import entry_helpers
from villagebooks.ledger import errors as ledger_errors
from villagebooks.ledger.domain import periods
from villagebooks.ledger.domain import vouchers as voucher_rules
from villagebooks.registry import errors as registry_errors
from villagebooks.registry import households, received, subsidies
from villagebooks.registry.domain import identity
from villagebooks.reports import breakdown, scope
from villagebooks.supervision import services as supervision

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
schema.config.generation.update(modes=[GenerationMode.POSITIVE])
schema.hook(flatmap_path_parameters)

# Where the rules of the books live; every message of these modules may answer a well-formed request…
RULE_MODULES: list[ModuleType] = [
    ledger_errors,
    voucher_rules,
    scope,
    breakdown,
    api_reports,
    banking_errors,  # a bank account that does not exist, a statement's rows
    api_banking,
    tabular,  # an uploaded statement that is no table
    subsidies,
    received,  # a region outside the user's scope
    registry_errors,  # the rows of an uploaded households file
    households,
    identity,
    api_registry,  # an upload too large
    supervision,
    affairs_errors,  # members, shares, dividends, decisions (quorums, lawful ends, the reserve)
    affairs_property_errors,  # a month with nothing to depreciate, a contract's term
    disclosure,  # a period not closed, a correction without a reason
    entry_helpers,  # a template's or summary's name taken, a voucher that cannot be copied
]
# … and the largest amount, which the schema's pattern bounds only by its number of digits.
RULE_MESSAGES = [money.AMOUNT_TOO_LARGE]
# … except these, which are about the form of a value, and which the schema states.
FORM_RULES = {
    ledger_errors.NAME_REQUIRED,
    ledger_errors.REASON_REQUIRED,
    ledger_errors.UNKNOWN_FUND_KIND,
    ledger_errors.UNKNOWN_CHART,
    ledger_errors.NAME_TOO_LONG,
    ledger_errors.NOTE_TOO_LONG,
    voucher_rules.TOO_FEW_LINES,
    voucher_rules.NEGATIVE,
    voucher_rules.EMPTY_SUMMARY,
    voucher_rules.SUMMARY_TOO_LONG,
    voucher_rules.EMPTY_ACCOUNT,
    periods.BAD_PERIOD,
    supervision.BAD_MONTH,
    supervision.SCOPE_NEEDED,
    affairs_property_errors.REASON_REQUIRED,
    affairs_property_errors.BAD_PERIOD,
    entry_helpers.NAME_REQUIRED,
    entry_helpers.NAME_TOO_LONG,
    entry_helpers.SUMMARY_REQUIRED,
    entry_helpers.SUMMARY_TOO_LONG,
    entry_helpers.BAD_DAY,
}


def _template(message) -> re.Pattern:
    # "科目 {code} 不存在于本账套" matches every account code.
    parts = re.split(r"\{[^}]*\}", str(message))
    return re.compile(".+".join(re.escape(part) for part in parts), re.DOTALL)


def _rules_of_the_books() -> list[re.Pattern]:
    form = {str(message) for message in FORM_RULES}
    messages = {
        str(value)
        for module in RULE_MODULES
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str | Promise)
    }
    messages |= {str(message) for message in RULE_MESSAGES}
    return [_template(message) for message in sorted(messages - form)]


RULES = _rules_of_the_books()


def _form_problems(body: dict) -> list[dict]:
    return [
        problem
        for problem in body.get("problems", []) or [{"field": "", "message": body.get("message", "")}]
        if not any(rule.fullmatch(problem["message"]) for rule in RULES)
    ]


def test_the_rules_of_the_books_are_found():
    assert len(RULES) > 30
    assert any(rule.fullmatch(ledger_errors.UNKNOWN_ACCOUNT.format(code="999")) for rule in RULES)
    assert not any(rule.fullmatch(str(periods.BAD_PERIOD)) for rule in RULES)


@schema.parametrize()
@settings(
    max_examples=25, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
def test_a_request_the_schema_allows_is_refused_only_by_the_books(case, seeded, in_process_requests):  # noqa: F811
    response = case.call(headers={"Authorization": f"Bearer {seeded}"})
    status = response.status_code
    sent = f"{case.operation.label} {case.path_parameters} {case.query} {case.body!r}"[:600]
    assert status < 500 and status != 400, f"{status} for {sent}: {response.text[:400]}"
    if status == 422:
        problems = _form_problems(response.json())
        assert problems == [], f"422 for a request the schema allows: {sent}\n{problems}"
