"""Routes of the workspace's vouchers pages."""

urlpatterns = []
