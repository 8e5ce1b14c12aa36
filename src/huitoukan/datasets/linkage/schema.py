"""The Arrow shapes of the linkage's inputs and output."""

from __future__ import annotations

import pyarrow as pa

#: The registry side. Place: town and village names (either may be null).
PEOPLE_COLUMNS = {"person_id", "id_number", "name"}
PEOPLE_OPTIONAL = ("sex", "birth_date", "town", "village", "address")

#: One department dataset.
RECORD_COLUMNS = {"row_number", "id_number", "name"}
RECORD_OPTIONAL = ("sex", "birth_date", "address")

#: One row per (record, person) link; a record in review may have several candidate rows.
LINKS = pa.schema([
    ("row_number", pa.int64()),
    ("person_id", pa.int64()),
    ("link", pa.string()),  # 'exact' | 'probabilistic' | 'review'
    ("match_probability", pa.float64()),  # 1.0 for exact; null when an ID number is shared
    ("match_weight", pa.float64()),  # log2 Bayes factor with the prior; null for ID-number links
    ("reason", pa.string()),  # 'id_number' | 'id_number_and_name' | 'id_number_shared' | 'model' | 'ambiguous'
])


class LinkageInputError(ValueError):
    """A table lacks a column the linkage needs, or has one of the wrong type."""


def require(table: pa.Table, needed: set[str], what: str) -> None:
    missing = sorted(needed - set(table.column_names))
    if missing:
        raise LinkageInputError(f"{what}: missing column(s) {', '.join(missing)}")
    for column in ("birth_date",):
        if column in table.column_names and not pa.types.is_date(table.schema.field(column).type) \
                and not pa.types.is_null(table.schema.field(column).type):
            raise LinkageInputError(f"{what}: {column} must be a date column, not {table.schema.field(column).type}")
