"""The actions of bank reconciliation (银行对账), declared to ``regions.permissions`` (imported by
``BankingConfig.ready``).

Seeing statements and matches is for those who see the books and answer for them (not the
village reporter: a statement names every payer and payee of the village's account); importing
a statement and matching it with the books is the accountant's work, as keeping the books is.
"""

from villagebooks.regions import permissions
from villagebooks.regions.models import Role

VIEW, IMPORT, MATCH = permissions.declare(
    "banking",
    {
        "view": (
            Role.ADMIN,
            Role.COUNTY,
            Role.AGENCY_MANAGER,
            Role.ACCOUNTANT,
            Role.REVIEWER,
            Role.SUPERVISOR,
        ),
        "import": (Role.ADMIN, Role.ACCOUNTANT),
        "match": (Role.ADMIN, Role.ACCOUNTANT),
    },
)
