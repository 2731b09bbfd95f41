from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "villagebooks.claims"
    label = "claims"
    verbose_name = "报账单"

    def ready(self) -> None:
        # Declares the claims' actions to ``regions.permissions``.
        from villagebooks.claims import access  # noqa: F401
