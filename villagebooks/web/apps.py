from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "villagebooks.web"
    label = "web"
    verbose_name = "网页"
