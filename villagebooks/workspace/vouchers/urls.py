"""Routes of the workspace's voucher pages, under /ledgers/<code>/ (namespace ``vouchers``).

One voucher has one page, ``vouchers:desk`` at /ledgers/<code>/vouchers/<id>/, which every link
opens (claims, books, reports, the review queue) and which shows what the user may do to it; its
print layout and PDF are the web app's (``voucher_print``, ``voucher_pdf``). The desk's first
address (review/<id>/) redirects to it.
"""

from django.urls import path

from villagebooks.workspace.vouchers import views

app_name = "vouchers"

urlpatterns = [
    path("entry/", views.entry, name="entry"),
    path("entry/counterparties/", views.counterparties, name="counterparties"),
    path("vouchers/", views.voucher_index, name="list"),
    path("vouchers/bulk/", views.bulk, name="bulk"),
    path("vouchers/renumber/", views.renumber, name="renumber"),
    path("vouchers/<int:voucher_id>/", views.desk, name="desk"),
    path("vouchers/<int:voucher_id>/edit/", views.edit, name="edit"),
    path("vouchers/<int:voucher_id>/withdraw/", views.withdraw, name="withdraw"),
    path("vouchers/<int:voucher_id>/submit/", views.submit, name="submit"),
    path("vouchers/<int:voucher_id>/delete/", views.delete, name="delete"),
    path("vouchers/<int:voucher_id>/post/", views.post, name="post"),
    path("vouchers/<int:voucher_id>/reverse/", views.reverse_voucher, name="reverse"),
    path("vouchers/<int:voucher_id>/upload/", views.upload, name="upload"),
    path("vouchers/<int:voucher_id>/files/<int:attachment_id>/", views.attachment_file, name="file"),
    path("review/", views.review, name="review"),
    path("review/<int:voucher_id>/", views.desk_moved, name="desk_moved"),
    path("vouchers/<int:voucher_id>/approve/", views.approve, name="approve"),
    path("vouchers/<int:voucher_id>/send-back/", views.send_back, name="send_back"),
    # The review desk's first addresses, for a page opened before they moved.
    path("review/<int:voucher_id>/approve/", views.approve),
    path("review/<int:voucher_id>/send-back/", views.send_back),
]
