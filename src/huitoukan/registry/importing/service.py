"""`import_registry`: one registry file, end to end, all or nothing.

read → clean and check (no database) → plan regions and helpers and diff against the registry →
write, all inside one transaction for a real import, so that any error leaves the registry exactly
as it was. Every attempt, dry run or not, is kept as a RegistryImport row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import RegistryImport
from ..signals import registry_imported
from .columns import header_score
from .diff import compute_changes
from .reading import ReadError, read_table
from .records import build_records
from .report import ImportReport
from .validation import file_issue
from .writer import WriteContext, lock_registry, write_changes

Progress = Callable[[int, str], None]  # (percent, what is being done)


class _Rollback(Exception):
    """Raised inside the transaction when checks against the registry found errors."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_registry(path, *, user=None, dry_run: bool = False, progress: Progress | None = None,
                    record: RegistryImport | None = None, file_name: str | None = None) -> ImportReport:
    """Import (or with `dry_run`, only check) a registry export. `record` is the RegistryImport of
    an upload made in the web interface; without one a new record is made. The report lists every
    error and warning; with any error nothing is written."""
    path = Path(path)
    report = ImportReport(file_name=file_name or (record.file_name if record else path.name),
                          sha256=file_sha256(path), dry_run=dry_run)
    checked_sha256 = record.sha256 if record is not None else ""
    record = _start(record, report, path, user)
    report.record_id = record.pk
    try:
        if checked_sha256 and checked_sha256 != report.sha256 and not dry_run:
            # What the user confirmed must be what is written.
            report.errors.append(file_issue(_("The file changed after it was checked; upload it again.")))
        else:
            _run(path, report, user, progress or (lambda percent, note: None))
    except BaseException:
        _finish(record, report, failed=True)
        raise
    _finish(record, report)
    return report


def _run(path: Path, report: ImportReport, user, progress: Progress) -> None:
    progress(1, _("Reading the file"))
    try:
        source = read_table(path, header_score)
    except ReadError as exc:
        report.errors.append(file_issue(str(exc)))
        return
    report.row_count, report.header_row = source.num_rows, source.header_row
    report.sheet, report.encoding = source.sheet, source.encoding

    progress(10, _("Cleaning and checking the columns"))
    records = build_records(source, progress=lambda i, n: progress(10 + int(30 * i / n), _("Cleaning and checking "
                                                                                            "the columns")))
    del source
    _release_memory()
    report.errors += records.errors
    report.warnings += records.warnings
    report.preview = records.preview
    _notice_columns(report, records)
    if records.errors or records.households is None:
        return

    progress(45, _("Comparing with the registry"))
    if report.dry_run:
        _collect(report, compute_changes(records))
        progress(99, _("Checked"))
        return
    try:
        with transaction.atomic():
            lock_registry()
            changes = compute_changes(records)
            _release_memory()
            _collect(report, changes)
            if changes.errors:
                raise _Rollback
            progress(60, _("Writing to the registry"))
            context = WriteContext(
                user_id=getattr(user, "pk", None),
                reason=_("Registry import: %(file)s") % {"file": report.file_name},
                progress=lambda fraction: progress(60 + int(39 * fraction), _("Writing to the registry")),
            )
            write_changes(changes, context)
            report.written = True
            # After the commit, so that a receiver (the look-back's columnar copy of the registry,
            # lookback/snapshot_cache.py) reads what was written; never for a rolled-back import.
            transaction.on_commit(lambda: registry_imported.send(sender=RegistryImport, report=report))
    except _Rollback:
        pass
    progress(100, _("Done"))


def _release_memory() -> None:
    """Arrow's allocator keeps freed memory for reuse; between stages that each build tables of
    half a million rows, handing it back keeps the peak near one stage's need."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _collect(report: ImportReport, changes) -> None:
    report.errors += changes.errors
    report.warnings += changes.warnings
    report.summary = changes.summary
    absent_h, absent_p = changes.summary.get("households_absent", 0), changes.summary.get("people_absent", 0)
    if absent_h or absent_p:
        report.notices.append(_(
            "%(households)s households and %(people)s people in the registry are not in this file; they are "
            "kept (the registry deletes nothing).") % {"households": absent_h, "people": absent_p})


def _notice_columns(report: ImportReport, records) -> None:
    header_map = records.header_map
    if header_map.ignored:
        report.notices.append(_("Columns not read: %(columns)s.") % {"columns": "、".join(header_map.ignored)})
    if header_map.duplicated:
        report.notices.append(_("Columns read only once (an earlier column has the same meaning): %(columns)s.")
                              % {"columns": "、".join(header_map.duplicated)})


def _start(record: RegistryImport | None, report: ImportReport, path: Path, user) -> RegistryImport:
    if record is None:
        return RegistryImport.objects.create(
            file_name=report.file_name, stored_path=str(path), sha256=report.sha256,
            state=RegistryImport.State.RUNNING, dry_run=report.dry_run,
            created_by=user if getattr(user, "pk", None) else None,
        )
    record.sha256 = report.sha256
    record.dry_run = report.dry_run
    record.state = RegistryImport.State.RUNNING
    record.progress = 0
    record.save(update_fields=["sha256", "dry_run", "state", "progress"])
    return record


def _finish(record: RegistryImport, report: ImportReport, failed: bool = False) -> None:
    State = RegistryImport.State
    if failed:
        record.state = State.FAILED
    elif report.errors:
        record.state = State.INVALID
    else:
        record.state = State.PREVIEWED if report.dry_run else State.DONE
    for name, value in report.record_fields().items():
        setattr(record, name, value)
    record.progress = 100
    record.progress_note = ""
    record.finished_at = timezone.now()
    record.save()
