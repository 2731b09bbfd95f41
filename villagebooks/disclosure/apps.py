from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "villagebooks.disclosure"
    label = "disclosure"
    verbose_name = "村务公开"

    def ready(self) -> None:
        # Declares the disclosure's actions to ``regions.permissions``.
        from villagebooks.disclosure import access  # noqa: F401
