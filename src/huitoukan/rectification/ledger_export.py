"""The rectification ledger (整改台账) and the self-check report as .xlsx files ready to print.

    write_rectification_ledger(problems, out, user=None, *, scope="", full_id_numbers=False) -> int
        One row per problem of `problems` (a queryset, scoped and filtered by the caller; its order is
        kept): who answers for it, by when, what was done, who verified it and when. Overdue rows are
        highlighted. Streams (XlsxWriter's constant_memory, problems read in chunks). `out` is a path
        or a binary file object. Descriptions are masked as `user` may read them unless
        full_id_numbers (the command line). Returns the rows written; logging is the caller's.

    write_selfcheck(report, missed, out) -> int
        The self-check report (reports.selfcheck_gaps) on a 汇总 sheet and every missed problem
        (reports.missed_rows, descriptions already masked by the caller) on a second sheet.

Headers are fixed Chinese, as in exports.py (one layout for the county whatever the exporter reads);
the column formats, print set-up and label catalogue are exports.py's.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from itertools import islice

from django.utils import timezone, translation

from .assignment import overdue_q
from .choices import Action
from .exports import CHUNK, FILE_LANGUAGE, _labels, _local, _print_setup
from .models import ProblemEvent, ProblemSource
from .queries import shown_text

TITLE, SHEET = "整改台账", "整改台账"
HEADERS = [
    "问题编号", "乡镇", "村", "户编号", "户主姓名", "问题代码", "问题描述", "来源", "严重程度", "状态", "责任单位",
    "责任人", "整改时限", "是否逾期", "整改情况", "整改完成时间", "核验人", "销号时间", "屡改屡犯",
]
WIDTHS = [11, 10, 12, 20, 9, 18, 50, 12, 8, 12, 16, 14, 11, 8, 40, 16, 14, 16, 9]
TEXT_COLUMNS = {"问题编号", "户编号"}
DATE_COLUMNS = {"整改时限"}
TIME_COLUMNS = {"整改完成时间", "销号时间"}
WRAP_COLUMNS = {"问题描述", "整改情况"}
#: Steps whose note says what the town did (整改情况): the latest one is shown.
NOTE_ACTIONS = (Action.STARTED, Action.PROGRESS, Action.REPORTED_FIXED)
OVERDUE_FILL = "#FCE4D6"
YES, NO = "是", "否"

_FIELDS = (
    "pk", "code", "severity", "status", "town__name", "village__name", "household__household_no",
    "household__head_name", "person__household__household_no", "person__household__head_name", "person__id_number",
    "description", "values", "responsible_unit", "responsible_person__username", "responsible_person__first_name",
    "responsible_person__last_name", "deadline", "fixed_at", "closed_at", "closed_by__username",
    "closed_by__first_name", "closed_by__last_name", "recurring", "recurrence_count", "is_overdue",
)


def _name(username, first, last) -> str:
    """As workflow.actor_name writes a person: 姓名（账号）, or the account alone."""
    if not username:
        return ""
    full = f"{last or ''}{first or ''}".strip()
    return f"{full}（{username}）" if full else username


def _ledger_rows(problems, user, full_id_numbers):
    from django.db.models import BooleanField, Case, Value, When

    with translation.override(FILE_LANGUAGE):
        labels = _labels()
    zone = timezone.get_current_timezone()
    records = (problems.annotate(is_overdue=Case(When(overdue_q(timezone.localdate()), then=Value(True)),
                                                 default=Value(False), output_field=BooleanField()))
               .values_list(*_FIELDS, named=True).iterator(chunk_size=CHUNK))
    while chunk := list(islice(records, CHUNK)):
        ids = [r.pk for r in chunk]
        sources, notes = defaultdict(set), {}
        for problem_id, source in ProblemSource.objects.filter(problem_id__in=ids).values_list("problem_id", "source"):
            sources[problem_id].add(source)
        # In time order, so the last note written per problem is the latest.
        for problem_id, note in (ProblemEvent.objects.filter(problem_id__in=ids, action__in=NOTE_ACTIONS)
                                 .exclude(note="").order_by("at", "id").values_list("problem_id", "note")):
            notes[problem_id] = note
        order = {value: i for i, value in enumerate(labels["source"])}
        for r in chunk:
            description = r.description if full_id_numbers else shown_text(
                user, r.description, r.values, r.person__id_number or "")
            yield r.is_overdue, [
                f"WT{r.pk:07d}", r.town__name or "", r.village__name or "",
                r.household__household_no or r.person__household__household_no or "",
                r.household__head_name or r.person__household__head_name or "",
                r.code, description,
                "、".join(labels["source"].get(s, s) for s in sorted(sources[r.pk], key=lambda s: order.get(s, 99))),
                labels["severity"].get(r.severity, r.severity),
                labels["status"].get(r.status, r.status),
                r.responsible_unit,
                _name(r.responsible_person__username, r.responsible_person__first_name,
                      r.responsible_person__last_name),
                r.deadline,
                YES if r.is_overdue else NO,
                notes.get(r.pk, ""),
                _local(r.fixed_at, zone),
                _name(r.closed_by__username, r.closed_by__first_name, r.closed_by__last_name),
                _local(r.closed_at, zone),
                f"{YES}（{r.recurrence_count}次）" if r.recurring else "",
            ]


def _formats(book, headers, *, overdue: bool):
    base = {"bg_color": OVERDUE_FILL} if overdue else {}
    made = {}

    def fmt(options):
        key = tuple(sorted(options.items()))
        if key not in made:
            made[key] = book.add_format(options)
        return made[key]

    out = []
    for header in headers:
        if header in TEXT_COLUMNS:
            out.append(fmt(base | {"num_format": "@", "valign": "top"}))
        elif header in DATE_COLUMNS:
            out.append(fmt(base | {"num_format": "yyyy-mm-dd", "valign": "top"}))
        elif header in TIME_COLUMNS:
            out.append(fmt(base | {"num_format": "yyyy-mm-dd hh:mm", "valign": "top"}))
        elif header in WRAP_COLUMNS:
            out.append(fmt(base | {"text_wrap": True, "valign": "top"}))
        elif header == "是否逾期" and overdue:
            out.append(fmt(base | {"bold": True, "font_color": "#C00000", "valign": "top"}))
        else:
            out.append(fmt(base | {"valign": "top"}))
    return out


def _open_book(out):
    import xlsxwriter

    # constant_memory streams each finished row to a temporary file; rows go top to bottom.
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    return xlsxwriter.Workbook(target, {"constant_memory": True})


def _title(scope: str, name: str) -> str:
    stamp = f"{_local(timezone.now()):%Y-%m-%d %H:%M}"
    return f"{name}（{scope}，导出时间 {stamp}）" if scope else f"{name}（导出时间 {stamp}）"


def _write(sheet, row_index, values, formats, shade=False):
    for column, value in enumerate(values):
        if value is None or value == "":
            if formats is not None and formats[column] is not None and shade:
                sheet.write_blank(row_index, column, None, formats[column])  # an overdue row is shaded whole
        elif isinstance(value, datetime.datetime):
            sheet.write_datetime(row_index, column, value, formats[column])
        elif isinstance(value, datetime.date):
            sheet.write_datetime(row_index, column, datetime.datetime.combine(value, datetime.time()), formats[column])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            sheet.write_number(row_index, column, value, formats[column])
        else:
            sheet.write_string(row_index, column, str(value), formats[column])


def write_rectification_ledger(problems, out, user=None, *, scope: str = "", full_id_numbers: bool = False) -> int:
    book = _open_book(out)
    try:
        header_format = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                         "valign": "vcenter"})
        title_format = book.add_format({"bold": True, "font_size": 14})
        plain, late = _formats(book, HEADERS, overdue=False), _formats(book, HEADERS, overdue=True)
        sheet = book.add_worksheet(SHEET)
        for column, width in enumerate(WIDTHS):
            sheet.set_column(column, column, width)
        sheet.write_string(0, 0, _title(scope, TITLE), title_format)
        for column, header in enumerate(HEADERS):
            sheet.write_string(1, column, header, header_format)
        row_index = 1
        for overdue, values in _ledger_rows(problems, user, full_id_numbers):
            row_index += 1
            _write(sheet, row_index, values, late if overdue else plain, shade=overdue)
        sheet.freeze_panes(2, 0)
        sheet.autofilter(1, 0, max(row_index, 1), len(HEADERS) - 1)
        _print_setup(sheet, repeat_row=1)  # A4 landscape, one page wide, header row on every page
    finally:
        book.close()
    return row_index - 1


SELFCHECK_TITLE = "自查与普查对比"
SUMMARY_HEADERS = ["乡镇", "外部检查发现", "自查未发现", "漏查比例", "自查发现", "本轮整改后复现", "累计整改后复现"]
MISSED_HEADERS = ["问题编号", "乡镇", "村", "户编号", "问题代码", "问题描述", "来源", "轮次"]


def write_selfcheck(report, missed, out, *, user=None, scope: str = "", full_id_numbers: bool = False) -> int:
    """`missed`: (problem, outside sources) pairs from reports.missed_rows. Returns missed rows written."""
    with translation.override(FILE_LANGUAGE):
        labels = _labels()
    book = _open_book(out)
    try:
        header_format = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                         "valign": "vcenter"})
        title_format = book.add_format({"bold": True, "font_size": 14})
        bold = book.add_format({"bold": True})
        percent, bold_percent = book.add_format({"num_format": "0.0%"}), book.add_format(
            {"num_format": "0.0%", "bold": True})
        summary = book.add_worksheet("汇总")
        summary.write_string(0, 0, _title(scope, f"{SELFCHECK_TITLE}：{report.round}"), title_format)
        for column, header in enumerate(SUMMARY_HEADERS):
            summary.write_string(1, column, header, header_format)
        row_index = 1
        for row, is_total in [(r, False) for r in report.rows] + [(report.total, True)]:
            row_index += 1
            name = "合计" if is_total else (row.town.name if row.town else "（无乡镇）")
            summary.write_string(row_index, 0, name, bold if is_total else None)
            for column, value in enumerate((row.outside_found, row.missed), start=1):
                summary.write_number(row_index, column, value, bold if is_total else None)
            if row.missed_share is None:
                summary.write_string(row_index, 3, "—")
            else:
                summary.write_number(row_index, 3, row.missed_share, bold_percent if is_total else percent)
            for column, value in enumerate((row.selfcheck_found, row.found_again_round, row.found_again_ever), start=4):
                summary.write_number(row_index, column, value, bold if is_total else None)
        summary.set_column(0, 0, 14)
        summary.set_column(1, len(SUMMARY_HEADERS) - 1, 12)
        summary.freeze_panes(2, 1)
        _print_setup(summary, repeat_row=1)

        sheet = book.add_worksheet("自查未发现")
        formats = [book.add_format({"num_format": "@"}) if h in ("问题编号", "户编号") else
                   book.add_format({"text_wrap": True, "valign": "top"}) if h == "问题描述" else None
                   for h in MISSED_HEADERS]
        for column, width in enumerate([11, 10, 12, 20, 18, 60, 16, 16]):
            sheet.set_column(column, column, width)
        sheet.write_string(0, 0, _title(scope, f"自查未发现的问题：{report.round}"), title_format)
        for column, header in enumerate(MISSED_HEADERS):
            sheet.write_string(1, column, header, header_format)
        row_index = 1
        for problem, sources in missed:
            row_index += 1
            household = problem.household or (problem.person.household if problem.person else None)
            id_number = problem.person.id_number if problem.person else ""
            description = problem.description if full_id_numbers else shown_text(
                user, problem.description, problem.values, id_number)
            _write(sheet, row_index, [
                problem.number, problem.town.name if problem.town else "", problem.village.name if problem.village else "",
                household.household_no if household else "", problem.code, description,
                "、".join(labels["source"].get(s, s) for s in sources), report.round,
            ], formats)
        sheet.freeze_panes(2, 0)
        sheet.autofilter(1, 0, max(row_index, 1), len(MISSED_HEADERS) - 1)
        _print_setup(sheet, repeat_row=1)
    finally:
        book.close()
    return row_index - 1
