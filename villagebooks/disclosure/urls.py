"""Public pages, no login; the project mounts them at /public/."""

from django.urls import path  # noqa: F401

app_name = "disclosure"

urlpatterns: list = []
