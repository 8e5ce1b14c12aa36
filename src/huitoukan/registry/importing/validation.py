"""Errors and warnings: what is wrong, where the user will find it, and why, in their language.

A row number is the one Excel shows (1-based, title and header rows counted); a column is the header
as written in the file. Issues are built from masks over whole columns, so Python only ever touches
the rows that are wrong.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _

from . import vocabulary as vocab
from .columns import HOUSEHOLD_SIZE_RANGE, FieldSpec

MAX_VALUE_CHARS = 80
_SCIENTIFIC = re.compile(r"^[0-9]+(\.[0-9]+)?E\+?[0-9]+$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Issue:
    row: int | None  # None: about the whole file
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        if self.row is None:
            return self.reason
        if not self.column:
            return _("Row %(row)s: %(reason)s") % {"row": self.row, "reason": self.reason}
        return _("Row %(row)s, column %(column)s: %(reason)s") % {
            "row": self.row, "column": self.column, "reason": self.reason,
        }


def file_issue(reason: str) -> Issue:
    return Issue(row=None, column="", value="", reason=reason)


def short(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def from_mask(mask, row_numbers, raw, column: str, reason) -> list[Issue]:
    """One issue per row where `mask` is set. `reason` is a text, or a function of the raw cell."""
    positions = pc.indices_nonzero(mask)
    if len(positions) == 0:
        return []
    rows = pc.take(row_numbers, positions).to_pylist()
    values = pc.take(raw, positions).to_pylist() if raw is not None else [""] * len(rows)
    if callable(reason):
        return [Issue(row, column, short(value), reason(value or "")) for row, value in zip(rows, values)]
    return [Issue(row, column, short(value), reason) for row, value in zip(rows, values)]


# --- reasons -------------------------------------------------------------------------------------


def missing_value() -> str:
    return _("A value is required here.")


def lost_digits_reason(value: str) -> str:
    return _("The number lost digits in Excel (%(value)s); format the column as text and export the "
             "file again.") % {"value": value}


def unrecoverable_id_reason() -> str:
    return _("The ID number lost digits in Excel (scientific notation); it is imported as written and "
             "the look-back will flag it. Format the column as text and export the file again.")


def choices_text(field_name: str) -> str:
    return "、".join(words[0] for words in vocab.VALUES[field_name].values())


def invalid_reason(spec: FieldSpec, max_length: int | None):
    """The reason a cell of this column could not be read, as a function of its raw text."""
    kind = spec.name if spec.kind == "enum" else spec.kind

    def too_long(value: str) -> str:
        return _("Longer than %(max)s characters.") % {"max": max_length}

    if spec.kind in ("identifier", "phone"):
        return lambda value: (lost_digits_reason(value) if _SCIENTIFIC.match(value.strip())
                              else too_long(value))
    if spec.kind in ("text", "id_number"):
        return too_long
    if spec.kind == "region_code":
        return lambda value: (lost_digits_reason(value) if _SCIENTIFIC.match(value.strip()) else
                              _("A region code has 12 digits (village) or 15 digits (hamlet)."))
    if spec.kind == "amount":
        return lambda value: _("Not an amount in yuan (such as 1,234.50 or 1234.5元).")
    if spec.kind == "year":
        return lambda value: _("Not a year between 1949 and 2100 (such as 2016 or 2016年).")
    if spec.kind == "integer":
        low, high = HOUSEHOLD_SIZE_RANGE
        return lambda value: _("Not a whole number between %(min)s and %(max)s.") % {"min": low, "max": high}
    if spec.kind == "months":
        return lambda value: _("Not a number of months between 0 and 12.")
    if spec.kind == "flag":
        return lambda value: _("Not a yes/no value (是/否, 1/0, Y/N, √/×).")
    if spec.kind == "date":
        return lambda value: _("Not a date (such as 2019-05-01).")
    if spec.kind == "enum":
        choices = choices_text(kind)
        return lambda value: _("Unknown value; expected one of: %(choices)s.") % {"choices": choices}
    return lambda value: _("The value could not be read.")


def ragged_row_reason(cells: int, columns: int) -> str:
    return _("This row has %(cells)s cells but the header has %(columns)s.") % {"cells": cells, "columns": columns}


def as_int64(values) -> pa.Array:
    return pc.cast(values, pa.int64())
