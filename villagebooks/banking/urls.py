"""Routes of the bank reconciliation pages; the project mounts them at /ledgers/<code>/bank/."""

from django.urls import path

from villagebooks.banking import views

app_name = "banking"

urlpatterns = [
    path("", views.reconcile_page, name="reconcile"),
    path("import/", views.import_view, name="import"),
    path("auto/", views.auto_match_view, name="auto"),
    path("match/", views.match_view, name="match"),
    path("unmatch/", views.unmatch_view, name="unmatch"),
]
