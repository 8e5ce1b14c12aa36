"""What a dataset load found and did: the registry import's report (file, header row, sheet,
encoding, errors, warnings, notices; printed by registry/importing/cli_output.py) with the dataset's
own facts and summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from huitoukan.registry.importing.report import STORED_ISSUES, ImportReport

from ..kinds import get_kind


@dataclass
class LoadReport(ImportReport):
    kind: str = ""
    provider: str = ""
    as_of: dt.date | None = None
    load_id: int | None = None  # the load made, or the one that already holds this file
    unchanged: bool = False  # the same file was loaded before as this kind: nothing new
    id_missing: int = 0
    id_invalid: int = 0
    columns: dict | None = None  # column → header as written
    extra_headers: list | None = None

    def summary_text(self) -> str:
        if self.errors:
            return ""
        counts = {"kind": get_kind(self.kind).label, "rows": self.row_count, "missing": self.id_missing,
                  "invalid": self.id_invalid, "load": self.load_id,
                  "as_of": self.as_of.isoformat() if self.as_of else ""}
        if self.unchanged:
            return _("Nothing changed: this file was loaded before as %(kind)s (load %(load)s).") % counts
        ids = _("%(missing)s rows without an ID number, %(invalid)s invalid ID numbers (left to linkage).") % counts
        if self.written:
            return _("Loaded %(rows)s rows of %(kind)s as of %(as_of)s (load %(load)s).") % counts + " " + ids
        return _("Nothing written yet. %(rows)s rows of %(kind)s as of %(as_of)s can be loaded.") % counts + " " + ids

    def source_fields(self) -> dict:
        """What the DatasetLoad keeps of how the file was read."""
        return {
            "header_row": self.header_row, "sheet": self.sheet, "encoding": self.encoding,
            "columns": self.columns or {}, "extra_headers": self.extra_headers or [],
            "warning_count": len(self.warnings),
            "warnings": [issue.as_dict() for issue in self.warnings[:STORED_ISSUES]],
            "notices": self.notices,
        }

    def as_dict(self) -> dict:
        """What a DatasetUpload keeps of a check or a load, for its page."""
        return {
            **self.source_fields(),
            "row_count": self.row_count, "error_count": len(self.errors),
            "errors": [issue.as_dict() for issue in self.errors[:STORED_ISSUES]],
            "id_missing": self.id_missing, "id_invalid": self.id_invalid,
            "unchanged": self.unchanged, "written": self.written, "load_id": self.load_id,
            "preview": self.preview, "summary_text": self.summary_text(),
        }
