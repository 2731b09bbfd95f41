"""Routes of the registry pages; the project mounts them at /registry/."""

from django.urls import path

from villagebooks.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.registry_home, name="home"),
    path("households/<int:household_id>/", views.household_page, name="household"),
    path("persons/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("reconciliation/", views.reconciliation_page, name="reconciliation"),
    path("import/", views.households_import_page, name="import"),
    path("received/", views.received_page, name="received"),
]
