"""What an import attempt found and did, for the command line, the pages and the record."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .validation import Issue

# Kept on the RegistryImport record; the counts stay exact and the command line prints them all.
STORED_ISSUES = 5000


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    dry_run: bool
    record_id: int | None = None
    row_count: int = 0
    header_row: int | None = None
    sheet: str | None = None
    encoding: str | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)  # counts of created/updated/unchanged/absent…
    preview: dict = field(default_factory=dict)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary_text(self) -> str:
        s = self.summary
        if not s:
            return ""
        counts = {
            "hc": s.get("households_created", 0), "hu": s.get("households_updated", 0),
            "hs": s.get("households_unchanged", 0), "pc": s.get("people_created", 0),
            "pu": s.get("people_updated", 0), "ps": s.get("people_unchanged", 0),
        }
        if self.written:
            return _("Imported. Households: %(hc)s new, %(hu)s changed, %(hs)s unchanged; people: %(pc)s new, "
                     "%(pu)s changed, %(ps)s unchanged.") % counts
        return _("Nothing written yet. The import would make households: %(hc)s new, %(hu)s changed, %(hs)s "
                 "unchanged; people: %(pc)s new, %(pu)s changed, %(ps)s unchanged.") % counts

    def __str__(self) -> str:
        return self.summary_text()

    def record_fields(self) -> dict:
        """What the RegistryImport row keeps of this report."""
        return {
            "row_count": self.row_count,
            "error_count": len(self.errors),
            "errors": [issue.as_dict() for issue in self.errors[:STORED_ISSUES]],
            "warnings": [issue.as_dict() for issue in self.warnings[:STORED_ISSUES]],
            "summary": {
                **self.summary,
                "warning_count": len(self.warnings),
                "notices": self.notices,
                "preview": self.preview,
                "header_row": self.header_row,
                "sheet": self.sheet,
                "encoding": self.encoding,
                "written": self.written,
            },
        }
