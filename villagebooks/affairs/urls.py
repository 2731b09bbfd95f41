"""Routes of the village-affairs pages; the project mounts them at /affairs/."""

from django.urls import path

from villagebooks.affairs import views_members, views_property, views_representatives

app_name = "affairs"

urlpatterns: list = [
    # Members, shares, dividends and decisions (views_members).
    path("members/", views_members.members_home, name="members_home"),
    path("members/import/<str:kind>/", views_members.import_page, name="members_import"),
    path("members/templates/<str:kind>.csv", views_members.import_template, name="members_template"),
    path("members/<str:code>/", views_members.village_page, name="members_village"),
    path(
        "members/<str:code>/representatives/",
        views_representatives.representatives_page,
        name="representatives",
    ),
    path("members/<str:code>/meetings/", views_representatives.meetings_page, name="meetings"),
    path(
        "members/<str:code>/dividends/<str:ledger_code>/<int:year>.csv",
        views_members.dividend_list,
        name="dividend_list",
    ),
    path("members/<str:code>/decisions/<int:pk>/link/", views_members.decision_link, name="decision_link"),
    path(
        "members/<str:code>/decisions/<int:pk>/notice/", views_members.decision_notice, name="decision_notice"
    ),
    # contracts, assets and resources (views_property)
    path("templates/<slug:kind>.csv", views_property.import_template, name="import_template"),
    path("<str:code>/contracts/", views_property.contract_list, name="contracts"),
    path("<str:code>/contracts/match/", views_property.receipts_match, name="receipts_match"),
    path(
        "<str:code>/contracts/reconciliation/", views_property.receivable_reconciliation, name="receivables"
    ),
    path("<str:code>/contracts/<str:contract>/", views_property.contract_detail, name="contract"),
    path(
        "<str:code>/contracts/<str:contract>/terminate/", views_property.contract_terminate, name="terminate"
    ),
    path("<str:code>/contracts/<str:contract>/renew/", views_property.contract_renew, name="renew"),
    path("<str:code>/assets/", views_property.asset_list, name="assets"),
    path("<str:code>/assets/depreciate/", views_property.depreciate, name="depreciate"),
    path("<str:code>/assets/<str:card>/dispose/", views_property.asset_dispose, name="dispose"),
    path("<str:code>/resources/", views_property.resource_list, name="resources"),
    path("<str:code>/import/<slug:kind>/", views_property.import_file, name="import"),
]
