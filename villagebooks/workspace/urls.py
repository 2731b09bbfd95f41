"""The agency's workspace: voucher entry, lists and review (``vouchers``), a ledger's
set-up and closing (``setup``), the import pages (``imports``) and the
entry helpers (``helpers``: common summaries, templates, copies, recurring vouchers). The project mounts these under /ledgers/<code>/."""

from django.urls import include, path

urlpatterns = [
    path("", include("villagebooks.workspace.vouchers.urls")),
    path("", include("villagebooks.workspace.setup.urls")),
    path("", include("villagebooks.workspace.imports.urls")),
    path("", include("villagebooks.workspace.helpers.urls")),
]
