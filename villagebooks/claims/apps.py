from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "villagebooks.claims"
    label = "claims"
    verbose_name = "报账单"
