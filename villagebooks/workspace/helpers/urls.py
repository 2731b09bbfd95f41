"""Routes of the entry helpers, under /ledgers/<code>/ (namespace ``helpers``)."""

from django.urls import path

from villagebooks.workspace.helpers import views

app_name = "helpers"

urlpatterns = [
    path("helpers/", views.index, name="index"),
    path("helpers/summaries/", views.summary_add, name="summary_add"),
    path("helpers/summaries/<int:summary_id>/delete/", views.summary_delete, name="summary_delete"),
    path("helpers/templates/<int:template_id>/delete/", views.template_delete, name="template_delete"),
    path("helpers/recurring/generate/", views.recurring_generate, name="recurring_generate"),
    path("helpers/recurring/<int:entry_id>/active/", views.recurring_active, name="recurring_active"),
    path("vouchers/<int:voucher_id>/copy/", views.copy, name="copy"),
    path("vouchers/<int:voucher_id>/save-template/", views.save_template, name="save_template"),
    path("vouchers/<int:voucher_id>/save-recurring/", views.save_recurring, name="save_recurring"),
]
