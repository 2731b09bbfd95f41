from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "villagebooks.ledger"
    label = "ledger"
    verbose_name = "会计核算"

    def ready(self) -> None:
        # Declares the ledger's actions to ``regions.permissions``.
        from villagebooks.ledger import access  # noqa: F401
