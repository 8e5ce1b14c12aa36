"""From a file to its header and an Arrow table of strings.

Counties send .xlsx and .csv (UTF-8, UTF-8 with BOM, GBK; Excel's "Unicode text" UTF-16 too), often
with a title row or two above the header. `read_table` finds the header among the first rows by
asking which row has enough known headers, and keeps for every data row the row number the user sees
in Excel, so that every error can point at it.

Values stay text here: typing is the cleaners' job, and a numeric Excel cell is turned into the text
Excel would show, except that whole numbers of up to 15 digits (all that Excel keeps) come back as
digits, and longer ones in scientific notation, so that the cleaners know digits were lost.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.utils.translation import gettext as _

HEADER_SEARCH_ROWS = 20
XLSX_CHUNK_ROWS = 50_000
# Excel keeps 15 significant digits; a longer whole number in a numeric cell has lost the rest.
EXCEL_EXACT_DIGITS = 15
SUFFIXES = (".xlsx", ".csv")


class ReadError(Exception):
    """The file as a whole cannot be read (wrong type, undecodable, no header)."""


@dataclass
class SourceTable:
    headers: list[str]  # as written in the file, surrounding spaces removed
    table: pa.Table  # one string column per header, named c0, c1, …
    row_numbers: pa.Array  # int64: the 1-based row number of each data row, as Excel shows it
    header_row: int  # 1-based
    sheet: str | None = None
    encoding: str | None = None
    # (row number, number of cells) of CSV rows whose cell count differs from the header's
    ragged_rows: list[tuple[int, int]] = field(default_factory=list)

    @property
    def num_rows(self) -> int:
        return self.table.num_rows


HeaderScore = Callable[[list[str]], int]


def read_table(path: Path, score: HeaderScore, min_score: int = 3) -> SourceTable:
    """Read `path`; `score(cells)` says how many cells of a row are known headers, and the first row
    among the first HEADER_SEARCH_ROWS that scores at least `min_score` is the header."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        source = _read_xlsx(path, score, min_score)
    elif suffix == ".csv":
        source = _read_csv(path, score, min_score)
    else:
        raise ReadError(_("Only .xlsx and .csv files can be imported (this file is %(suffix)s).")
                        % {"suffix": suffix or "?"})
    return _drop_empty_rows(source)


def _find_header(rows: list[list[str]], score: HeaderScore, min_score: int) -> int:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if score([str(cell) for cell in row]) >= min_score:
            return index
    raise ReadError(
        _("No header row found: none of the first %(n)s rows has enough of the expected column "
          "headers (such as 户编号, 姓名, 与户主关系).") % {"n": HEADER_SEARCH_ROWS}
    )


def _drop_empty_rows(source: SourceTable) -> SourceTable:
    """Rows with no value at all (blank lines, Excel's trailing formatted rows) are not data."""
    table = source.table
    if table.num_columns == 0 or table.num_rows == 0:
        return source
    has_value = None
    for column in table.columns:  # empty cells are null already (CSV null_values, xlsx "")
        filled = pc.is_valid(column)
        has_value = filled if has_value is None else pc.or_(has_value, filled)
    if pc.all(has_value).as_py():
        return source
    source.table = table.filter(has_value)
    source.row_numbers = pc.filter(source.row_numbers, has_value)
    return source


# --- CSV -----------------------------------------------------------------------------------------


def _decode_head(data: bytes) -> tuple[str, str]:
    """(encoding, decoded start of the file). UTF-8 is tried first: GBK text is almost never valid
    UTF-8, while UTF-8 text is rarely valid GBK in a way that would fool the header search."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return "utf-8-sig", codecs.getincrementaldecoder("utf-8")().decode(
                data[len(codecs.BOM_UTF8):65536], final=False)
        except UnicodeDecodeError as exc:
            raise ReadError(_("The file says it is UTF-8 but is not; save it again as CSV UTF-8.")) from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", data[:65536].decode("utf-16", errors="ignore")
    head = data[:65536]
    try:
        return "utf-8", codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        pass
    try:
        return "gb18030", codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise ReadError(_("The file's text encoding is not UTF-8 or GBK; save it again as CSV UTF-8.")) from exc


def _records(text: str, limit: int) -> list[tuple[str, int]]:
    """The first `limit` CSV records of `text` as (record text, end offset), quotes respected."""
    records, start, in_quotes, i, n = [], 0, False, 0, len(text)
    while i < n and len(records) < limit:
        ch = text[i]
        if ch == '"':
            in_quotes = not in_quotes
        elif ch in "\r\n" and not in_quotes:
            end = i + 1
            if ch == "\r" and end < n and text[end] == "\n":
                end += 1
            records.append((text[start:i], end))
            start = i = end
            continue
        i += 1
    return records


def _sniff_delimiter(records: list[str], score: HeaderScore) -> str:
    def best(delimiter: str) -> int:
        return max((score(_split(r, delimiter)) for r in records), default=0)

    return max((",", "\t", ";"), key=best)


def _split(record: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(record, newline=""), delimiter=delimiter), [])
    except csv.Error:
        return []


def _read_csv(path: Path, score: HeaderScore, min_score: int) -> SourceTable:
    data = path.read_bytes()
    encoding, head = _decode_head(data)
    records = _records(head, HEADER_SEARCH_ROWS)
    delimiter = _sniff_delimiter([r for r, _end in records], score)
    header_index = _find_header([_split(r, delimiter) for r, _end in records], score, min_score)
    headers = [h.strip() for h in _split(records[header_index][0], delimiter)]

    # Hand pyarrow UTF-8 bytes that start right after the header row.
    body_start_chars = records[header_index][1]
    if encoding in ("utf-8", "utf-8-sig"):
        bom = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
        body = memoryview(data)[bom + len(head[:body_start_chars].encode("utf-8")):]  # no copy
    else:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ReadError(_("The file's text encoding is not UTF-8 or GBK; save it again as CSV UTF-8.")) from exc
        body = text[body_start_chars:].encode("utf-8")
        del text, data

    names = [f"c{i}" for i in range(len(headers))]
    # One thread: as fast here as several (the parse is memory-bound), and only then does pyarrow
    # tell the row number of a malformed row.
    table, ragged = _parse_csv_body(body, names, delimiter, multiline=_has_newlines_in_quotes(body))
    header_row = header_index + 1
    row_numbers = _row_numbers(table.num_rows, header_row, [number for number, _cells in ragged])
    return SourceTable(
        headers=headers, table=table, row_numbers=row_numbers, header_row=header_row,
        encoding={"utf-8-sig": "UTF-8 (BOM)", "gb18030": "GBK", "utf-8": "UTF-8"}.get(encoding, encoding.upper()),
        ragged_rows=[(header_row + number, cells) for number, cells in ragged],
    )


def _has_newlines_in_quotes(body) -> bool:
    """Whether a quoted cell spans lines (Alt+Enter in Excel). Parsing for that is slower, so it is
    only asked for when needed: a line break inside quotes has an odd number of quotes before it
    (Excel doubles quotes inside cells, which keeps the count even)."""
    import numpy as np

    data = np.frombuffer(body, dtype=np.uint8)
    quotes = np.flatnonzero(data == ord('"'))
    if not len(quotes):
        return False
    breaks = np.flatnonzero(data == ord("\n"))
    return bool((np.searchsorted(quotes, breaks) % 2).any())


def _parse_csv_body(body, names: list[str], delimiter: str, multiline: bool = True):
    ragged: list[tuple[int, int]] = []

    def on_invalid_row(row) -> str:
        ragged.append((row.number, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(body)),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, encoding="utf8"),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=multiline, ignore_empty_lines=False,
                invalid_row_handler=on_invalid_row,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""],
            ),
        )
    except pa.ArrowInvalid as exc:
        raise ReadError(_("The file could not be read as CSV: %(error)s") % {"error": exc}) from exc
    return table.combine_chunks(), ragged


def _row_numbers(num_rows: int, header_row: int, skipped: list[int]) -> pa.Array:
    """Excel row numbers of the parsed rows: after the header, minus the skipped (ragged) rows
    whose relative numbers `skipped` holds."""
    import numpy as np

    total = num_rows + len(skipped)
    relative = np.arange(1, total + 1, dtype=np.int64)
    if skipped:
        relative = relative[~np.isin(relative, np.array(skipped, dtype=np.int64))]
    # From the buffer: pa.array(ndarray) would import pandas to check for a Series.
    numbers = np.ascontiguousarray(relative + header_row, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(numbers), [None, pa.py_buffer(numbers)])


# --- XLSX ----------------------------------------------------------------------------------------


def _cell_text(value) -> str | None:
    if value is None or value == "":
        return None
    kind = type(value)
    if kind is str:
        return value
    if kind is float:
        if value.is_integer():
            if abs(value) < 10**EXCEL_EXACT_DIGITS:
                return str(int(value))
            return f"{value:.{EXCEL_EXACT_DIGITS}G}"  # "4.30524199001011E+17": digits were lost
        return f"{value:.10f}".rstrip("0").rstrip(".")
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is dt.datetime:
        return value.isoformat(sep=" ")
    if kind is dt.date:
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path, score: HeaderScore, min_score: int) -> SourceTable:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own types for broken or encrypted files
        raise ReadError(_("The file could not be read as an Excel workbook: %(error)s") % {"error": exc}) from exc
    first_error = None
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        rows = sheet.iter_rows()
        head = []
        for row in rows:
            head.append([_cell_text(v) or "" for v in row])
            if len(head) >= HEADER_SEARCH_ROWS:
                break
        try:
            header_index = _find_header(head, score, min_score)
        except ReadError as exc:
            first_error = first_error or exc
            continue
        headers = [h.strip() for h in head[header_index]]
        table, rows_seen = _xlsx_body(head[header_index + 1:], rows, len(headers))
        header_row = _first_row_number(sheet, header_index + 1 + rows_seen) + header_index
        row_numbers = pa.array(range(header_row + 1, header_row + 1 + table.num_rows), pa.int64())
        return SourceTable(headers=headers, table=table, row_numbers=row_numbers, header_row=header_row,
                           sheet=name)
    raise first_error or ReadError(_("The workbook has no worksheet."))


def _xlsx_body(converted: list[list[str]], rows, width: int) -> tuple[pa.Table, int]:
    """The data rows below the header as a table of strings, built in chunks so that a large sheet
    never exists as one Python list of cells; also how many rows were read."""
    names = [f"c{i}" for i in range(width)]
    chunks: list[pa.RecordBatch] = []
    # Rows read while looking for the header are converted already; the rest come raw.
    buffer = [[cell or None for cell in row[:width]] + [None] * (width - len(row)) for row in converted]
    seen = len(buffer)
    for row in rows:
        seen += 1
        buffer.append([_cell_text(v) for v in row[:width]] + [None] * (width - len(row)))
        if len(buffer) >= XLSX_CHUNK_ROWS:
            chunks.append(_batch(buffer, names))
            buffer = []
    if buffer or not chunks:
        chunks.append(_batch(buffer, names))
    return pa.Table.from_batches(chunks).combine_chunks(), seen


def _first_row_number(sheet, rows_seen: int) -> int:
    """The row number of the first row iter_rows gave. It starts at row 1 in the calamine versions
    we use (it yields the empty rows above the data); should a version start at the first used row
    instead, fewer rows than the last row number come back, and the sheet's start says where."""
    end = sheet.end
    if end is None or rows_seen >= end[0] + 1:
        return 1
    return sheet.start[0] + 1


def _batch(rows: list[list[str | None]], names: list[str]) -> pa.RecordBatch:
    columns = list(zip(*rows)) if rows else [[] for _ in names]
    return pa.record_batch([pa.array(col, pa.string()) for col in columns], names=names)
