from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "villagebooks.ledger"
    label = "ledger"
    verbose_name = "会计核算"
