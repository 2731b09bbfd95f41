"""Routes of the village-affairs pages; the project mounts them at /affairs/."""

from django.urls import path

from villagebooks.affairs import views_property

app_name = "affairs"

urlpatterns: list = [
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
    path("<str:code>/assets/", views_property.asset_list, name="assets"),
    path("<str:code>/assets/depreciate/", views_property.depreciate, name="depreciate"),
    path("<str:code>/assets/<str:card>/dispose/", views_property.asset_dispose, name="dispose"),
    path("<str:code>/resources/", views_property.resource_list, name="resources"),
    path("<str:code>/import/<slug:kind>/", views_property.import_file, name="import"),
]
