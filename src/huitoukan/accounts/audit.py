"""The audit trail of exports. Any part of the system that lets personal data leave it (the
household list export, the import error report, the API's bulk endpoints) calls `log_export`."""

from .masking import masks_health, masks_id_number
from .models import ExportLog


def client_ip(request) -> str | None:
    # Behind a reverse proxy REMOTE_ADDR is the proxy; django-axes reads the same header list.
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return (forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR")) or None


def log_export(user, what: str, *, filters: dict | None = None, row_count: int = 0, file_format: str = "csv",
               request=None) -> ExportLog:
    return ExportLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "",
        role=getattr(user, "role", "") or "",
        what=what,
        file_format=file_format,
        filters={k: v for k, v in (filters or {}).items() if v not in ("", None, [])},
        row_count=row_count,
        id_numbers_masked=masks_id_number(user),
        health_masked=masks_health(user),
        ip_address=client_ip(request),
    )
