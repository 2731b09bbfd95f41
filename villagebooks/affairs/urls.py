"""Routes of the village-affairs pages; the project mounts them at /affairs/."""

from django.urls import path  # noqa: F401

app_name = "affairs"

urlpatterns: list = []
