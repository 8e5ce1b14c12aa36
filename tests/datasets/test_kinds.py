"""The kinds' declarations: one meaning per header, every header the synthetic files write is read
or deliberately kept, and one fixed schema per kind."""

import pyarrow as pa
import pytest

from huitoukan.datasets.kinds import KINDS, PERSON_COLUMNS, table_schema
from huitoukan.datasets.loading.headers import column_for_header, header_lookup, map_headers
from huitoukan.synth.datasets import COLUMNS

# Written by the generator, not read by any rule: kept in `extra`.
KEPT_NOT_READ = {"建筑面积", "险种"}


def test_ten_kinds_as_in_the_domain():
    assert list(KINDS) == ["death", "vehicle", "business", "property", "payroll", "dibao", "disability", "school",
                           "medical_insurance", "medical_cost"]


@pytest.mark.parametrize("kind", list(KINDS))
def test_headers_have_one_meaning_and_the_synthetic_ones_are_read(kind):
    header_lookup(kind)  # raises on a header meaning two columns
    mapping = map_headers(KINDS[kind], COLUMNS[kind])
    assert mapping.missing == []
    assert {key for _position, key in mapping.extra} == set(COLUMNS[kind]) & KEPT_NOT_READ
    assert "id_number" in mapping.index and "name" in mapping.index


def test_header_matching_ignores_spaces_star_and_width():
    assert column_for_header("vehicle", " 所有人 证件号码 ") == "id_number"
    assert column_for_header("death", "＊死亡日期") == "death_date"
    assert column_for_header("death", "车辆类型") is None


@pytest.mark.parametrize("kind", list(KINDS))
def test_schema(kind):
    schema = table_schema(kind)
    assert schema.names[: 1 + len(PERSON_COLUMNS)] == ["row_number", *PERSON_COLUMNS]
    assert schema.names[-1] == "extra" and schema.field("extra").type == pa.map_(pa.string(), pa.string())
    assert schema.metadata[b"huitoukan.kind"] == kind.encode()
    assert len(set(schema.names)) == len(schema.names)
