from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "villagebooks.supervision"
    label = "supervision"
    verbose_name = "监督管理"

    def ready(self) -> None:
        # Declares the supervision actions to ``regions.permissions``.
        from villagebooks.supervision import access  # noqa: F401
