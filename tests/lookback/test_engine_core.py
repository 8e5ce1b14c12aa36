"""The engine core: what every finding gets whatever the rule (keys, one finding per target, the
message, the values as JSON), and the errors a broken rule text meets at run time."""

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pytest

from huitoukan.lookback.catalog import Rule, RuleTest
from huitoukan.lookback.engine import FINDING_SCHEMA, prepare, run_rules
from huitoukan.lookback.engine.core import RuleRunError, normalise
from huitoukan.lookback.engine.testing import AS_OF, parameters_of, snapshot_of

RULE = Rule(
    code="TEST_RULE", version=1, category="data_quality", severity="general", target="household",
    title="测试", explanation="测试", basis=({"seed": "000_b84261e8d520551e.txt", "term": "测试"},), parameters=(),
    inputs=("household",), sql="SELECT household_id FROM household", message="户{household_no}", tests=(),
    path="TEST_RULE.yaml", sha256="0" * 64,
)
CASE = RuleTest(name="两户", flagged=(), not_flagged=(), tables={
    "household": [{"household_no": "H1", "village_code": "V1"}, {"household_no": "H2", "village_code": "V2"}],
    "person": [{"household_no": "H1", "relation": "head", "person_no": "P1"},
               {"household_no": "H2", "relation": "head", "person_no": "P2"}],
})


def run(sql, message="户{household_no}", target="household", **changes):
    rule = dataclasses.replace(RULE, sql=sql, message=message, target=target, **changes)
    tables = prepare(snapshot_of(CASE), AS_OF)
    return run_rules(tables, [rule], parameters_of(CASE)).findings


def test_a_finding_names_its_target_village_and_severity():
    f = run("SELECT household_id FROM household WHERE household_no = 'H2'")
    assert f.schema.equals(FINDING_SCHEMA)
    assert f.to_pylist() == [{
        "code": "TEST_RULE", "target_type": "household", "target_key": "H2", "household_id": 2, "person_id": None,
        "village_code": "V2", "severity": "general", "message": "户H2", "values": "{}", "region_code": None,
    }]
    person = run("SELECT person_id, name FROM person WHERE person_no = 'P1'", message="{person_key}:{name}",
                 target="person").to_pylist()[0]
    assert (person["target_key"], person["household_id"], person["person_id"], person["village_code"]) == \
        ("P1", 1, 1, "V1")
    assert person["message"] == "P1:" + json.loads(person["values"])["name"]


@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_a_target_returned_twice_is_one_finding_whatever_the_row_order(order):
    sql = f"""SELECT household_id, note, severity FROM (
                  SELECT household_id, 'b' AS note, 'serious' AS severity FROM household
                  UNION ALL SELECT household_id, 'a' AS note, 'notice' AS severity FROM household
              ) ORDER BY note {order}"""
    f = run(sql, message="{note}")
    assert f["target_key"].to_pylist() == ["H1", "H2"]
    assert f["message"].to_pylist() == ["a", "a"]  # the same of the two rows on every engine and order
    assert f["severity"].to_pylist() == ["notice", "notice"]  # a row's own severity beats the rule's


def test_a_select_without_its_key_column_is_refused():
    with pytest.raises(RuleRunError, match="must return the column household_id"):
        run("SELECT household_no FROM household")
    with pytest.raises(RuleRunError, match="must return the column person_id"):
        run("SELECT household_id FROM household", target="person")


def test_a_message_naming_a_column_the_select_lacks_is_a_clear_error():
    with pytest.raises(RuleRunError) as info:
        run("SELECT household_id FROM household", message="户{household_no}收入{per_capita_income}元")
    assert info.value.code == "TEST_RULE" and "per_capita_income" in info.value.problem


def test_values_are_json_in_one_form_for_decimals_dates_and_nulls():
    f = run("""SELECT household_id, per_capita_income, CAST(1.005 AS DOUBLE) AS ratio,
                      CAST('2020-12-31' AS DATE) AS day, CAST(NULL AS VARCHAR) AS nothing,
                      household_size, TRUE AS flag, '' AS blank
               FROM household WHERE household_no = 'H1'""",
            message="{per_capita_income}|{ratio}|{day}|{nothing}|{household_size}|{flag}|{blank}")
    values = json.loads(f["values"][0].as_py())
    assert values == {"per_capita_income": "10000.00", "ratio": "1.00", "day": "2020-12-31", "nothing": None,
                      "household_size": 1, "flag": True, "blank": ""}
    assert f["message"][0].as_py() == "10000.00|1.00|2020-12-31|空|1|是|空"


def test_normalise_gives_one_form_per_kind_of_value():
    assert normalise(Decimal(3850)) == 3850  # an integral decimal (DuckDB's SUM of integers)
    assert normalise(Decimal("3850.5")) == "3850.50"
    assert normalise(3850.5) == "3850.50"
    assert normalise(dt.datetime(2020, 1, 2)) == "2020-01-02"
    assert normalise(dt.date(2020, 1, 2)) == "2020-01-02"
    assert normalise(True) is True and normalise(None) is None


def test_null_keys_are_dropped_and_an_empty_result_has_the_schema():
    f = run("SELECT CAST(NULL AS BIGINT) AS household_id FROM household")
    assert f.num_rows == 0 and f.schema.equals(FINDING_SCHEMA)


def test_prepare_adds_the_derived_person_columns():
    tables = prepare(snapshot_of(CASE), AS_OF)
    person = tables["person"]
    assert person.column_names[-5:] == ["id_valid", "id_invalid_reason", "birth_date", "id_sex", "age"]
    assert person["id_valid"].to_pylist() == [True, True]
    assert person["age"].to_pylist() == [50, 50]  # the default head, born 1970-01-01
    assert isinstance(tables["household"], pa.Table)


def test_prepare_again_for_another_date_recomputes_the_ages():
    once = prepare(snapshot_of(CASE), AS_OF)
    again = prepare(once, dt.date(2030, 6, 30))
    assert again["person"].column_names == once["person"].column_names
    assert again["person"]["age"].to_pylist() == [60, 60]
    assert again["person"].schema.field("birth_date").type == pa.date32()


def test_an_infinite_or_undefined_number_is_no_value():
    from huitoukan.lookback.engine.core import normalise

    assert normalise(float("inf")) is None and normalise(float("-inf")) is None and normalise(float("nan")) is None
    assert normalise(2.5) == "2.50"
