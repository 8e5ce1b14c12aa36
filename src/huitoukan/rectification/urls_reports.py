"""Pages of the rectification reports (see the module they route)."""

urlpatterns = []
