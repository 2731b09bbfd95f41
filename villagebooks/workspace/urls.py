"""The agency's workspace: voucher entry, lists and review (``vouchers``), a ledger's
set-up and closing (``setup``), and the import pages (``imports``). The project mounts these under /ledgers/<code>/."""

from django.urls import include, path

urlpatterns = [
    path("", include("villagebooks.workspace.vouchers.urls")),
    path("", include("villagebooks.workspace.setup.urls")),
    path("", include("villagebooks.workspace.imports.urls")),
]
