"""Pages of the rectification intake (see the module they route)."""

urlpatterns = []
