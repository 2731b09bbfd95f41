"""Village affairs (村务管理): members and shares, contracts, assets and resources, decisions."""

from django.apps import AppConfig


class AffairsConfig(AppConfig):
    name = "villagebooks.affairs"
    label = "affairs"
    verbose_name = "村务管理"

    def ready(self) -> None:
        # Members, shares, dividends and decisions: their actions, and the year close's split of
        # 向成员分配 by the share register (ledger's extension point). Contracts, assets and
        # resources: their actions.
        from villagebooks.affairs import (
            access,  # noqa: F401
            access_property,  # noqa: F401
            dividends,
        )

        dividends.install()
