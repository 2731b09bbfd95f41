"""Routes of the workspace's voucher pages, under /ledgers/<code>/ (namespace ``vouchers``).

The read-only voucher page and its downloads are the web app's (/ledgers/<code>/vouchers/<id>/);
these are the pages that change vouchers, so they live beside it at other addresses.
"""

from django.urls import path

from villagebooks.workspace.vouchers import views

app_name = "vouchers"

urlpatterns = [
    path("entry/", views.entry, name="entry"),
    path("entry/counterparties/", views.counterparties, name="counterparties"),
    path("vouchers/", views.voucher_index, name="list"),
    path("vouchers/bulk/", views.bulk, name="bulk"),
    path("vouchers/<int:voucher_id>/edit/", views.edit, name="edit"),
    path("vouchers/<int:voucher_id>/submit/", views.submit, name="submit"),
    path("vouchers/<int:voucher_id>/delete/", views.delete, name="delete"),
    path("vouchers/<int:voucher_id>/post/", views.post, name="post"),
    path("vouchers/<int:voucher_id>/reverse/", views.reverse_voucher, name="reverse"),
    path("vouchers/<int:voucher_id>/upload/", views.upload, name="upload"),
    path("vouchers/<int:voucher_id>/files/<int:attachment_id>/", views.attachment_file, name="file"),
    path("review/", views.review, name="review"),
    path("review/<int:voucher_id>/", views.desk, name="desk"),
    path("review/<int:voucher_id>/approve/", views.approve, name="approve"),
    path("review/<int:voucher_id>/send-back/", views.send_back, name="send_back"),
]
