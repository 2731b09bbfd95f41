"""Public pages, no login (the accountant's page excepted); the project mounts them at /public/."""

from django.urls import path

from villagebooks.disclosure import views

app_name = "disclosure"

urlpatterns = [
    path("manage/", views.manage, name="manage"),
    path("manage/publish/", views.publish, name="publish"),
    path("<str:code>/", views.village_page, name="village"),
    path("<str:code>/poster.pdf", views.poster, name="poster"),
    path("<str:code>/lookup/", views.lookup, name="lookup"),
    path("<str:code>/<str:period>/", views.disclosure_page, name="disclosure"),
    path("<str:code>/<str:period>/v<int:version>/", views.disclosure_page, name="version"),
    path("<str:code>/<str:period>/v<int:version>/snapshot.json", views.snapshot_json, name="snapshot"),
]
