"""The actions of claims, declared to ``regions.permissions`` (imported by ``ClaimsConfig.ready``).

Submitting a claim (报账单) with its receipt photos is the village reporter's; returning and
booking one is preparing a voucher, so it is the ledger's ``ledger.prepare``.
"""

from villagebooks.regions import permissions
from villagebooks.regions.models import Role

(SUBMIT,) = permissions.declare("claims", {"submit": (Role.ADMIN, Role.REPORTER)})
