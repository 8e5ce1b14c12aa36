"""Derived columns every engine sees the same: ID-number validity and parts, and ages at the as-of
date. Computed once here, vectorised over Arrow, so that rule SQL stays portable (a GB 11643
checksum or a full-years age is written differently in every SQL dialect)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from .idnumbers import check_id_numbers


def prepare(tables: dict[str, pa.Table], as_of: dt.date) -> dict[str, pa.Table]:
    """The snapshot tables with `person` extended by schema.PERSON_DERIVED."""
    person = tables["person"]
    checked = check_id_numbers(person["id_number"], as_of)
    for name in checked.column_names:
        person = person.append_column(name, checked[name])
    return {**tables, "person": person}
