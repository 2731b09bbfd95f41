"""Routes of the workspace's setup pages."""

urlpatterns = []
