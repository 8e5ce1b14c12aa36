"""Web uploads checked and loaded in the background (django-tasks; the worker is
`huitoukan manage db_worker`), as the registry import does.

A load's one transaction is short (a row and a rename), so progress goes straight to the
DatasetUpload row. The uploaded file is deleted once its records are stored (or found stored
already): the Parquet file keeps every cell, and a second copy of a department's personal data on
the server serves nobody.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django_tasks import task

from ..models import DatasetUpload
from .report import LoadReport
from .service import load_dataset

State = DatasetUpload.State


def uploads_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "dataset_uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _progress_recorder(upload: DatasetUpload):
    last = [-1]

    def on_progress(percent: int, note: str) -> None:
        if percent != last[0]:
            last[0] = percent
            DatasetUpload.objects.filter(pk=upload.pk).update(progress=percent, progress_note=note[:200])

    return on_progress


def run_upload(upload: DatasetUpload, *, user=None, dry_run: bool, language: str | None = None) -> LoadReport:
    """Check (dry run) or load a stored upload, recording the outcome on it."""
    with translation.override(language or settings.LANGUAGE_CODE):
        DatasetUpload.objects.filter(pk=upload.pk).update(state=State.RUNNING, progress=0, progress_note="")
        try:
            report = load_dataset(
                upload.stored_path, upload.kind, as_of=upload.as_of, provider=upload.provider, user=user,
                dry_run=dry_run, progress=_progress_recorder(upload), file_name=upload.file_name,
                expected_sha256=None if dry_run else upload.sha256)
        except BaseException:
            upload.state, upload.finished_at = State.FAILED, timezone.now()
            upload.save(update_fields=["state", "finished_at"])
            raise
        _finish(upload, report)
    return report


def _finish(upload: DatasetUpload, report: LoadReport) -> None:
    if report.errors:
        upload.state = State.INVALID
    elif report.unchanged:
        upload.state = State.UNCHANGED
    elif report.written:
        upload.state = State.LOADED
    else:
        upload.state = State.CHECKED
    if report.dry_run:  # the hash of what the user saw checked; a load must find the same
        upload.sha256 = report.sha256
    upload.load_id = report.load_id
    upload.report = report.as_dict()
    upload.progress, upload.progress_note = 100, ""
    upload.finished_at = timezone.now()
    upload.save()
    if upload.state in (State.LOADED, State.UNCHANGED):
        Path(upload.stored_path).unlink(missing_ok=True)


def _user(user_id: int | None):
    if user_id is None:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id).first()


@task()
def check_dataset_upload(upload_id: int, user_id: int | None = None, language: str | None = None) -> str:
    """Check an upload (a dry run) for its preview page."""
    upload = DatasetUpload.objects.get(pk=upload_id)
    return run_upload(upload, user=_user(user_id), dry_run=True, language=language).summary_text()


@task()
def load_dataset_upload(upload_id: int, user_id: int | None = None, language: str | None = None) -> str:
    """Load a checked upload for real."""
    upload = DatasetUpload.objects.get(pk=upload_id)
    report = run_upload(upload, user=_user(user_id), dry_run=False, language=language)
    if report.written:  # its own task: a load stays loaded whatever linking it then meets
        link_dataset_load.enqueue(report.load_id, user_id)
    return report.summary_text()


@task()
def link_dataset_load(load_id: int, user_id: int | None = None) -> str:
    """Link a stored load to the registry (datasets/linking.py); an empty registry is noted, not
    an error: `huitoukan datasets link` or the look-back links it once there is one."""
    from ..linking import LinkingError, link_load
    from ..models import DatasetLoad

    try:
        linkage = link_load(DatasetLoad.objects.get(pk=load_id), _user(user_id))
    except LinkingError as error:
        return str(error)
    return f"linkage {linkage.pk}: {linkage.counts}"
