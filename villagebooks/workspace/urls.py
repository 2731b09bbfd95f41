"""The agency's workspace: voucher entry, lists and review (``vouchers``), and a ledger's
set-up and closing (``setup``). The project mounts these under /ledgers/<code>/."""

from django.urls import include, path

urlpatterns = [
    path("", include("villagebooks.workspace.vouchers.urls")),
    path("", include("villagebooks.workspace.setup.urls")),
]
