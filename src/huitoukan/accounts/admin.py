from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ExportLog, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "role", "is_active", "last_login",)
    list_filter = ("role", "is_active", "is_superuser",)
    filter_horizontal = ("regions", "groups", "user_permissions",)
    fieldsets = BaseUserAdmin.fieldsets + ((_("Role and regions"), {"fields": ["role", "regions", "phone"]}),)


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """Read-only: an audit trail that can be edited is no audit trail."""

    list_display = ("created_at", "username", "role", "what", "row_count", "id_numbers_masked",)
    list_filter = ("what", "role", "id_numbers_masked",)
    search_fields = ("username", "what",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
