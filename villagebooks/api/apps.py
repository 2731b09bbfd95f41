from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "villagebooks.api"
    label = "api"
    verbose_name = "接口"
