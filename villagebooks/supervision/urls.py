"""Routes of the supervision pages; the project mounts them at /supervision/."""

from django.urls import path

from villagebooks.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.supervision_page, name="home"),
]
