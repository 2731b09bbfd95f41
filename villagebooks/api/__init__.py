"""The JSON API (django-ninja, OpenAPI at /api/openapi.json): the books over HTTP for programs.

It owns personal API tokens and the translation of requests into calls of the ledger services
and report builders, and of their answers and errors into JSON; it adds no rule of the books
and no second way to write them. Every ledger and voucher is looked up through
``ledger.access.ledgers_in_scope``, so one outside the caller's scope answers 404 exactly like
one that does not exist. Nothing else imports this package.
"""
