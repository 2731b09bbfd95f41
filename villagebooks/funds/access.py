"""The actions of funds, declared to ``regions.permissions`` (imported by ``FundsConfig.ready``).

Recording allocations and entering projects into the library (which puts a project at 申报) is
set-up work of the agency; the lifecycle's steps are acts of two kinds (issue 12):

- the county's decisions (``decide``): 审核 (county review of a declared project), 验收
  (acceptance) and 绩效评价 (performance evaluation) — held by the county office
  (``Role.COUNTY``), the administrator, and the agency's head, who may record a decision the
  county made on paper;
- the agency's steps (``advance``): 立项, 公示, 实施, 移交 — the agency's head or the administrator.

The county office stays a read-only role for user management (``regions.access.READ_ONLY_ROLES``):
its decisions on projects are no power over the books (``ledger/tests/test_access.py``).
"""

from villagebooks.funds.models import ProjectState
from villagebooks.regions import permissions
from villagebooks.regions.models import Role

MANAGE, ADVANCE, DECIDE = permissions.declare(
    "funds",
    {
        # allocations and the project library (import, edit)
        "manage": (Role.ADMIN, Role.AGENCY_MANAGER, Role.ACCOUNTANT),
        # 立项, 公示, 实施, 移交: the agency's recorded acts on a project
        "advance": (Role.ADMIN, Role.AGENCY_MANAGER),
        # 审核, 验收, 评价: the county's decisions
        "decide": (Role.ADMIN, Role.AGENCY_MANAGER, Role.COUNTY),
    },
)

# The steps that are the county's decisions; every other step is the agency's.
COUNTY_STEPS = (ProjectState.REVIEWED, ProjectState.ACCEPTED, ProjectState.EVALUATED)


def action_for(state: str) -> str:
    """The action a step to ``state`` needs."""
    return DECIDE if state in COUNTY_STEPS else ADVANCE
