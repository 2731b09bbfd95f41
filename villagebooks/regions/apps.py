from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class RegionsConfig(AppConfig):
    name = "villagebooks.regions"
    label = "regions"
    verbose_name = "行政区划与用户"

    def ready(self) -> None:
        from villagebooks.regions import permissions
        from villagebooks.regions.models import Region, RoleAssignment

        # A user's assignments are kept for the request or command; any change makes them stale.
        for model in (RoleAssignment, Region):
            for signal in (post_save, post_delete):
                signal.connect(
                    permissions.assignments_changed,
                    sender=model,
                    dispatch_uid=f"permissions-{model.__name__}-{signal is post_save}",
                )
