"""Routes of the claim pages; the project mounts them at /claims/."""

from django.urls import path

from villagebooks.claims import views

app_name = "claims"

urlpatterns = [
    path("", views.claims_home, name="home"),
    path("new/", views.claim_new, name="new"),
    path("<int:claim_id>/", views.claim_detail, name="detail"),
    path("<int:claim_id>/photos/<int:photo_id>/", views.claim_photo, name="photo"),
    path("<int:claim_id>/withdraw/", views.claim_withdraw_view, name="withdraw"),
    path("<int:claim_id>/return/", views.claim_return_view, name="return"),
    path("<int:claim_id>/book/", views.claim_book_view, name="book"),
    path("ledger/<str:code>/", views.ledger_claims_page, name="ledger"),
]
