"""Routes of the supervision pages; the project mounts them at /supervision/."""

from django.urls import path

from villagebooks.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.supervision_page, name="home"),
    path("alerts/dismiss/", views.alert_dismiss, name="dismiss"),
    path("findings/", views.findings_page, name="findings"),
    path("findings/new/", views.finding_new, name="finding_new"),
    path("findings/<str:code>/<int:number>/", views.finding_page, name="finding"),
    path("findings/<str:code>/<int:number>/respond/", views.finding_respond, name="finding_respond"),
    path("findings/<str:code>/<int:number>/verify/", views.finding_verify, name="finding_verify"),
    path(
        "findings/<str:code>/<int:number>/documents/<int:document_id>/",
        views.finding_document,
        name="finding_document",
    ),
]
