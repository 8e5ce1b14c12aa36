"""Pages of the rectification workflow (see the module they route)."""

urlpatterns = []
