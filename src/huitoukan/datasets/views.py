"""Dataset pages: the loads by kind with their history; upload → check (writes nothing) → confirm →
load in the background; a load's provenance and first records.

Records of people are personal data: the lists and a load's page need VIEW_DATASETS (county
administrators, inspectors, department data providers), uploading needs LOAD_DATASETS (county
administrators, data providers). ID numbers and health data are masked per the viewer's rights.
Uploads are stored under MEDIA_ROOT/dataset_uploads under a random name, outside the web root.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from huitoukan.accounts.decorators import capability_required
from huitoukan.accounts.roles import Capability, can

from . import tables
from .forms import UploadForm
from .history import history_by_kind
from .loading.normalise import preview
from .loading.tasks import check_dataset_upload, load_dataset_upload, run_upload, uploads_dir
from .models import DatasetLoad, DatasetUpload
from .privacy import masked_issues, masked_rows

# Smaller files are checked while the user waits (well under a second for ~20,000 rows); larger
# ones in the background with a progress bar, as the registry import does.
CHECK_INLINE_BYTES = 2 * 1024 * 1024
FIRST_ROWS = 20

State = DatasetUpload.State
WORKING = {State.QUEUED, State.RUNNING}


@capability_required(Capability.VIEW_DATASETS)
def load_list(request):
    return render(request, "datasets/load_list.html", {
        "history": history_by_kind(), "can_load": can(request.user, Capability.LOAD_DATASETS),
    })


@capability_required(Capability.VIEW_DATASETS)
def load_detail(request, pk: int):
    load = get_object_or_404(DatasetLoad.objects.select_related("loaded_by"), pk=pk)
    current = DatasetLoad.objects.current(load.kind)
    rows, unavailable = [], None
    try:
        first = preview(load.kind_spec, tables.head(load, FIRST_ROWS))
        rows = masked_rows(request.user, load.kind, first)
        headers = first["headers"]
    except tables.DatasetUnavailable:
        unavailable = True
        headers = []
    source = load.source or {}
    id_header = (source.get("columns") or {}).get("id_number")
    return render(request, "datasets/load_detail.html", {
        "load": load, "in_use": current is not None and current.pk == load.pk, "current": current,
        "source": source, "columns": _column_rows(load, source), "headers": headers, "rows": rows,
        "unavailable": unavailable, "first_rows": FIRST_ROWS,
        "warnings": masked_issues(request.user, source.get("warnings") or [], id_header),
        "more_warnings": max(0, (source.get("warning_count") or 0) - len(source.get("warnings") or [])),
    })


def _column_rows(load: DatasetLoad, source: dict) -> list[tuple[str, str, str]]:
    """(column, header in the file or '', type) of the kind's columns."""
    found = source.get("columns") or {}
    return [(spec.name, found.get(spec.name, ""), spec.type) for spec in load.kind_spec.columns]


@capability_required(Capability.LOAD_DATASETS)
@require_http_methods(["GET", "POST"])
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        record = _store(form.cleaned_data, request.user)
        if form.cleaned_data["file"].size <= CHECK_INLINE_BYTES:
            run_upload(record, user=request.user, dry_run=True, language=get_language())
        else:
            _queue(record, check_dataset_upload, request)
        return redirect("datasets:upload_detail", pk=record.pk)
    return render(request, "datasets/upload.html", {"form": form})


def _store(data: dict, user) -> DatasetUpload:
    upload = data["file"]
    path = uploads_dir() / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with open(path, "wb") as handle:
        handle.writelines(upload.chunks())
    return DatasetUpload.objects.create(
        kind=data["kind"], provider=data.get("provider") or "", as_of=data["as_of"],
        file_name=Path(upload.name).name[:255], stored_path=str(path), created_by=user,
    )


def _queue(record: DatasetUpload, task, request) -> None:
    record.state, record.progress, record.progress_note = State.QUEUED, 0, ""
    record.save(update_fields=["state", "progress", "progress_note"])
    task.enqueue(record.pk, request.user.pk, get_language())


@capability_required(Capability.LOAD_DATASETS)
def upload_detail(request, pk: int):
    record = get_object_or_404(DatasetUpload.objects.select_related("created_by", "load"), pk=pk)
    report = record.report or {}
    id_header = (report.get("columns") or {}).get("id_number")
    return render(request, "datasets/upload_detail.html", {
        "record": record, "report": report, "working": record.state in WORKING,
        "rows": masked_rows(request.user, record.kind, report.get("preview") or {}),
        "headers": (report.get("preview") or {}).get("headers") or [],
        "errors": masked_issues(request.user, report.get("errors") or [], id_header),
        "warnings": masked_issues(request.user, report.get("warnings") or [], id_header),
        "more_errors": max(0, (report.get("error_count") or 0) - len(report.get("errors") or [])),
        "more_warnings": max(0, (report.get("warning_count") or 0) - len(report.get("warnings") or [])),
        "can_confirm": _confirmable(record),
    })


@capability_required(Capability.LOAD_DATASETS)
def upload_progress(request, pk: int):
    """The progress bar, polled by htmx; once the work is over, the page reloads itself."""
    record = get_object_or_404(DatasetUpload, pk=pk)
    if record.state not in WORKING:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(request, "datasets/upload_progress.html", {"record": record})


def _confirmable(record: DatasetUpload) -> bool:
    return record.state == State.CHECKED and not (record.report or {}).get("error_count")


@capability_required(Capability.LOAD_DATASETS)
@require_POST
def upload_confirm(request, pk: int):
    record = get_object_or_404(DatasetUpload, pk=pk)
    if not _confirmable(record):
        messages.error(request, _("Only a checked file without errors can be loaded."))
        return redirect("datasets:upload_detail", pk=pk)
    if not Path(record.stored_path).exists():
        messages.error(request, _("The uploaded file is no longer on the server; upload it again."))
        return redirect("datasets:upload_detail", pk=pk)
    _queue(record, load_dataset_upload, request)
    return redirect("datasets:upload_detail", pk=pk)


@capability_required(Capability.LOAD_DATASETS)
def upload_list(request):
    page = Paginator(DatasetUpload.objects.select_related("created_by", "load"), 50).get_page(request.GET.get("page"))
    return render(request, "datasets/upload_list.html", {"page": page})
