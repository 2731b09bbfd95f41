"""Routes of the workspace's set-up and closing pages, under /ledgers/<code>/ (namespace ``setup``)."""

from django.urls import path

from villagebooks.workspace.setup import views

app_name = "setup"

urlpatterns = [
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/add/", views.account_add, name="account_add"),
    path("accounts/<str:account_code>/rename/", views.account_rename, name="account_rename"),
    path("accounts/<str:account_code>/active/", views.account_active, name="account_active"),
    path("opening-balances/", views.opening, name="opening"),
    path("closing/", views.closing, name="closing"),
    path("closing/close/", views.period_close, name="period_close"),
    path("closing/reopen/", views.period_reopen, name="period_reopen"),
    path("closing/year/", views.year_close, name="year_close"),
    path("closing/convert/", views.convert, name="convert"),
]
