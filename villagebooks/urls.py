from django.urls import include, path

urlpatterns = [
    path("", include("villagebooks.web.urls")),
    path("ledgers/<str:code>/", include("villagebooks.workspace.urls")),
    path("claims/", include("villagebooks.claims.urls")),
]
