"""The linkage's parts on hand-made rows: what a broken ID number still says, addresses, a number
two registry people share, bad input."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from huitoukan.datasets.linkage import LinkageInputError, link
from huitoukan.datasets.linkage import features as F
from huitoukan.datasets.linkage.exact import exact_links

VALID = "522628197611102271"  # GB 11643 valid; male; born 1976-11-10


def test_id_parts_survive_a_typo():
    ids = F.normalise_id_numbers(pa.array([
        VALID,
        " ５２２６２８１９７６１１１０２２７ｘ",  # full-width, lower-case x, space: normalised
        "522628197613102271",  # month 13: no birth date, the rest stands
        "522628761110227",  # first generation, 15 digits
        "", None, "5226",
    ]))
    parts = F.id_parts(ids)
    assert ids.to_pylist()[1] == "52262819761110227X"
    assert parts["birth_date"].to_pylist() == ["19761110", "19761110", None, "19761110", None, None, None]
    assert parts["sex"].to_pylist() == ["male", "male", "male", "male", None, None, None]
    assert parts["place_code"].to_pylist() == ["522628"] * 4 + [None, None, None]
    assert parts["id_tail"].to_pylist() == ["2271", "227X", "2271", None, None, None, None]


def test_addresses():
    town, village = F.parse_addresses(pa.array(["青石县岩铺镇杉河村一组", "贵州省黔东南苗族侗族自治州青石县大洲乡和江村",
                                                 "某处", None]))
    assert town.to_pylist() == ["岩铺镇", "大洲乡", None, None]
    assert village.to_pylist() == ["杉河村", "和江村", None, None]


def _people(rows):
    return pa.table({"person_id": pa.array([r[0] for r in rows], pa.int64()),
                     "id_number": [r[1] for r in rows], "name": [r[2] for r in rows]})


def _records(rows):
    return pa.table({"row_number": pa.array([r[0] for r in rows], pa.int64()),
                     "id_number": [r[1] for r in rows], "name": [r[2] for r in rows]})


def test_a_shared_number_goes_by_the_name_else_to_review():
    people = _people([(1, VALID, "张三"), (2, VALID, "李四"), (3, "522628198001010011", "王五")])
    records = _records([(10, VALID, "李四"), (11, VALID.lower(), "赵六"), (12, " 522628198001010011", "王五")])
    rows = exact_links(people, records).sort_by([("row_number", "ascending"), ("person_id", "ascending")]).to_pylist()
    assert [(r["row_number"], r["person_id"], r["link"], r["reason"]) for r in rows] == [
        (10, 2, "exact", "id_number_and_name"),
        (11, 1, "review", "id_number_shared"),
        (11, 2, "review", "id_number_shared"),
        (12, 3, "exact", "id_number"),
    ]


def test_bad_input_is_refused_with_a_reason():
    people = _people([(1, VALID, "张三")])
    with pytest.raises(LinkageInputError, match="missing column"):
        link(people, pa.table({"row_number": [1], "name": ["张三"]}))
    with pytest.raises(LinkageInputError, match="unique"):
        link(people, _records([(1, VALID, "张三"), (1, VALID, "张三")]))
    with pytest.raises(LinkageInputError, match="date"):
        link(people, _records([(1, VALID, "张三")]).append_column("birth_date", pa.array(["1976-11-10"])))
    with pytest.raises(ValueError, match="review band"):
        link(people, _records([(1, VALID, "张三")]), threshold=0.9, review_band=(0.95, 0.99))


def test_all_exact_needs_no_model():
    people = _people([(1, VALID, "张三")])
    result = link(people, _records([(1, VALID, "张三")]))
    assert result.counts == {"records": 1, "asked_model": 0, "exact": 1, "probabilistic": 0, "review": 0,
                             "unlinked": 0}
    assert result.links.to_pylist()[0]["match_probability"] == 1.0


def test_a_blank_number_links_on_name_birth_date_and_place():
    """A small registry: the priors, with u from random pairs, decide."""
    people = pa.table({
        "person_id": pa.array(range(1, 201), pa.int64()),
        "id_number": [f"522628{1950 + i // 4:04d}{1 + i % 12:02d}{1 + i % 28:02d}{i:03d}" + "0" for i in range(200)],
        "name": [f"张{chr(0x4E00 + i)}{chr(0x4E80 + i % 37)}" for i in range(200)],
        "town": ["岩铺镇"] * 100 + ["马口镇"] * 100,
        "village": [f"村{i % 10}村" for i in range(200)],
    })
    people = people.set_column(1, "id_number", pa.array([None] * 200, pa.string()))  # birth dates given instead
    people = people.append_column("birth_date", pa.array([dt.date(1950 + i // 4, 1 + i % 12, 1 + i % 28)
                                                          for i in range(200)], pa.date32()))
    target = 57
    records = pa.table({
        "row_number": pa.array([2, 3], pa.int64()),
        "id_number": pa.array([None, None], pa.string()),
        "name": [people["name"][target].as_py(), people["name"][target].as_py()],
        "birth_date": pa.array([people["birth_date"][target].as_py(), dt.date(1990, 1, 1)], pa.date32()),
        "address": [f"青石县岩铺镇村{target % 10}村", f"青石县马口镇村{(target + 1) % 10}村"],
    })
    rows = link(people, records).links.to_pylist()
    assert [(r["row_number"], r["person_id"], r["link"]) for r in rows] == [(2, target + 1, "probabilistic")]
