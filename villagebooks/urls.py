from django.urls import include, path

urlpatterns = [
    path("api/", include("villagebooks.api.urls")),
    path("", include("villagebooks.web.urls")),
    path("ledgers/<str:code>/", include("villagebooks.workspace.urls")),
    path("claims/", include("villagebooks.claims.urls")),
]
