"""Routes of the village-affairs pages; the project mounts them at /affairs/."""

from django.urls import path

from villagebooks.affairs import views_members

app_name = "affairs"

urlpatterns: list = [
    # Members, shares, dividends and decisions (views_members).
    path("members/", views_members.members_home, name="members_home"),
    path("members/import/<str:kind>/", views_members.import_page, name="members_import"),
    path("members/templates/<str:kind>.csv", views_members.import_template, name="members_template"),
    path("members/<str:code>/", views_members.village_page, name="members_village"),
    path(
        "members/<str:code>/dividends/<str:ledger_code>/<int:year>.csv",
        views_members.dividend_list,
        name="dividend_list",
    ),
    path("members/<str:code>/decisions/<int:pk>/link/", views_members.decision_link, name="decision_link"),
    path(
        "members/<str:code>/decisions/<int:pk>/notice/", views_members.decision_notice, name="decision_notice"
    ),
]
