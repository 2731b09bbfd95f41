"""The actions on contracts, asset cards, resources and depreciation, declared to
``regions.permissions`` (imported by ``AffairsConfig.ready``).

Reading them is ``ledger.view`` (every role in scope, the village reporter for their own
village); recording contracts, cards and resources and matching receipts is the accountant's
set-up work; generating the month's depreciation voucher is preparing a voucher.
"""

from villagebooks.regions import permissions
from villagebooks.regions.models import Role

CONTRACTS, ASSETS, RESOURCES, DEPRECIATE = permissions.declare(
    "affairs",
    {
        "contracts": (Role.ADMIN, Role.AGENCY_MANAGER, Role.ACCOUNTANT),
        "assets": (Role.ADMIN, Role.AGENCY_MANAGER, Role.ACCOUNTANT),
        "resources": (Role.ADMIN, Role.AGENCY_MANAGER, Role.ACCOUNTANT),
        "depreciate": (Role.ADMIN, Role.ACCOUNTANT),
    },
)
