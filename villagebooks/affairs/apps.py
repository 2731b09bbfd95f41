from django.apps import AppConfig


class AffairsConfig(AppConfig):
    name = "villagebooks.affairs"
    label = "affairs"
    verbose_name = "村务管理"
