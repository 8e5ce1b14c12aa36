"""Derived columns every engine sees the same: ID-number validity and parts, and ages at the as-of
date. Computed once here, vectorised over Arrow, so that rule SQL stays portable (a GB 11643
checksum or a full-years age is written differently in every SQL dialect)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from .idnumbers import check_id_numbers
from .schema import PERSON_DERIVED


def prepare(tables: dict[str, pa.Table], as_of: dt.date) -> dict[str, pa.Table]:
    """The snapshot tables with `person` extended by schema.PERSON_DERIVED for `as_of`. Derived
    columns already present (a snapshot prepared for another date) are computed again."""
    person = tables["person"]
    stale = [name for name in PERSON_DERIVED.names if name in person.column_names]
    if stale:
        person = person.drop_columns(stale)
    checked = check_id_numbers(person["id_number"], as_of)
    for field in PERSON_DERIVED:
        person = person.append_column(field, checked[field.name])
    return {**tables, "person": person}
