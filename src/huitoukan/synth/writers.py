"""CSV and XLSX output.

CSV is assembled with Arrow compute (quote only the cells that need it, join cells and lines in C)
and its bytes go to the file without a round trip through Python strings, which keeps a
500,000-row registry to a second or two and a few hundred MB. Lines end in CRLF and UTF-8 files start
with a BOM, as Excel's "CSV UTF-8" does; GBK files are what older Excel versions save on a Chinese
Windows.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .messy import as_arrow

_NEEDS_QUOTES = '[",\r\n]'


def _value_bytes(array: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of all the cells of a string array, as one numpy view."""
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=width)[array.offset:array.offset + len(array) + 1]
    data = array.buffers()[2]
    if data is None or len(offsets) == 0:
        return np.empty(0, dtype=np.uint8)
    return np.frombuffer(data, dtype=np.uint8)[int(offsets[0]):int(offsets[-1])]


def _column(values) -> pa.Array:
    array = as_arrow(values)
    if not pa.types.is_string(array.type):
        array = pc.cast(array, pa.string())
    data = _value_bytes(array)
    # A byte-level test first: a regex over every cell costs more than the rest of the writing.
    if ((data == ord(",")) | (data == ord('"')) | (data == ord("\n")) | (data == ord("\r"))).any():
        needs = pc.fill_null(pc.match_substring_regex(array, _NEEDS_QUOTES), False)
        quoted = pc.binary_join_element_wise(pa.scalar('"'), pc.replace_substring(array, '"', '""'),
                                             pa.scalar('"'), pa.scalar(""))
        array = pc.if_else(needs, quoted, array)
    return pc.fill_null(array, "") if array.null_count else array


def _line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


CHUNK_ROWS = 65_536


def _chunks(columns: list):
    """The data lines as UTF-8 bytes, a chunk of rows at a time (keeps memory flat)."""
    if not columns or len(columns[0]) == 0:
        return
    arrays = [as_arrow(c) for c in columns]
    n = len(arrays[0])
    for begin in range(0, n, CHUNK_ROWS):
        cells = [_column(a.slice(begin, CHUNK_ROWS)) for a in arrays]
        lines = pc.binary_join_element_wise(*cells, pa.scalar(","))
        lines = pc.binary_join_element_wise(lines, pa.scalar(""), pa.scalar("\r\n"))
        yield memoryview(_value_bytes(lines))


def write_csv(path: Path, header: list[str], columns: list, *, encoding: str = "utf-8-sig",
              title: str | None = None) -> None:
    head = ""
    if title is not None:
        head += _line([title] + [""] * (len(header) - 1))
    head += _line(header)
    with open(path, "wb") as out:
        if encoding in ("utf-8-sig", "utf-8"):
            if encoding == "utf-8-sig":
                out.write(codecs.BOM_UTF8)
            out.write(head.encode("utf-8"))
            out.writelines(_chunks(columns))
        else:
            out.write(head.encode(encoding))
            out.writelines(bytes(chunk).decode("utf-8").encode(encoding) for chunk in _chunks(columns))


def write_xlsx(path: Path, header: list[str], columns: list, *, title: str | None = None,
               sheet: str = "Sheet1") -> None:
    """All cells as text (ID numbers must never become numbers), title merged above the header."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    worksheet = workbook.add_worksheet(sheet)
    bold = workbook.add_format({"bold": True})
    text_format = workbook.add_format({"num_format": "@"})
    row = 0
    if title is not None:
        worksheet.merge_range(0, 0, 0, len(header) - 1, title, workbook.add_format({"bold": True, "align": "center"}))
        row = 1
    for col, name in enumerate(header):
        worksheet.write_string(row, col, name, bold)
    n = len(columns[0]) if columns else 0
    chunk = 50_000
    for begin in range(0, n, chunk):
        lists = [as_arrow(c).slice(begin, chunk).to_pylist() for c in columns]
        for r, cells in enumerate(zip(*lists), start=row + 1 + begin):
            for col, value in enumerate(cells):
                if value:
                    worksheet.write_string(r, col, value, text_format)
    workbook.close()
