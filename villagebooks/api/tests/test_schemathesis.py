"""Schemathesis over the whole OpenAPI document: whatever it sends, the API never answers 5xx.

It calls the WSGI application in-process with an accountant's token, against a seeded ledger
(HT01) with a draft, a submitted and a posted voucher and an attachment; half of the generated
path parameters are replaced by those real codes and ids, so that the cases reach the services
and the report builders instead of stopping at a 404. Examples are few per operation to keep
the run under a minute.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from villagebooks.api.services import api_token_create
from villagebooks.ledger import services
from villagebooks.ledger.tests.books import parse_vouchers, post

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 24
VOUCHER = "2025-03-10 购买办公用品\n  借 513 管理费用 12.30\n  贷 102 银行存款 12.30"


# Filled by the ``seeded`` fixture before each run; the hook below reads it while generating.
SEEDED: dict[str, list] = {}
# The document is read from the application itself, as a client would read it.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Each path parameter: what schemathesis made up, or one of the seeded codes and ids."""
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            name: st.one_of(st.just(value), st.sampled_from(SEEDED[name]))
            if SEEDED.get(name)
            else st.just(value)
            for name, value in path_parameters.items()
        }
    )


@pytest.fixture
def seeded(ledger, other_ledger, accountant, reviewer):
    (posted,) = post(ledger, accountant, reviewer, VOUCHER)
    day, _, lines = parse_vouchers(VOUCHER)[0]
    draft = services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines)
    submitted = services.voucher_create(actor=accountant, ledger=ledger, date=day, lines=lines, submit=True)
    attachment = services.attachment_add(actor=accountant, voucher=draft, name="发票.png", content=PNG)
    created = api_token_create(actor=accountant, name="schemathesis")
    SEEDED.clear()
    SEEDED.update(
        {
            "code": ["HT01", "TM01"],
            "voucher_id": [posted.pk, draft.pk, submitted.pk],
            "attachment_id": [attachment.pk],
            "token_id": [created.token.pk],
            "slug": [],
        }
    )
    yield created.secret
    SEEDED.clear()


@pytest.fixture
def in_process_requests():
    """Requests through the WSGI handler share the test's transaction, as the test client's do:
    Django's handler would otherwise close the connection at each request and lose it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_server_fail(case, seeded, in_process_requests):
    response = case.call(headers={"Authorization": f"Bearer {seeded}"})
    case.validate_response(response, checks=[not_a_server_error])
