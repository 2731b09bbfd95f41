from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "villagebooks.regions"
    label = "regions"
    verbose_name = "行政区划与用户"
