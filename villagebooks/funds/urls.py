"""Routes of the funds pages; the project mounts them at /funds/."""

from django.urls import path

from villagebooks.funds import views

app_name = "funds"

urlpatterns = [
    path("passport/", views.passport_page, name="passport"),
    path("passport/lines/", views.passport_lines, name="passport_lines"),
    path("execution/", views.execution_page, name="execution"),
    path("allocations/", views.allocation_list, name="allocations"),
    path("allocations/<str:code>/", views.allocation_detail, name="allocation"),
    path("ledger/<str:code>/", views.ledger_funds, name="ledger"),
    path("ledger/<str:code>/projects/<str:project>/", views.project_detail, name="project"),
    path("ledger/<str:code>/projects/<str:project>/advance/", views.project_advance, name="advance"),
    path(
        "ledger/<str:code>/projects/<str:project>/documents/<int:document_id>/",
        views.project_document,
        name="document",
    ),
]
