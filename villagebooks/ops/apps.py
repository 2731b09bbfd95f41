from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "villagebooks.ops"
    label = "ops"
    verbose_name = "运维"
