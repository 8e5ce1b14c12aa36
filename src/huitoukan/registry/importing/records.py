"""From the file's table of strings to typed person rows and one record per household, with every
error found on the way.

The export has one row per person and repeats the household's fields on each member's row; a
household takes, field by field, the first value its rows give, and rows that give a different
value are errors (two statuses for one household cannot both be right).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from django.utils.translation import gettext as _

from . import cleaning, validation
from .columns import (
    BY_NAME,
    HOUSEHOLD_FIELDS,
    HOUSEHOLD_REQUIRED,
    PERSON_REQUIRED,
    HeaderMap,
    canonical_header,
    clean,
    map_headers,
    max_length,
)
from .reading import SourceTable
from .validation import Issue

ROW = "_row"


@dataclass
class Records:
    header_map: HeaderMap
    people: pa.Table | None = None  # _row, household_no, source_key and the person fields present
    households: pa.Table | None = None  # household_no, _row (its first row), household fields present
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    row_count: int = 0
    preview: dict = field(default_factory=dict)

    def has(self, field_name: str) -> bool:
        return field_name in self.header_map.index


def build_records(source: SourceTable, progress=None) -> Records:
    header_map = map_headers(source.headers)
    records = Records(header_map=header_map, row_count=source.num_rows)
    if header_map.missing:
        names = "、".join(canonical_header(name) for name in header_map.missing)
        records.errors.append(validation.file_issue(
            _("Required columns are missing: %(columns)s (header found in row %(row)s).")
            % {"columns": names, "row": source.header_row}))
        return records
    for row, cells in source.ragged_rows:
        records.errors.append(Issue(row, "", "", validation.ragged_row_reason(cells, len(source.headers))))

    rows = source.row_numbers
    typed: dict[str, pa.Array] = {ROW: rows}
    display: dict[str, pa.Array] = {}
    total = len(header_map.index)
    for step, (name, position) in enumerate(header_map.index.items()):
        spec, header = BY_NAME[name], header_map.headers[name]
        raw = source.table.column(position)
        result = clean(spec, raw)
        records.errors += validation.from_mask(
            result.invalid, rows, raw, header, validation.invalid_reason(spec, max_length(spec)))
        if result.doubtful is not None:
            records.warnings += validation.from_mask(
                result.doubtful, rows, raw, header, lambda value: validation.unrecoverable_id_reason())
        if name in PERSON_REQUIRED:
            missing = pc.and_(pc.is_null(result.values), pc.invert(result.invalid))
            records.errors += validation.from_mask(missing, rows, None, header, validation.missing_value())
        typed[name] = result.values
        if name in HOUSEHOLD_FIELDS:
            display[name] = _shown(raw)
        if progress:
            progress(step + 1, total)

    source.table = None  # consumed: half a million rows of text need not wait for the rest
    pa.default_memory_pool().release_unused()
    table = pa.table(typed)
    records.preview = preview(header_map.headers, table)
    con = duckdb.connect()
    try:
        # What each household field's cell said, for messages: beside the typed columns, so that
        # no join is needed.
        con.register("cells", pa.table({**typed, **{f"shown__{k}": v for k, v in display.items()}}))
        records.errors += _duplicate_people(con, records)
        records.errors += _household_conflicts(con, records)
        records.errors += _household_missing(con, records)
        records.people = _people(con, records)
        records.households = _households(con, records)
    finally:
        con.close()
    records.errors.sort(key=lambda issue: (issue.row or 0))
    return records


def _shown(raw) -> pa.DictionaryArray:
    """A household field's cells as text for messages, dictionary-encoded (a few distinct values
    over many rows), empty cells null."""
    raw = raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw
    encoded = pc.dictionary_encode(raw)
    words = cleaning.text(encoded.dictionary)
    indices = pc.if_else(pc.fill_null(pc.take(pc.is_null(words), encoded.indices), True),
                         pa.scalar(None, encoded.indices.type), encoded.indices)
    return pa.DictionaryArray.from_arrays(indices, pc.fill_null(words, ""))


def _source_key_sql(records: Records) -> str:
    """Person identity across exports: person number, else household number and ID number, else
    household number and name (see Person.source_key)."""
    parts = []
    if records.has("person_no"):
        parts.append("person_no")
    if records.has("id_number"):
        parts.append("CASE WHEN id_number IS NOT NULL THEN household_no || '/' || id_number END")
    parts.append("household_no || '/' || name")
    return "coalesce(" + ", ".join(parts) + ")"


def _duplicate_people(con, records: Records) -> list[Issue]:
    duplicates = con.execute(f"""
        SELECT {ROW}, first_row FROM (
            SELECT {ROW}, min({ROW}) OVER (PARTITION BY key) AS first_row
            FROM (SELECT {ROW}, {_source_key_sql(records)} AS key FROM cells) WHERE key IS NOT NULL
        ) WHERE {ROW} <> first_row ORDER BY {ROW}
    """).fetchall()
    column = records.header_map.headers.get("person_no") or records.header_map.headers["name"]
    return [Issue(row, column, "", _("The same person appears again (first in row %(row)s).") % {"row": first})
            for row, first in duplicates]


def _present_household_fields(records: Records) -> list[str]:
    return [name for name in HOUSEHOLD_FIELDS if records.has(name)]


def _household_conflicts(con, records: Records) -> list[Issue]:
    fields = _present_household_fields(records)
    if not fields:
        return []
    # min <> max: more than one distinct non-empty value, and much cheaper than count(DISTINCT).
    any_conflict = " OR ".join(f"coalesce(min({name}) <> max({name}), false)" for name in fields)
    con.execute(f"""CREATE TEMP TABLE bad AS SELECT household_no FROM cells
                    WHERE household_no IS NOT NULL GROUP BY household_no
                    HAVING count(*) > 1 AND ({any_conflict})""")
    if con.execute("SELECT count(*) FROM bad").fetchone()[0] == 0:
        return []
    con.execute("CREATE TEMP TABLE bad_cells AS SELECT * FROM cells WHERE household_no IN (SELECT household_no FROM bad)")
    issues = []
    for name in fields:
        found = con.execute(f"""
            WITH ref AS (
                SELECT household_no, arg_min({name}, {ROW}) AS ref_v, arg_min(shown__{name}, {ROW}) AS ref_shown,
                       min({ROW}) AS ref_row
                FROM bad_cells WHERE {name} IS NOT NULL GROUP BY household_no
            )
            SELECT c.{ROW}, c.household_no, c.shown__{name}, ref.ref_shown, ref.ref_row
            FROM bad_cells c JOIN ref USING (household_no)
            WHERE c.{name} IS NOT NULL AND c.{name} <> ref.ref_v ORDER BY c.{ROW}
        """).fetchall()
        header = records.header_map.headers[name]
        for row, household_no, shown, ref_shown, ref_row in found:
            issues.append(Issue(row, header, validation.short(shown), _(
                "Household %(household)s: “%(value)s” differs from “%(first)s” in row %(row)s; a household "
                "has one value.") % {"household": household_no, "value": shown, "first": ref_shown, "row": ref_row}))
    return issues


def _household_missing(con, records: Records) -> list[Issue]:
    """Households whose rows all leave a required household field empty (an unreadable value is
    reported as such, not again as missing)."""
    counts = ", ".join(f"count(shown__{name})" for name in HOUSEHOLD_REQUIRED)
    none = " OR ".join(f"count(shown__{name}) = 0" for name in HOUSEHOLD_REQUIRED)
    found = con.execute(f"""SELECT min({ROW}), {counts} FROM cells WHERE household_no IS NOT NULL
                            GROUP BY household_no HAVING {none} ORDER BY 1""").fetchall()
    issues = []
    for row, *given in found:
        for name, count in zip(HOUSEHOLD_REQUIRED, given):
            if count == 0:
                issues.append(Issue(row, records.header_map.headers[name], "", validation.missing_value()))
    return issues


def _people(con, records: Records) -> pa.Table:
    from .columns import PERSON

    columns = [name for name, spec in BY_NAME.items() if spec.level == PERSON and records.has(name)]
    select = ", ".join(c for c in columns if c != "household_no")
    return con.sql(f"""SELECT {ROW}, household_no, {_source_key_sql(records)} AS source_key, {select}
                       FROM cells ORDER BY {ROW}""").to_arrow_table()


def _households(con, records: Records) -> pa.Table:
    """One record per household: each field's first non-empty value, the head's name, the head's
    telephone (else the first member's), and how many member rows the file has."""
    fields = _present_household_fields(records)
    firsts = "".join(f", arg_min({name}, {ROW}) FILTER (WHERE {name} IS NOT NULL) AS {name}" for name in fields)
    phone = ""
    if records.has("phone"):
        phone = (f", coalesce(arg_min(phone, {ROW}) FILTER (WHERE relation = 'head' AND phone IS NOT NULL),"
                 f" arg_min(phone, {ROW}) FILTER (WHERE phone IS NOT NULL)) AS phone")
    return con.sql(f"""
        SELECT household_no, min({ROW}) AS {ROW}, count(*) AS member_rows,
               coalesce(arg_min(name, {ROW}) FILTER (WHERE relation = 'head'), '') AS head_name
               {firsts} {phone}
        FROM cells WHERE household_no IS NOT NULL GROUP BY household_no ORDER BY {ROW}
    """).to_arrow_table()


PREVIEW_ROWS = 20


def preview(source_headers: dict[str, str], typed: pa.Table, rows: int = PREVIEW_ROWS) -> dict:
    """The first rows as the import understood them, for the user to check before confirming:
    field names (for masking), the file's headers, and display values (choices as labels)."""
    from .display import display_value

    fields = [name for name in source_headers]
    head = typed.slice(0, rows)
    columns = [head.column(name).to_pylist() for name in fields]
    body = [[display_value(name, value) for name, value in zip(fields, row)] for row in zip(*columns)]
    return {"fields": fields, "headers": [source_headers[name] for name in fields],
            "row_numbers": head.column(ROW).to_pylist(), "rows": body}
