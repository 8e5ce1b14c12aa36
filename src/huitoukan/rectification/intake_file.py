"""An inspection's findings list (检查问题清单): an .xlsx or .csv file of problems, one a row, all
recorded with one source and round (the caller's), all or nothing.

    问题代码 | 户编号 | 证件号码 | 村 | 问题描述 | 严重程度 | 发现日期

The file is read as the registry import reads its files (registry/importing/reading.py: the header
found among the first rows, UTF-8 with or without BOM, else GBK/GB18030; Excel's row numbers kept).
Every row is checked first — code, target in the user's regions, severity, date, the same problem
twice — and any error means nothing is written; the errors name the row as Excel shows it, the
column and the reason. Otherwise every row is recorded (intake.write) in one transaction.

Importing the same file again changes nothing: a problem already recorded by this source and round
is "unchanged".
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huitoukan.registry.importing.reading import ReadError, read_table
from huitoukan.registry.importing.validation import Issue, file_issue, lost_digits_reason, short

from . import intake
from .choices import Severity, Status
from .models import Problem, ProblemSource
from .workflow import StepRefused

#: Field → the headers that name it (the first is the one documentation and messages use).
HEADERS = {
    "code": ("问题代码", "代码", "问题编码", "规则代码"),
    "household_no": ("户编号", "户号", "户码"),
    "id_number": ("证件号码", "身份证号码", "身份证号", "证件号"),
    "village": ("村", "村名", "行政村", "所在村", "村代码", "村(社区)", "村名称"),
    "description": ("问题描述", "问题", "问题内容", "存在问题", "描述"),
    "severity": ("严重程度", "严重性", "程度"),
    "found_on": ("发现日期", "检查日期", "日期"),
}
TARGET_FIELDS = ("household_no", "id_number", "village")
SEVERITY_WORDS = {"严重": Severity.SERIOUS, "一般": Severity.GENERAL, "提示": Severity.NOTICE,
                  **{value: value for value in Severity.values}}
_SCIENTIFIC = re.compile(r"^[0-9]+(\.[0-9]+)?E\+?[0-9]+$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")
_BRACKETED = re.compile(r"\(.*\)$")


def _word(text: str) -> str:
    """A header as compared: full-width brackets and letters folded (NFKC), spaces and a leading *
    removed, lower case."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).lower().lstrip("*")


_LOOKUP = {_word(header): name for name, headers in HEADERS.items() for header in headers}


def field_for_header(header: str) -> str | None:
    word = _word(header)
    # "发现日期(年-月-日)", "村（代码或名称）": a note in brackets after the header is allowed.
    return _LOOKUP.get(word) or _LOOKUP.get(_BRACKETED.sub("", word))


def header_score(cells: list[str]) -> int:
    return len({f for f in map(field_for_header, cells) if f})


def canonical(name: str) -> str:
    return HEADERS[name][0]


@dataclass
class Planned:
    """A row checked and ready to write."""

    row: int
    code: intake.Code
    target: intake.Target
    description: str
    severity: str | None
    found_on: dt.date | None


@dataclass
class IntakeReport:
    file_name: str
    source: str
    round: str
    dry_run: bool
    rows: int = 0
    header_row: int | None = None
    sheet: str | None = None
    encoding: str | None = None
    headers: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    counts: dict = field(default_factory=lambda: {outcome: 0 for outcome in OUTCOMES})
    written: bool = False
    problem_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary_text(self) -> str:
        values = {"rows": self.rows, **self.counts}
        if self.written:
            return _("Recorded %(rows)s rows: %(new)s new problems, %(joined)s joined known problems, %(reopened)s "
                     "closed problems reopened as recurring, %(unchanged)s already recorded by this source and "
                     "round.") % values
        return _("Nothing written yet. The %(rows)s rows would make %(new)s new problems, join %(joined)s known "
                 "problems, reopen %(reopened)s closed problems as recurring, and leave %(unchanged)s already "
                 "recorded by this source and round.") % values


OUTCOMES = (intake.Outcome.NEW, intake.Outcome.JOINED, intake.Outcome.REOPENED, intake.Outcome.UNCHANGED)


def import_file(path, *, user, source: str, round: str, dry_run: bool = False,
                file_name: str | None = None) -> IntakeReport:
    """Check (and unless `dry_run`, record) the findings list at `path` as `user` (None: the
    command line), every row with `source` and `round`. Raises StepRefused when the user may not
    record from this source or the round is missing; every problem of the file itself is in the
    report's errors, and then nothing is written."""
    path = Path(path)
    round = intake.check_recorder(user, source, round)
    report = IntakeReport(file_name=file_name or path.name, source=source, round=round, dry_run=dry_run)
    try:
        table = read_table(path, header_score, min_score=2)
    except ReadError as exc:
        report.errors.append(file_issue(str(exc)))
        return report
    report.rows, report.header_row = table.num_rows, table.header_row
    report.sheet, report.encoding = table.sheet, table.encoding
    report.headers = table.headers
    if not report.rows:
        report.errors.append(file_issue(_("The file has no rows below its header.")))
    columns = _columns(table, report)
    if report.errors:
        return report
    rows = _rows(table, columns)
    codes = intake.known_codes()
    with transaction.atomic():
        if not dry_run:
            intake.lock_ledger()  # before reading the ledger: what is planned is what gets written
        plans = _check_rows(rows, columns, codes, user, report)
        if report.errors:
            return report
        if dry_run:
            _predict(plans, source, round, report)
            return report
        details = {"file": report.file_name}
        for plan in plans:
            done = intake.write(user, plan.code, plan.target, source=source, round=round,
                                description=plan.description, severity=plan.severity, found_on=plan.found_on,
                                details=details | {"row": plan.row})
            report.counts[done.outcome] += 1
            report.problem_ids.append(done.problem.pk)
        report.written = True
    return report


def _columns(table, report: IntakeReport) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        name = field_for_header(header)
        if name is None:
            continue
        if name in columns:
            report.errors.append(file_issue(_("Two columns mean %(header)s: %(first)s and %(second)s; keep one.") % {
                "header": canonical(name), "first": table.headers[columns[name]], "second": header}))
        columns[name] = index
    if not any(name in columns for name in TARGET_FIELDS):
        report.errors.append(file_issue(_("The file needs a column 户编号, 证件号码 or 村 to say where each problem is.")))
    if "code" not in columns and "description" not in columns:
        report.errors.append(file_issue(_("The file needs a column 问题代码 or 问题描述 to say what each problem is.")))
    return columns


def _rows(table, columns: dict[str, int]) -> list[tuple[int, dict[str, str]]]:
    values = {name: table.table.column(index).to_pylist() for name, index in columns.items()}
    numbers = table.row_numbers.to_pylist()
    return [(number, {name: unicodedata.normalize("NFKC", values[name][i] or "").strip() for name in values})
            for i, number in enumerate(numbers)]


def _check_rows(rows, columns: dict[str, int], codes: dict, user, report: IntakeReport) -> list[Planned]:
    headers = {name: report.headers[index] for name, index in columns.items()}
    plans: list[Planned] = []
    seen: dict[tuple[str, str], int] = {}
    by_title = {c.title: c for c in codes.values()}

    def error(row: int, name: str, value: str, reason: str) -> None:
        report.errors.append(Issue(row, headers.get(name, canonical(name)), short(value), reason))

    for number, cells in rows:
        before = len(report.errors)
        text = cells.get("code", "")
        description = cells.get("description", "")
        code = None
        if text:
            code = codes.get(text.upper()) or by_title.get(text)
            if code is None:
                error(number, "code", text, _("Unknown problem code; see the codes in the documentation (or leave "
                                              "it empty and describe the problem: 其他问题)."))
        elif description:
            code = codes[intake.OTHER]
        else:
            error(number, "description", "", _("Give a problem code or a description."))
        severity = None
        if cells.get("severity"):
            severity = SEVERITY_WORDS.get(cells["severity"].lower())
            if severity is None:
                error(number, "severity", cells["severity"], _("Not a severity; write 严重, 一般 or 提示."))
        found_on = None
        if cells.get("found_on"):
            found_on = parse_date(cells["found_on"])
            if found_on is None:
                error(number, "found_on", cells["found_on"], _("Not a date (such as 2026-03-05)."))
            elif found_on > timezone.localdate():
                error(number, "found_on", cells["found_on"], _("The date lies in the future."))
        for name in ("household_no", "id_number"):
            if _SCIENTIFIC.match(cells.get(name, "")):
                error(number, name, cells[name], lost_digits_reason(cells[name]))
        if len(report.errors) > before or code is None:
            continue
        try:
            kwargs = intake.resolve_target(user, code, household_no=cells.get("household_no", ""),
                                           id_number=cells.get("id_number", ""), village=cells.get("village", ""))
            target = intake.make_target(code, kwargs.get("household"), kwargs.get("person"), kwargs.get("village"))
        except intake.TargetError as exc:
            name = exc.field or next((n for n in TARGET_FIELDS if n in columns), "household_no")
            error(number, name, cells.get(name, ""), exc.message)
            continue
        except StepRefused as exc:
            error(number, "code", text, exc.message)
            continue
        key = (code.code, target.key)
        if key in seen:
            error(number, "code", text or code.code, _("The same problem as row %(row)s (same code, same household, "
                                                       "person or village); write it once.") % {"row": seen[key]})
            continue
        seen[key] = number
        plans.append(Planned(number, code, target, description or code.title, severity, found_on))
    return plans


def parse_date(text: str) -> dt.date | None:
    """2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, 20260305, or an Excel date cell as read."""
    text = text.strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def _predict(plans: list[Planned], source: str, round: str, report: IntakeReport) -> None:
    """What writing would do, read from the ledger as it is."""
    keys = {(p.code.code, p.target.key) for p in plans}
    known = {}
    for code in {k[0] for k in keys}:
        targets = [k[1] for k in keys if k[0] == code]
        for pk, target_key, status in (Problem.objects.filter(code=code, target_key__in=targets)
                                       .values_list("pk", "target_key", "status")):
            known[(code, target_key)] = (pk, status)
    recorded = set(ProblemSource.objects.filter(problem_id__in=[v[0] for v in known.values()], source=source,
                                                round=round).values_list("problem_id", flat=True))
    for plan in plans:
        found = known.get((plan.code.code, plan.target.key))
        if found is None:
            outcome = intake.Outcome.NEW
        elif found[0] in recorded:
            outcome = intake.Outcome.UNCHANGED
        elif found[1] == Status.CLOSED:
            outcome = intake.Outcome.REOPENED
        else:
            outcome = intake.Outcome.JOINED
        report.counts[outcome] += 1
