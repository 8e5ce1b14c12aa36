"""Targets outside the registry (resident, ENTRY_MISSED): the key is a hash of the ID number, never
the number; the person is placed in the town and village the address names; a run over part of the
county keeps only the residents it can place inside it."""

import dataclasses
import hashlib
import hmac
import json

import pyarrow as pa

from huitoukan.datasets.places import place_addresses
from huitoukan.lookback.catalog import RuleTest, load_rules
from huitoukan.lookback.engine import prepare, run_rules
from huitoukan.lookback.engine.residents import resident_key, resident_keys
from huitoukan.lookback.engine.testing import AS_OF, POLICY_DEFAULTS, parameters_of, snapshot_of

REGIONS = [
    {"code": "C1", "name": "青石县", "level": "county", "parent_code": None},
    {"code": "T1", "name": "岩铺镇", "level": "town", "parent_code": "C1"},
    {"code": "T2", "name": "白沙镇", "level": "town", "parent_code": "C1"},
    {"code": "T3", "name": "白沙", "level": "town", "parent_code": "C1"},
    {"code": "V1", "name": "杉河村", "level": "village", "parent_code": "T1"},
    {"code": "V2", "name": "新村", "level": "village", "parent_code": "T1"},
    {"code": "V3", "name": "新村", "level": "village", "parent_code": "T2"},
]


def _entry_missed():
    return load_rules(known_parameters=POLICY_DEFAULTS, codes=["ENTRY_MISSED"])[0]


def _case(dibao, regions=REGIONS):
    return RuleTest(name="residents", flagged=(), not_flagged=(), tables={
        "household": [{"household_no": "H1", "town_code": "T1", "village_code": "V1"}],
        "region": regions, "dibao": dibao,
    })


def _run(case, keep_regions=None):
    tables = prepare(snapshot_of(case, AS_OF), AS_OF)
    if keep_regions is not None:  # a run over part of the county: its region and those under it
        region = tables["region"]
        tables["region"] = region.filter(pa.array([c in keep_regions for c in region["code"].to_pylist()]))
    return run_rules(tables, [_entry_missed()], parameters_of(case)).findings.to_pylist()


def test_the_key_is_a_keyed_hash_of_the_normalised_valid_number():
    number = "52262819800101069X"
    expected = "ID:" + hmac.new(b"k1", number.encode(), hashlib.sha256).hexdigest()[:16]
    assert resident_key(number, b"k1") == expected
    # Not the plain hash (reversible by trying every number), and another key gives another key.
    assert expected != "ID:" + hashlib.sha256(number.encode()).hexdigest()[:16]
    assert resident_key(number, b"k2") != expected
    # Full-width digits, a lower-case x and spaces are the same number; an invalid one has no key.
    keys = resident_keys(pa.array([" ５２２６２８１９８００１０１０６９ｘ ", number, "522628198001010690", None, ""]), AS_OF,
                         b"k1")
    assert keys.to_pylist() == [expected, expected, None, None, None]


def test_a_run_keys_residents_with_the_key_it_is_given():
    case = _case([{"name": "外甲", "id_number": "52262819800101069X", "address": "青石县岩铺镇新村"}])
    tables = prepare(snapshot_of(case, AS_OF), AS_OF)
    found = run_rules(tables, [_entry_missed()], parameters_of(case), pseudonym_key=b"k1").findings
    assert found["target_key"].to_pylist() == [resident_key("52262819800101069X", b"k1")]


def test_places_by_the_town_and_the_village_of_that_town():
    regions = pa.Table.from_pylist(REGIONS)
    places = place_addresses(pa.array(["青石县岩铺镇新村3号", "青石县白沙镇新村", "白沙镇", "青石县某某街道", None,
                                       "岩铺镇杉河村"]), regions)
    assert places.to_pylist() == [
        {"town_code": "T1", "village_code": "V2"},  # 新村 of 岩铺镇, not 白沙镇's
        {"town_code": "T2", "village_code": "V3"},
        {"town_code": "T2", "village_code": None},  # 白沙 is inside 白沙镇: the longer name wins
        {"town_code": None, "village_code": None},
        {"town_code": None, "village_code": None},
        {"town_code": "T1", "village_code": "V1"},
    ]
    # A village's own run has no town among its regions: the village's name places the record.
    only_village = pa.Table.from_pylist([r for r in REGIONS if r["code"] == "V1"])
    assert place_addresses(pa.array(["岩铺镇杉河村", "白沙镇新村"]), only_village).to_pylist() == [
        {"town_code": None, "village_code": "V1"}, {"town_code": None, "village_code": None}]


def test_a_finding_is_keyed_by_the_hash_placed_by_the_address_and_never_shows_the_number():
    case = _case([{"name": "外甲", "address": "青石县岩铺镇杉河村"},
                  {"name": "外乙", "address": "青石县白沙镇"},
                  {"name": "外丙", "address": "外省某县"},
                  {"name": "外丁", "address": None}])
    findings = {f["values"] and json.loads(f["values"])["name"]: f for f in _run(case)}
    assert set(findings) == {"外甲", "外乙", "外丙", "外丁"}
    assert (findings["外甲"]["village_code"], findings["外甲"]["region_code"]) == ("V1", "V1")
    assert (findings["外乙"]["village_code"], findings["外乙"]["region_code"]) == (None, "T2")
    assert findings["外丙"]["region_code"] == findings["外丁"]["region_code"] == "C1"  # the county, always
    dibao = snapshot_of(case, AS_OF)["dibao"]
    numbers = dict(zip(dibao["name"].to_pylist(), dibao["id_number"].to_pylist(), strict=True))
    for name, finding in findings.items():
        assert finding["target_type"] == "resident" and finding["target_key"] == resident_key(numbers[name])
        assert finding["household_id"] is None and finding["person_id"] is None
        assert numbers[name] not in finding["message"] and numbers[name] not in finding["values"]
        assert "id_number" not in json.loads(finding["values"])
    assert "杉河村" in findings["外甲"]["message"] and "未写户籍地址" in findings["外丁"]["message"]


def test_a_town_run_keeps_only_the_residents_placed_in_that_town():
    case = _case([{"name": "外甲", "address": "青石县岩铺镇杉河村"},
                  {"name": "外乙", "address": "青石县白沙镇"},
                  {"name": "外丙", "address": None}])
    names = [json.loads(f["values"])["name"] for f in _run(case, keep_regions={"T1", "V1", "V2"})]
    assert names == ["外甲"]


def test_a_resident_rule_must_return_the_address():
    rule = dataclasses.replace(_entry_missed(), sql="SELECT id_number, name FROM dibao", message="{name}")
    case = _case([{"name": "外甲"}])
    tables = prepare(snapshot_of(case, AS_OF), AS_OF)
    try:
        run_rules(tables, [rule], parameters_of(case))
    except Exception as exc:  # noqa: BLE001
        assert "address" in str(exc)
    else:
        raise AssertionError("a resident rule without an address ran")


def test_a_message_cannot_print_the_id_number():
    rule = dataclasses.replace(_entry_missed(), sql="SELECT id_number, name, address FROM dibao",
                               message="{name}{id_number}")
    case = _case([{"name": "外甲"}])
    tables = prepare(snapshot_of(case, AS_OF), AS_OF)
    try:
        run_rules(tables, [rule], parameters_of(case))
    except Exception as exc:  # noqa: BLE001
        assert "id_number" in str(exc)
    else:
        raise AssertionError("the message printed the ID number")
