"""`load_dataset`: one department file, end to end, all or nothing.

read (registry/importing/reading.py) → clean and check every column (normalise.py) → write the
records as Parquet under a temporary name → in one transaction insert the DatasetLoad row and move
the file to its final name. Any error, in the file or on the way, leaves no row and no file; a dry
run stops before writing; a file already loaded as the same kind (same SHA-256) changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huitoukan.registry.importing.reading import ReadError, read_table
from huitoukan.registry.importing.service import file_sha256
from huitoukan.registry.importing.validation import file_issue

from ..kinds import Kind, get_kind
from ..models import DatasetLoad
from . import storage
from .headers import MIN_HEADER_SCORE, PERSON_KEYS, header_scorer
from .normalise import normalise, preview
from .report import LoadReport

Progress = Callable[[int, str], None]  # (percent, what is being done)


def default_provider(kind: Kind) -> str:
    return str(kind.provider)


def load_dataset(path, kind: str, *, as_of: dt.date | None = None, provider: str | None = None, user=None,
                 dry_run: bool = False, progress: Progress | None = None, file_name: str | None = None,
                 expected_sha256: str | None = None) -> LoadReport:
    """Load (or with `dry_run`, only check) a department file as `kind`. `expected_sha256` is the
    hash of the file the user checked (web uploads): what is confirmed must be what is loaded."""
    spec = get_kind(kind)
    path = Path(path)
    progress = progress or (lambda percent, note: None)
    report = LoadReport(file_name=file_name or path.name, sha256=file_sha256(path), dry_run=dry_run, kind=kind,
                        provider=(provider or "").strip()[:100] or default_provider(spec),
                        as_of=as_of or timezone.localdate())
    if expected_sha256 and expected_sha256 != report.sha256:
        report.errors.append(file_issue(_("The file changed after it was checked; upload it again.")))
        return report
    existing = DatasetLoad.objects.filter(kind=kind, sha256=report.sha256).first()
    if existing is not None:
        _unchanged(report, existing)
        return report

    progress(1, _("Reading the file"))
    try:
        source = read_table(path, header_scorer(kind), MIN_HEADER_SCORE)
    except ReadError as exc:
        report.errors.append(file_issue(str(exc)))
        report.errors.append(file_issue(_expected_columns(spec)))
        return report
    report.row_count, report.header_row = source.num_rows, source.header_row
    report.sheet, report.encoding = source.sheet, source.encoding

    progress(20, _("Cleaning and checking the columns"))
    result = normalise(spec, source, report.as_of)
    del source
    pa.default_memory_pool().release_unused()
    report.errors += result.errors
    report.warnings += result.warnings
    report.columns = dict(result.header_map.headers)
    report.extra_headers = [key for _position, key in result.header_map.extra]
    _notice_columns(report, result.header_map)
    if result.table is None:
        return report
    report.id_missing, report.id_invalid = result.id_missing, result.id_invalid
    report.preview = preview(spec, result.table)
    if dry_run:
        progress(100, _("Checked"))
        return report

    progress(60, _("Writing the records"))
    _store(report, result.table, user)
    progress(100, _("Done"))
    return report


def _store(report: LoadReport, table: pa.Table, user) -> None:
    temp = storage.write_temp(table)
    final: Path | None = None
    try:
        with transaction.atomic():
            load = DatasetLoad.objects.create(
                kind=report.kind, provider=report.provider, as_of=report.as_of, file_name=report.file_name[:255],
                sha256=report.sha256, row_count=report.row_count, id_missing_count=report.id_missing,
                id_invalid_count=report.id_invalid, source=report.source_fields(), stored_file="",
                loaded_by=user if getattr(user, "pk", None) else None,
            )
            load.stored_file = storage.final_name(load.pk, load.kind, load.sha256)
            load.save(update_fields=["stored_file"])
            # Last inside the transaction: nothing after it can fail but the commit itself.
            final = storage.path_of(load.stored_file)
            storage.commit_file(temp, load.stored_file)
    except IntegrityError:
        # Another load of the same file committed first (the unique kind + hash).
        _remove(temp, final)
        existing = DatasetLoad.objects.filter(kind=report.kind, sha256=report.sha256).first()
        if existing is None:
            raise
        _unchanged(report, existing)
        return
    except BaseException:
        _remove(temp, final)
        raise
    report.load_id = report.record_id = load.pk
    report.written = True


def _remove(*paths: Path | None) -> None:
    for path in paths:
        if path is not None:
            path.unlink(missing_ok=True)


def _unchanged(report: LoadReport, existing: DatasetLoad) -> None:
    report.unchanged = True
    report.load_id = existing.pk
    report.row_count = existing.row_count
    report.id_missing, report.id_invalid = existing.id_missing_count, existing.id_invalid_count
    report.notices.append(_("This file (same SHA-256) was loaded as %(kind)s on %(when)s as of %(as_of)s; it is "
                            "not loaded again.") % {
        "kind": existing.kind_spec.label, "when": timezone.localtime(existing.loaded_at).strftime("%Y-%m-%d %H:%M"),
        "as_of": existing.as_of.isoformat()})


def _expected_columns(kind: Kind) -> str:
    names = [kind.column(name).header for name in PERSON_KEYS] + [spec.header for spec in kind.required]
    return _("A %(kind)s file has a header row naming at least: %(columns)s.") % {
        "kind": kind.label, "columns": "、".join(dict.fromkeys(names))}


def _notice_columns(report: LoadReport, header_map) -> None:
    if header_map.extra:
        report.notices.append(_("Columns kept but not read: %(columns)s.")
                              % {"columns": "、".join(key for _position, key in header_map.extra)})
    if header_map.duplicated:
        report.notices.append(_("Columns read only once (an earlier column has the same meaning): %(columns)s.")
                              % {"columns": "、".join(header_map.duplicated)})
    if header_map.unnamed:
        report.notices.append(_("%(n)s columns without a header were left out.") % {"n": header_map.unnamed})
