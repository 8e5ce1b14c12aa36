"""Imports in the background (django-tasks; the worker is `huitoukan manage db_worker`).

The web interface checks a large upload and runs every confirmed import here. Progress goes to the
RegistryImport row while no transaction is open; while the import writes inside its one
transaction, other connections could not see that row change, so progress then goes to a small
file next to the upload, which the progress view reads too.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import translation
from django_tasks import task

from ..models import RegistryImport
from .report import STORED_ISSUES, ImportReport
from .service import import_registry


def imports_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def progress_file(record: RegistryImport) -> Path:
    return imports_dir() / f"{record.pk}.progress.json"


def issues_file(record: RegistryImport) -> Path:
    return imports_dir() / f"{record.pk}.issues.csv"


def read_progress(record: RegistryImport) -> tuple[int, str]:
    """(percent, note) as recent as can be known from another process."""
    percent, note = record.progress, record.progress_note
    path = progress_file(record)
    if record.state == RegistryImport.State.RUNNING and path.exists():
        try:
            data = json.loads(path.read_text())
            if data["percent"] >= percent:
                percent, note = data["percent"], data["note"]
        except (ValueError, KeyError, OSError):
            pass
    return percent, note


def _progress_recorder(record: RegistryImport):
    last = [-1]

    def on_progress(percent: int, note: str) -> None:
        if percent == last[0]:
            return
        last[0] = percent
        if connection.in_atomic_block:
            progress_file(record).write_text(json.dumps({"percent": percent, "note": note}))
        else:
            RegistryImport.objects.filter(pk=record.pk).update(progress=percent, progress_note=note[:200])

    return on_progress


def run_import(record: RegistryImport, *, user=None, dry_run: bool, language: str | None = None) -> ImportReport:
    """Check or import a stored upload, keeping its progress and a CSV of all its issues."""
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            report = import_registry(record.stored_path, user=user, dry_run=dry_run,
                                     progress=_progress_recorder(record), record=record)
        finally:
            progress_file(record).unlink(missing_ok=True)
        _write_issues(record, report)
    return report


def _write_issues(record: RegistryImport, report: ImportReport) -> None:
    """Every error and warning, for when there are more than the record keeps (STORED_ISSUES)."""
    path = issues_file(record)
    if len(report.errors) <= STORED_ISSUES and len(report.warnings) <= STORED_ISSUES:
        path.unlink(missing_ok=True)
        return
    from django.utils.translation import gettext as _

    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_("kind"), _("row"), _("column"), _("value"), _("reason")])
        for kind, issues in ((_("error"), report.errors), (_("warning"), report.warnings)):
            for issue in issues:
                writer.writerow([kind, issue.row or "", issue.column, issue.value, issue.reason])


def _user(user_id: int | None):
    if user_id is None:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id).first()


@task()
def check_registry_import(import_id: int, user_id: int | None = None, language: str | None = None) -> str:
    """Validate an upload (a dry run) for its preview page."""
    record = RegistryImport.objects.get(pk=import_id)
    return run_import(record, user=_user(user_id), dry_run=True, language=language).summary_text()


@task()
def run_registry_import(import_id: int, user_id: int | None = None, language: str | None = None) -> str:
    """Import a checked upload for real; the user is recorded in the history rows."""
    record = RegistryImport.objects.get(pk=import_id)
    return run_import(record, user=_user(user_id), dry_run=False, language=language).summary_text()
