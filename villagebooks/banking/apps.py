from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "villagebooks.banking"
    label = "banking"
    verbose_name = "银行对账"

    def ready(self) -> None:
        # Declares banking's actions to ``regions.permissions`` and adds the unreconciled items
        # to the month-close checklist (``ledger.closing_checks``).
        from villagebooks.banking import access, closing  # noqa: F401
