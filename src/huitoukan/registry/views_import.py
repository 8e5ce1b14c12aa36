"""Registry import pages: upload → preview (every error) → confirm → progress → result.

Only users who may import the registry (`Capability.IMPORT_REGISTRY`) reach any of them; anyone
else gets 403. Uploads are stored under MEDIA_ROOT/imports, outside the web root, under a random
name; the user's file name is only kept as data.
"""

from __future__ import annotations

import uuid
from functools import wraps
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from huitoukan.accounts.audit import log_export
from huitoukan.accounts.masking import field_for
from huitoukan.accounts.roles import Capability, can

from .importing.reading import SUFFIXES
from .importing.tasks import (
    check_registry_import,
    imports_dir,
    issues_file,
    read_progress,
    run_import,
    run_registry_import,
)
from .models import RegistryImport

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# Smaller files are checked while the user waits (well under a second for ~20,000 rows); larger
# ones in the background, with a progress bar.
CHECK_INLINE_BYTES = 2 * 1024 * 1024

State = RegistryImport.State
WORKING = {State.QUEUED, State.RUNNING}


def import_permission_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can(request.user, Capability.IMPORT_REGISTRY):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class UploadForm(forms.Form):
    """A spreadsheet to import; the department datasets' form (datasets/forms.py) extends it."""

    max_upload_bytes = MAX_UPLOAD_BYTES
    file = forms.FileField(label=gettext_lazy("Registry file (.xlsx or .csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(_("Only .xlsx and .csv files can be imported."))
        if upload.size > self.max_upload_bytes:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.") % {
                "mb": self.max_upload_bytes // 2**20})
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


@import_permission_required
def import_list(request):
    page = Paginator(RegistryImport.objects.select_related("created_by"), 50).get_page(request.GET.get("page"))
    return render(request, "registry/import_list.html", {"page": page})


@import_permission_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        record = _store(upload, request.user)
        if upload.size <= CHECK_INLINE_BYTES:
            run_import(record, user=request.user, dry_run=True, language=get_language())
        else:
            _queue(record, check_registry_import, request, dry_run=True)
        return redirect("registry:import_detail", pk=record.pk)
    return render(request, "registry/import_upload.html", {"form": form, "max_mb": MAX_UPLOAD_BYTES // 2**20})


def _store(upload, user) -> RegistryImport:
    suffix = Path(upload.name).suffix.lower()
    path = imports_dir() / f"{uuid.uuid4().hex}{suffix}"
    with open(path, "wb") as handle:
        handle.writelines(upload.chunks())
    return RegistryImport.objects.create(
        file_name=Path(upload.name).name[:255], stored_path=str(path), sha256="", created_by=user,
        state=State.UPLOADED, dry_run=True,
    )


def _queue(record: RegistryImport, task, request, *, dry_run: bool) -> None:
    record.state = State.QUEUED
    record.dry_run = dry_run
    record.progress = 0
    record.progress_note = ""
    record.save(update_fields=["state", "dry_run", "progress", "progress_note"])
    task.enqueue(record.pk, request.user.pk, get_language())


@import_permission_required
def import_detail(request, pk: int):
    record = get_object_or_404(RegistryImport.objects.select_related("created_by"), pk=pk)
    summary = record.summary or {}
    percent, note = read_progress(record)
    context = {
        "record": record,
        "summary": summary,
        "working": record.state in WORKING,
        "percent": percent,
        "note": note,
        "preview": _masked_preview(request.user, summary.get("preview") or {}),
        "notices": summary.get("notices") or [],
        "can_confirm": _confirmable(record),
        "more_errors": max(0, record.error_count - len(record.errors)),
        "more_warnings": max(0, (summary.get("warning_count") or 0) - len(record.warnings)),
        "has_issues_file": issues_file(record).exists(),
        "changed_fields": _changed_fields(summary),
    }
    return render(request, "registry/import_detail.html", context)


def _masked_preview(user, preview: dict) -> dict:
    fields = preview.get("fields") or []
    rows = [[field_for(user, name, value) for name, value in zip(fields, row)] for row in preview.get("rows") or []]
    return {"headers": preview.get("headers") or [], "rows": list(zip(preview.get("row_numbers") or [], rows))}


def _changed_fields(summary: dict) -> list[tuple[str, int]]:
    from .importing.columns import canonical_header

    labels = {"county_id": "county", "town_id": "town", "village_id": "village", "hamlet_id": "hamlet",
              "helper_id": "helper", "household_id": "household_no", "head_name": "name",
              "source_key": "person_no"}
    out = []
    for key in ("household_fields_changed", "person_fields_changed"):
        for name, count in (summary.get(key) or {}).items():
            out.append((canonical_header(labels.get(name, name)), count))
    return out


@import_permission_required
def import_progress(request, pk: int):
    """The progress bar, polled by htmx; once the work is over, the page reloads itself."""
    record = get_object_or_404(RegistryImport, pk=pk)
    if record.state not in WORKING:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    percent, note = read_progress(record)
    return render(request, "registry/import_progress.html", {"record": record, "percent": percent, "note": note})


def _confirmable(record: RegistryImport) -> bool:
    """A checked upload without errors. Dry runs of the command line are records too, but their
    files are not the server's to import."""
    uploaded = Path(record.stored_path).parent == imports_dir()
    return record.state == State.PREVIEWED and record.error_count == 0 and uploaded


@import_permission_required
@require_POST
def import_confirm(request, pk: int):
    record = get_object_or_404(RegistryImport, pk=pk)
    if not _confirmable(record):
        messages.error(request, _("Only a checked file without errors can be imported."))
        return redirect("registry:import_detail", pk=pk)
    if not Path(record.stored_path).exists():
        messages.error(request, _("The uploaded file is no longer on the server; upload it again."))
        return redirect("registry:import_detail", pk=pk)
    _queue(record, run_registry_import, request, dry_run=False)
    return redirect("registry:import_detail", pk=pk)


@import_permission_required
def import_issues(request, pk: int):
    """All errors and warnings as CSV, when there are more than the page shows."""
    record = get_object_or_404(RegistryImport, pk=pk)
    path = issues_file(record)
    if not path.exists():
        raise Http404
    # The report quotes the file's cells (names, ID numbers): it is personal data leaving the system.
    log_export(request.user, "registry.import_issues", filters={"import": record.pk},
               row_count=record.error_count + len(record.warnings), request=request)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"{Path(record.file_name).stem}-issues.csv",
                        content_type="text/csv; charset=utf-8")
