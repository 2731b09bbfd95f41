"""The actions of funds, declared to ``regions.permissions`` (imported by ``FundsConfig.ready``).

Recording allocations and entering projects into the library (which puts a project at 申报) is
set-up work of the agency; each later step is an act of the agency's head (审核, 立项, 公示 …) or
the administrator. The county role stays read-only (``regions.access.READ_ONLY_ROLES``: a role that
only views may be granted by those who manage users), so 县审定 is recorded by the agency's head
or an administrator until roles that act for the county exist.
"""

from villagebooks.regions import permissions
from villagebooks.regions.models import Role

MANAGE, ADVANCE, EVALUATE = permissions.declare(
    "funds",
    {
        # allocations and the project library (import, edit)
        "manage": (Role.ADMIN, Role.AGENCY_MANAGER, Role.ACCOUNTANT),
        # 申报 … 验收, 移交: recorded acts on a project
        "advance": (Role.ADMIN, Role.AGENCY_MANAGER),
        # 绩效评价
        "evaluate": (Role.ADMIN, Role.AGENCY_MANAGER),
    },
)
