"""Django's ``flush``, run as the database's owner: on PostgreSQL it empties the tables with
TRUNCATE, which the app's role may not (DEVELOPERS.md). The test suite's transactional tests
are flushed this way too."""

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from villagebooks.common.database_roles import as_owner


class Command(DjangoFlush):
    def handle(self, **options):
        with as_owner(connections[options["database"]]):
            super().handle(**options)
