"""Step one: records whose normalised ID number a registry person holds.

One holder: an exact link. Several holders (the registry's ID_DUPLICATE): the number alone does not
say who the record is. When exactly one holder also bears the record's name, that holder is the
person (the number and the name together are as certain as a number alone elsewhere); otherwise the
record goes to review with every holder as a candidate (reason 'id_number_shared') — a death or a
payroll record must never be pinned on the wrong one of two people, nor silently on both.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from .features import normalise_id_numbers, normalise_names
from .schema import LINKS


def exact_links(people: pa.Table, records: pa.Table) -> pa.Table:
    """LINKS rows for every record whose ID number is in the registry (exact, or review when the
    number is shared and the name does not decide)."""
    registry = pa.table({
        "person_id": people["person_id"].cast(pa.int64()),
        "id_number": normalise_id_numbers(people["id_number"]),
        "person_name": normalise_names(people["name"]),
    }).filter(pc.is_valid(pc.field("id_number")))
    holders = registry.group_by("id_number").aggregate([("person_id", "count")]).rename_columns(
        ["id_number", "holders"])
    registry = registry.join(holders, "id_number")
    wanted = pa.table({
        "row_number": records["row_number"].cast(pa.int64()),
        "id_number": normalise_id_numbers(records["id_number"]),
        "record_name": normalise_names(records["name"]),
    }).filter(pc.is_valid(pc.field("id_number")))
    pairs = wanted.join(registry, "id_number", join_type="inner")

    single = pairs.filter(pc.equal(pairs["holders"], 1))
    shared = pairs.filter(pc.greater(pairs["holders"], 1))
    same_name = pc.fill_null(pc.equal(shared["record_name"], shared["person_name"]), False)
    shared = shared.append_column("same_name", same_name)
    named = shared.group_by("row_number").aggregate([("same_name", "sum")]).rename_columns(
        ["row_number", "named_holders"])
    shared = shared.join(named, "row_number")
    decided = pc.equal(shared["named_holders"], 1)
    by_name = shared.filter(pc.and_(decided, shared["same_name"]))
    undecided = shared.filter(pc.invert(decided))

    return pa.concat_tables([
        _rows(single["row_number"], single["person_id"], "exact", "id_number"),
        _rows(by_name["row_number"], by_name["person_id"], "exact", "id_number_and_name"),
        _rows(undecided["row_number"], undecided["person_id"], "review", "id_number_shared"),
    ])


def _rows(row_number, person_id, link: str, reason: str) -> pa.Table:
    n = len(row_number)
    exact = link == "exact"
    return pa.table({
        "row_number": row_number,
        "person_id": person_id,
        "link": pa.array([link] * n, pa.string()),
        "match_probability": pa.array([1.0 if exact else None] * n, pa.float64()),
        "match_weight": pa.array([None] * n, pa.float64()),
        "reason": pa.array([reason] * n, pa.string()),
    }, schema=LINKS)
