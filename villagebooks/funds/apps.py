from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "villagebooks.funds"
    label = "funds"
    verbose_name = "资金项目"

    def ready(self) -> None:
        # Declares the funds' actions to ``regions.permissions`` and registers the budget
        # control with posting's before/after steps (ledger never imports this app).
        from villagebooks.funds import access, control, spending  # noqa: F401

        control.register()
        # Keeps spending per project, fund, account and month as vouchers are posted (the
        # reports read it), and has ``verify`` check it against the lines.
        spending.register()
