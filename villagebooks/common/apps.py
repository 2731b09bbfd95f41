from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "villagebooks.common"
    label = "common"
    verbose_name = "通用"
