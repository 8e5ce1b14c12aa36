"""Small department files written in the tests: CSV in any encoding, and .xlsx with xlsxwriter."""

import csv
import io
from pathlib import Path

import xlsxwriter


def write_csv(path: Path, header: list[str], rows: list[list], *, encoding="utf-8-sig", titles=()) -> Path:
    """CRLF lines and quotes where needed ("1,234.50"), as Excel writes them."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    if titles:
        writer.writerow(titles)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list], *, title: str | None = None) -> Path:
    """Numbers stay numbers, as Excel would keep a column nobody formatted as text."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("明细")
    start = 0
    if title:
        sheet.merge_range(0, 0, 0, len(header) - 1, title)
        start = 1
    sheet.write_row(start, 0, header)
    for i, row in enumerate(rows, start=start + 1):
        for j, value in enumerate(row):
            if value is None:
                continue
            sheet.write(i, j, value)
    workbook.close()
    return path
