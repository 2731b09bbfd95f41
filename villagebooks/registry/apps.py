from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "villagebooks.registry"
    label = "registry"
    verbose_name = "农户信息与补贴"

    def ready(self) -> None:
        # Declares the registry's actions to ``regions.permissions``, and the resolver below.
        from villagebooks.ledger.counterparty_resolvers import register_counterparty_resolver
        from villagebooks.registry import access  # noqa: F401
        from villagebooks.registry.counterparties import person_counterparties

        # A counterparty written as a person's ID number is that person (vouchers, imports).
        register_counterparty_resolver(person_counterparties)
