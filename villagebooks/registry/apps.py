from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "villagebooks.registry"
    label = "registry"
    verbose_name = "农户信息与补贴"

    def ready(self) -> None:
        # Declares the registry's actions to ``regions.permissions``.
        from villagebooks.registry import access  # noqa: F401
