"""Django's ``migrate``, run as the database's owner, which then grants the app role its rows.

With ``DATABASE_OWNER_URL`` set (PostgreSQL with two roles, DEVELOPERS.md) the app's own role
could not create a table; without it this is Django's command unchanged.
"""

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from villagebooks.common.database_roles import app_role_grant, as_owner, running_as_owner


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        connection = connections[options["database"]]
        with as_owner(connection):
            super().handle(*args, **options)
            if running_as_owner(connection):
                app_role_grant(connection)
