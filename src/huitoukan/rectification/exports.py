"""The problem ledger (问题台账) as a file: .xlsx ready to print, or .csv (UTF-8 with BOM).

One module for the command line (`huitoukan problems export`) and the web list. The public API:

    file_format_for(filename: str) -> str
        "xlsx" or "csv" from the file name's extension; anything else raises ExportFormatError
        (a ValueError whose message is translated, fit to show a user).

    write_problems(problems, out, file_format: str, *, user=None, full_id_numbers: bool = False) -> int
        Writes `problems` (a Problem queryset, already scoped and filtered by the caller; its order
        is kept) to `out` (a path, or a binary file object such as an HttpResponse or BytesIO) and
        returns the number of problem rows written. ID numbers are shown as
        accounts.masking.id_number_for(user, …) allows, or in full when full_id_numbers is True
        (the command line, run by the county administrator on the server). Logging the export
        (accounts.audit.log_export) is the caller's job, since only it knows the request.

    CONTENT_TYPES: dict[str, str]   file format → MIME type, for an HTTP response.

The column headers, sheet names and the title are fixed Chinese: the issue names them, and a
county's ledger keeps one layout whatever language the exporting user reads (as the import headers
of DOMAIN.md §4 do). Labels of categories, severities, statuses and sources come from the
translation catalogue in zh-hans, so that the file never mixes languages.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
from collections import Counter, defaultdict
from itertools import islice
from pathlib import Path

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from huitoukan.accounts.masking import id_number_for
from huitoukan.registry.exports import _neutralise

from .choices import Category, Severity, Source, Status, TargetType
from .models import Problem, ProblemSource
from .queries import shown_text

HEADERS = [
    "问题编号", "问题代码", "问题类别", "严重程度", "县", "乡镇", "村", "户编号", "户主姓名", "姓名", "证件号码",
    "问题描述", "来源", "状态", "首次发现", "最近发现",
]
LEDGER_SHEET, TOTALS_SHEET, TITLE, TOTAL, TOWN = "问题台账", "汇总", "问题台账", "合计", "乡镇"
FILE_LANGUAGE = "zh-hans"
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
CHUNK = 2000
BOM = "\ufeff"

# Which columns hold digits that Excel must keep as text (leading zeros, 18-digit ID numbers),
# which hold dates, and how wide each is in characters.
TEXT_COLUMNS = {"问题编号", "户编号", "证件号码"}
DATE_COLUMNS = {"首次发现", "最近发现"}
WIDTHS = [11, 20, 14, 8, 10, 10, 12, 20, 9, 9, 20, 60, 12, 14, 16, 16]

_FIELDS = (
    "pk", "code", "category", "severity", "county__name", "town__code", "town__name", "village__name",
    "household__household_no", "household__head_name", "person__household__household_no",
    "person__household__head_name", "person__name", "person__id_number", "description", "values", "status",
    "first_found_at", "last_found_at", "target_type",
)


class ExportFormatError(ValueError):
    pass


def file_format_for(filename) -> str:
    extension = Path(str(filename)).suffix.lower().lstrip(".")
    if extension not in CONTENT_TYPES:
        raise ExportFormatError(
            _("Cannot export to “%(name)s”: the file name must end in .xlsx or .csv.") % {"name": filename}
        )
    return extension


def write_problems(problems, out, file_format: str, *, user=None, full_id_numbers: bool = False) -> int:
    if file_format not in CONTENT_TYPES:
        raise ExportFormatError(_("Unknown export format “%(format)s”: use xlsx or csv.") % {"format": file_format})
    with translation.override(FILE_LANGUAGE):
        labels = _labels()
    if full_id_numbers:
        show_id, show_text = (lambda value: value), (lambda text, values, id_number: text)
    else:
        # The description is the rule's message and may quote an ID number: masked like the column.
        show_id = lambda value: id_number_for(user, value)
        show_text = lambda text, values, id_number: shown_text(user, text, values, id_number)
    rows = _rows(problems, labels, show_id, show_text)
    writer = _write_xlsx if file_format == "xlsx" else _write_csv
    if isinstance(out, (str, os.PathLike)):
        if file_format == "xlsx":  # XlsxWriter opens the path itself, after its temporary files
            return writer(rows, os.fspath(out))
        with open(out, "wb") as handle:
            return writer(rows, handle)
    return writer(rows, out)


def _labels() -> dict[str, dict[str, str]]:
    return {
        name: {value: str(label) for value, label in choices.choices}
        for name, choices in (("category", Category), ("severity", Severity), ("status", Status),
                              ("source", Source))
    }


def _rows(problems, labels, show_id, show_text):
    """(town code, ledger row) per problem, in the queryset's order. Sources are read once per
    chunk of problems, not once per problem."""
    source_order = {value: i for i, value in enumerate(Source.values)}
    zone = timezone.get_current_timezone()  # once: looking it up per cell costs seconds a county
    records = problems.values_list(*_FIELDS, named=True).iterator(chunk_size=CHUNK)
    while chunk := list(islice(records, CHUNK)):
        sources = defaultdict(set)
        for problem_id, source in ProblemSource.objects.filter(
                problem_id__in=[r.pk for r in chunk]).values_list("problem_id", "source"):
            sources[problem_id].add(source)
        for r in chunk:
            # A person's problem names the person's household even if the ledger left it empty.
            household_no = r.household__household_no or r.person__household__household_no or ""
            head_name = r.household__head_name or r.person__household__head_name or ""
            yield r.town__code or "", [
                Problem.number.fget(r),  # a named row has .pk, which is all `number` reads
                r.code,
                labels["category"].get(r.category, r.category),
                labels["severity"].get(r.severity, r.severity),
                r.county__name or "", r.town__name or "", r.village__name or "",
                household_no, head_name, r.person__name or _resident_name(r),
                show_id(r.person__id_number or ""),
                show_text(r.description, r.values, r.person__id_number or ""),
                "、".join(labels["source"].get(s, s) for s in sorted(sources[r.pk], key=source_order.get)),
                labels["status"].get(r.status, r.status),
                _local(r.first_found_at, zone), _local(r.last_found_at, zone),
            ]


def _resident_name(r) -> str:
    """A person outside the registry (ENTRY_MISSED) has no person row: the name the finding gives.
    Their ID number is not in the ledger (only its hash), so the ID column stays empty."""
    if r.target_type != TargetType.RESIDENT or not isinstance(r.values, dict):
        return ""
    return r.values.get("name") or ""


def _local(moment, zone=None) -> datetime.datetime | None:
    """Wall-clock time of the installation, without zone: what the office's clock said."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone or timezone.get_current_timezone())
    return moment.replace(tzinfo=None, microsecond=0)


def _write_csv(rows, handle) -> int:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(HEADERS)
    count = 0
    for _town, row in rows:
        writer.writerow([_neutralise(_csv_text(v)) for v in row])
        count += 1
        if count % CHUNK == 0:
            handle.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    handle.write(buffer.getvalue().encode("utf-8"))
    return count


def _csv_text(value):
    if isinstance(value, datetime.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return "" if value is None else value


def _write_xlsx(rows, target) -> int:
    import xlsxwriter

    # constant_memory streams each finished row to a temporary file: a county's whole ledger never
    # sits in memory. Rows must then be written top to bottom, which they are.
    book = xlsxwriter.Workbook(target, {"constant_memory": True})
    try:
        bold = book.add_format({"bold": True})
        title_format = book.add_format({"bold": True, "font_size": 14})
        header_format = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                         "valign": "vcenter"})
        text = book.add_format({"num_format": "@"})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        cell_formats = [text if h in TEXT_COLUMNS else when if h in DATE_COLUMNS else wrap if h == "问题描述"
                        else None for h in HEADERS]

        sheet = book.add_worksheet(LEDGER_SHEET)
        for column, (width, fmt) in enumerate(zip(WIDTHS, cell_formats)):
            sheet.set_column(column, column, width, fmt)
        sheet.write_string(0, 0, f"{TITLE}（导出时间 {_local(timezone.now()):%Y-%m-%d %H:%M}）", title_format)
        for column, header in enumerate(HEADERS):
            sheet.write_string(1, column, header, header_format)

        totals: dict[tuple[str, str], Counter] = defaultdict(Counter)
        row_index = 1
        for town_code, row in rows:
            row_index += 1
            for column, value in enumerate(row):
                if isinstance(value, datetime.datetime):
                    sheet.write_datetime(row_index, column, value, when)
                elif value not in (None, ""):
                    sheet.write_string(row_index, column, value, cell_formats[column])
            totals[(town_code, row[5])][row[1]] += 1
        count = row_index - 1

        sheet.freeze_panes(2, 0)
        sheet.autofilter(1, 0, max(row_index, 1), len(HEADERS) - 1)
        _print_setup(sheet, repeat_row=1)
        _write_totals(book.add_worksheet(TOTALS_SHEET), totals, bold, title_format, header_format)
    finally:
        book.close()
    return count


def _print_setup(sheet, *, repeat_row: int) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many tall as it takes
    sheet.repeat_rows(repeat_row)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&C&P / &N")


def _write_totals(sheet, totals, bold, title_format, header_format) -> None:
    """Towns down, problem codes across, with a total for each row and column."""
    codes = sorted({code for counts in totals.values() for code in counts})
    towns = sorted(totals)  # by town code, the order of the statistical tables
    sheet.write_string(0, 0, f"{TITLE}{TOTALS_SHEET}", title_format)
    header = [TOWN, *codes, TOTAL]
    for column, value in enumerate(header):
        sheet.write_string(1, column, value, header_format)
    row_index = 1
    column_totals = Counter()
    for town in towns:
        row_index += 1
        counts = totals[town]
        sheet.write_string(row_index, 0, town[1])
        for column, code in enumerate(codes, start=1):
            sheet.write_number(row_index, column, counts[code])
        sheet.write_number(row_index, len(codes) + 1, sum(counts.values()), bold)
        column_totals.update(counts)
    row_index += 1
    sheet.write_string(row_index, 0, TOTAL, bold)
    for column, code in enumerate(codes, start=1):
        sheet.write_number(row_index, column, column_totals[code], bold)
    sheet.write_number(row_index, len(codes) + 1, sum(column_totals.values()), bold)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, len(codes) + 1, max(8, *(len(c) + 2 for c in codes)) if codes else 8)
    sheet.freeze_panes(2, 1)
    _print_setup(sheet, repeat_row=1)
