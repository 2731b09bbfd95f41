from django.urls import include, path

from villagebooks.workspace.vouchers.views import review_all

urlpatterns = [
    path("api/", include("villagebooks.api.urls")),
    # Django's set_language (POST language, next): the user menu's language switch.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("villagebooks.web.urls")),
    path("ledgers/<str:code>/bank/", include("villagebooks.banking.urls")),
    path("ledgers/<str:code>/", include("villagebooks.workspace.urls")),
    path("claims/", include("villagebooks.claims.urls")),
    path("registry/", include("villagebooks.registry.urls")),
    path("funds/", include("villagebooks.funds.urls")),
    # The review queue across every ledger the user may review (a township reviewer's 8).
    path("review/", review_all, name="review_all"),
    path("supervision/", include("villagebooks.supervision.urls")),
    path("affairs/", include("villagebooks.affairs.urls")),
    # Public pages of each village: no login (村务公开).
    path("public/", include("villagebooks.disclosure.urls")),
]
