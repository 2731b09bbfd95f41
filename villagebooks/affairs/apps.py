"""Village affairs (村务管理): members and shares, contracts, assets and resources, decisions."""

from django.apps import AppConfig


class AffairsConfig(AppConfig):
    name = "villagebooks.affairs"
    label = "affairs"
    verbose_name = "村务管理"

    def ready(self):
        from villagebooks.affairs import access_property  # noqa: F401  declares the actions
