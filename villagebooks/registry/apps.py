from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "villagebooks.registry"
    label = "registry"
    verbose_name = "农户信息与补贴"

    def ready(self) -> None:
        # Declares the registry's actions to ``regions.permissions``.
        from villagebooks.ledger import posting
        from villagebooks.registry import access  # noqa: F401
        from villagebooks.registry.subsidies import mark_paid_lists

        # A list's voucher, once posted, marks the list paid and its lines booked.
        if mark_paid_lists not in posting.after_posting:
            posting.register_after_posting(mark_paid_lists)
