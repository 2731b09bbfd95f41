"""Routes of the village reporter's claim pages."""

urlpatterns = []
