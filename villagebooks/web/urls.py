"""Routes of the pages; the project mounts them at the site root.

Every report of the catalogue lives under ``reports/<slug>/`` of a ledger or of a region, with
its files beside it (``reports/<slug>.csv``, ``.xlsx``, ``.pdf``). The first report addresses
(``ledgers/<code>/trial-balance/`` …) redirect there.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from villagebooks.web import registry_files, views
from villagebooks.web.forms import LoginForm


def _report_routes(level: str, prefix: str) -> list:
    """The report page, its files and its statement lines, for ``ledger`` or ``region``."""
    routes = [
        path(f"{prefix}/reports/<slug:slug>/", views.report_page, {"level": level}, name=f"{level}_report"),
        path(
            f"{prefix}/reports/<slug:slug>/lines/<int:line_no>/",
            views.statement_line,
            {"level": level},
            name=f"{level}_statement_line",
        ),
    ]
    for fmt in ("csv", "xlsx", "pdf"):
        routes.append(
            path(
                f"{prefix}/reports/<slug:slug>.{fmt}",
                views.report_file,
                {"level": level, "fmt": fmt},
                name=f"{level}_report_{fmt}",
            )
        )
    return routes


def _legacy_routes() -> list:
    routes = []
    for old, slug in (("trial-balance", "trial-balance"), ("fund-summary", "fund-summary")):
        for suffix in ("/", ".csv", ".xlsx"):
            routes.append(
                path(
                    f"ledgers/<str:code>/{old}{suffix}", views.legacy_report, {"slug": slug, "suffix": suffix}
                )
            )
    return routes


urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("regions/go/", views.region_go, name="region_go"),
    *_report_routes("ledger", "ledgers/<str:code>"),
    *_report_routes("region", "regions/<str:code>"),
    # The voucher's own page (/ledgers/<code>/vouchers/<id>/) is the workspace's (vouchers:desk);
    # this is its print layout.
    path("ledgers/<str:code>/vouchers/<int:voucher_id>/print/", views.voucher_page, name="voucher_print"),
    path("ledgers/<str:code>/vouchers/<int:voucher_id>.pdf", views.voucher_pdf, name="voucher_pdf"),
    path("ledgers/<str:code>/vouchers/print.pdf", views.month_vouchers_pdf, name="month_vouchers_pdf"),
    path(
        "ledgers/<str:code>/vouchers/<int:voucher_id>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="voucher_attachment",
    ),
    # The registry's data as files (registry_files): /registry/households.xlsx and the like.
    path("registry/households.<str:fmt>", registry_files.households_file, name="registry_households_file"),
    path(
        "registry/households/<int:household_id>/payments.<str:fmt>",
        registry_files.household_payments_file,
        name="registry_payments_file",
    ),
    path(
        "registry/reconciliation.<str:fmt>",
        registry_files.reconciliation_file,
        name="registry_reconciliation_file",
    ),
    path("registry/received.<str:fmt>", registry_files.received_file, name="registry_received_file"),
    *_legacy_routes(),
]
