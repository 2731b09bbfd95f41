"""Routes of the pages; the project mounts them at the site root."""

from django.contrib.auth import views as auth_views
from django.urls import path

from villagebooks.web import views
from villagebooks.web.forms import LoginForm

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
    path(
        "ledgers/<str:code>/trial-balance/",
        views.report_page,
        {"page": "trial_balance"},
        name="trial_balance",
    ),
    path(
        "ledgers/<str:code>/trial-balance.csv",
        views.report_csv,
        {"page": "trial_balance"},
        name="trial_balance_csv",
    ),
    path(
        "ledgers/<str:code>/trial-balance.xlsx",
        views.report_xlsx,
        {"page": "trial_balance"},
        name="trial_balance_xlsx",
    ),
    path(
        "ledgers/<str:code>/fund-summary/", views.report_page, {"page": "fund_summary"}, name="fund_summary"
    ),
    path(
        "ledgers/<str:code>/fund-summary.csv",
        views.report_csv,
        {"page": "fund_summary"},
        name="fund_summary_csv",
    ),
    path(
        "ledgers/<str:code>/fund-summary.xlsx",
        views.report_xlsx,
        {"page": "fund_summary"},
        name="fund_summary_xlsx",
    ),
]
