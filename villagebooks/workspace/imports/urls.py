"""Routes of the import pages, under /ledgers/<code>/ (namespace ``imports``)."""

from django.urls import path

from villagebooks.workspace.imports import views

app_name = "imports"

urlpatterns = [
    path("import/<str:kind>/", views.upload, name="upload"),
    path("import/<str:kind>/template.xlsx", views.template, name="template"),
    path("import/<str:kind>/confirm/", views.confirm, name="confirm"),
]
