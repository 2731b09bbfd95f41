from django.urls import include, path

urlpatterns = [
    path("api/", include("villagebooks.api.urls")),
    # Django's set_language (POST language, next): the user menu's language switch.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("villagebooks.web.urls")),
    path("ledgers/<str:code>/", include("villagebooks.workspace.urls")),
    path("claims/", include("villagebooks.claims.urls")),
    path("registry/", include("villagebooks.registry.urls")),
    path("supervision/", include("villagebooks.supervision.urls")),
]
