"""From a department file's table of strings to its kind's normalised table, with every error.

Each column is cleaned whole by the registry import's cleaners (registry/importing/cleaning.py), so a
date, an amount, an ID number or a flag reads the same in a dataset as in the registry. Errors come
from the cleaners' masks: Python only touches the rows that are wrong.

ID numbers are cleaned but not validated: a dataset record with a missing, mistyped or invalid
number is still a record, which the linkage attaches to a person by name, birth date and place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _

from huitoukan.registry.importing import cleaning, validation
from huitoukan.registry.importing import vocabulary as vocab
from huitoukan.registry.importing.reading import SourceTable
from huitoukan.registry.importing.validation import Issue

from .. import kinds as K
from ..kinds import EXTRA_TYPE, ColumnSpec, Kind, table_schema
from .headers import PERSON_KEYS, HeaderMap, map_headers

PREVIEW_ROWS = 20
# Mostly one value per row: cleaning per distinct value would not save anything.
UNIQUE_PER_ROW = {"id_number", "name", "address", "plate_no", "entity_name", "location"}


@dataclass
class Normalised:
    header_map: HeaderMap
    table: pa.Table | None = None  # the kind's schema (kinds.table_schema); None when there are errors
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    id_missing: int = 0
    id_invalid: int = 0


def normalise(kind: Kind, source: SourceTable, as_of: dt.date) -> Normalised:
    header_map = map_headers(kind, source.headers)
    result = Normalised(header_map=header_map)
    if header_map.missing:
        names = "、".join(kind.column(name).header for name in header_map.missing)
        result.errors.append(validation.file_issue(
            _("Required columns are missing: %(columns)s (header found in row %(row)s).")
            % {"columns": names, "row": source.header_row}))
        return result
    for row, cells in source.ragged_rows:
        result.errors.append(Issue(row, "", "", validation.ragged_row_reason(cells, len(source.headers))))

    rows = source.row_numbers
    n = source.num_rows
    columns: dict[str, pa.Array] = {"row_number": rows}
    for spec in kind.columns:
        position = header_map.index.get(spec.name)
        if position is None:
            columns[spec.name] = pa.nulls(n, K.ARROW_TYPES[spec.type])
            continue
        header, raw = header_map.headers[spec.name], source.table.column(position)
        cleaned = _clean(spec, raw)
        result.errors += validation.from_mask(cleaned.invalid, rows, raw, header, _invalid_reason(spec))
        if cleaned.doubtful is not None:
            result.warnings += validation.from_mask(
                cleaned.doubtful, rows, raw, header, lambda value: validation.unrecoverable_id_reason())
        if spec.required:
            missing = pc.and_(pc.is_null(cleaned.values), pc.invert(cleaned.invalid))
            result.errors += validation.from_mask(missing, rows, None, header, validation.missing_value())
        columns[spec.name] = _as_array(pc.cast(cleaned.values, K.ARROW_TYPES[spec.type]))

    nobody = pc.and_(pc.is_null(columns["id_number"]), pc.is_null(columns["name"]))
    where = "/".join(header_map.headers[name] for name in PERSON_KEYS)
    result.errors += validation.from_mask(nobody, rows, None, where, _(
        "Neither an ID number nor a name: the record cannot be matched to anyone."))
    if result.errors:
        result.errors.sort(key=lambda issue: (issue.row or 0))
        return result

    columns["extra"] = _extra(source.table, header_map.extra, n)
    result.table = pa.Table.from_arrays([columns[f.name] for f in table_schema(kind.code)],
                                        schema=table_schema(kind.code))
    result.id_missing, result.id_invalid = id_counts(columns["id_number"], as_of)
    return result


def id_counts(ids: pa.Array, as_of: dt.date) -> tuple[int, int]:
    """(missing, present but not a valid GB 11643 number): what exact matching cannot link."""
    from huitoukan.lookback.engine.idnumbers import check_id_numbers

    missing = ids.null_count
    if len(ids) == missing:
        return missing, 0
    valid = check_id_numbers(ids, as_of).column("id_valid")
    invalid = pc.sum(pc.and_(pc.is_valid(ids), pc.invert(valid))).as_py() or 0
    return missing, int(invalid)


def _as_array(values) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _clean(spec: ColumnSpec, raw) -> cleaning.Cleaned:
    if spec.name in UNIQUE_PER_ROW:
        return _clean_values(spec, raw)
    return cleaning.on_distinct(lambda values: _clean_values(spec, values), raw)


def _clean_values(spec: ColumnSpec, column) -> cleaning.Cleaned:
    kind = spec.type
    if kind == K.TEXT:
        return cleaning.plain_text(column)
    if kind == K.ID_NUMBER:
        return cleaning.id_number(column)
    if kind == K.SEX:
        return cleaning.enum(column, vocab.VALUES["sex"])
    if kind == K.DATE:
        return cleaning.date(column)
    if kind == K.AMOUNT:
        return cleaning.amount(column)
    if kind == K.YEAR:
        return cleaning.year(column)
    if kind == K.FLAG:
        return cleaning.flag(column)
    if kind == K.GRADE:
        return cleaning.enum(column, K.GRADE_WORDS)
    raise ValueError(f"unknown column type {kind!r}")


def _invalid_reason(spec: ColumnSpec):
    """The reason a cell could not be read, in the registry import's words where they fit."""
    kind = spec.type
    if kind == K.DATE:
        return lambda value: _("Not a date (such as 2019-05-01).")
    if kind == K.AMOUNT:
        return lambda value: _("Not an amount in yuan (such as 1,234.50 or 1234.5元).")
    if kind == K.YEAR:
        return lambda value: _("Not a year between 1949 and 2100 (such as 2016 or 2016年).")
    if kind == K.FLAG:
        return lambda value: _("Not a yes/no value (是/否, 1/0, Y/N, √/×).")
    if kind in (K.SEX, K.GRADE):
        words = vocab.VALUES["sex"] if kind == K.SEX else K.GRADE_WORDS
        choices = "、".join(w[0] for w in words.values())
        return lambda value: _("Unknown value; expected one of: %(choices)s.") % {"choices": choices}
    return lambda value: _("The value could not be read.")


def _extra(table: pa.Table, extra: list[tuple[int, str]], n: int) -> pa.Array:
    """The columns not read, as one map per row (header → cell text), built without a Python loop
    over rows: keys and cells are laid out row after row by index arithmetic."""
    if not extra:
        return pa.nulls(n, EXTRA_TYPE)
    k = len(extra)
    keys = pa.array([key for _position, key in extra], pa.string())
    cells = pa.concat_arrays([_as_array(cleaning.text(table.column(position))) for position, _key in extra])
    # Row r's j-th entry is column j's cell r: position j * n + r of `cells`.
    order = (np.arange(n, dtype=np.int64)[:, None] + np.arange(k, dtype=np.int64)[None, :] * n).ravel()
    offsets = pa.array(np.arange(0, n * k + 1, k, dtype=np.int32))
    key_index = pa.array(np.tile(np.arange(k, dtype=np.int32), n))
    return pa.MapArray.from_arrays(offsets, keys.take(key_index), cells.take(pa.array(order)), type=EXTRA_TYPE)


def preview(kind: Kind, table: pa.Table, limit: int = PREVIEW_ROWS) -> dict:
    """The first rows as text, for the pages: column names (so that the page can mask ID numbers and
    health data for the viewer), their headers and the cells."""
    head = table.slice(0, limit)
    names = [spec.name for spec in kind.columns]
    rows = []
    for record in head.select(["row_number", *names]).to_pylist():
        rows.append([record["row_number"], [display(kind.column(name), record[name]) for name in names]])
    return {"columns": names, "headers": [kind.column(name).header for name in names], "rows": rows}


def display(spec: ColumnSpec, value) -> str:
    if value is None:
        return ""
    if spec.type == K.SEX:
        return {"male": "男", "female": "女"}.get(value, value)
    if spec.type == K.FLAG:
        return _("yes") if value else _("no")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
