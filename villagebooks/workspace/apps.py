from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "villagebooks.workspace"
    label = "workspace"
    verbose_name = "记账工作台"
