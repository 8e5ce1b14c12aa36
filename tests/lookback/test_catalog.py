"""The rule catalog: the loader refuses a broken rule file, naming the file and what is wrong, and the
built-in rules are complete, tested and in step with the problem ledger's vocabularies."""

import re

import pytest
import yaml

from huitoukan.lookback.catalog import (
    BUILTIN_DIR,
    CATEGORIES,
    SEVERITIES,
    TARGETS,
    RuleFileError,
    load_rule_file,
    load_rules,
)
from huitoukan.lookback.engine.testing import POLICY_DEFAULTS, RuleTestError, flagged_targets
from huitoukan.synth.truth import REGISTRY_CODES

GOOD = {
    "code": "COUNTY_CHECK",
    "version": 1,
    "category": "data_quality",
    "severity": "notice",
    "target": "household",
    "title": "县里自定的核查",
    "explanation": "说明。",
    "basis": [{"seed": "003_5abc989c91a50a5a.txt", "term": "精准识别"}],
    "parameters": ["poverty_line"],
    "sql": "SELECT household_id FROM household WHERE per_capita_income < :poverty_line",
    "message": "户{household_no}低于贫困线",
    "tests": [{"name": "低于贫困线", "household": [{"per_capita_income": 100}], "flagged": ["H1"]}],
}


def write(folder, data, name=None):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or data['code']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def refused(path, **kwargs) -> str:
    with pytest.raises(RuleFileError) as info:
        load_rule_file(path, **kwargs)
    assert str(path) in str(info.value)
    return info.value.problem


def test_a_good_county_rule_loads_next_to_the_builtin_ones(tmp_path):
    write(tmp_path, GOOD)
    rules = {r.code: r for r in load_rules([tmp_path], known_parameters=POLICY_DEFAULTS)}
    rule = rules["COUNTY_CHECK"]
    assert rule.parameters == ("poverty_line",) and rule.inputs == ("household",)
    assert rule.fingerprint.startswith("v1:")
    assert flagged_targets(rule, rule.tests[0]) == {"H1"}


@pytest.mark.parametrize("change,problem", [
    ({"title": None}, r"missing keys: title"),
    ({"sql": ""}, r"missing keys: sql"),
    ({"category": "quality"}, r"category 'quality' is not one of"),
    ({"severity": "high"}, r"severity 'high' is not one of"),
    ({"target": "town"}, r"target 'town' is not one of"),
    ({"version": 0}, r"version must be a positive integer"),
    ({"version": "1"}, r"version must be a positive integer"),
    ({"code": "bad code"}, r"must be upper-case"),
    ({"parameters": []}, r"undeclared parameters: poverty_line"),
    ({"sql": "SELECT household_id FROM household WHERE (("}, r"the SQL does not parse"),
    ({"sql": "DELETE FROM household"}, r"one SELECT statement"),
    ({"basis": "seed 003"}, r"basis must be a list"),
    ({"tests": [{"household": []}]}, r"test 1 must be a mapping with a name"),
    ({"tests": [{"name": "空", "household": []}]}, r"says nothing must or must not be flagged"),
])
def test_broken_files_are_refused_with_the_file_and_the_problem(tmp_path, change, problem):
    data = {**GOOD, **change}
    path = write(tmp_path, data, name=GOOD["code"] if change.get("code") else None)
    assert re.search(problem, refused(path))


def test_the_file_must_be_named_after_its_code(tmp_path):
    path = write(tmp_path, GOOD, name="OTHER_NAME")
    assert "COUNTY_CHECK.yaml" in refused(path)


def test_unreadable_yaml_is_refused(tmp_path):
    path = tmp_path / "BROKEN.yaml"
    path.write_text("code: [unclosed\n", encoding="utf-8")
    assert "not a readable YAML file" in refused(path)
    path.write_text("- a list\n", encoding="utf-8")
    assert "mapping" in refused(path)


def test_a_parameter_no_policy_profile_has_is_refused(tmp_path):
    data = {**GOOD, "parameters": ["poverty_line", "rain_days"],
            "sql": "SELECT household_id FROM household WHERE per_capita_income < :poverty_line + :rain_days"}
    path = write(tmp_path, data)
    assert "unknown parameters: rain_days" in refused(path, known_parameters=POLICY_DEFAULTS)
    assert load_rule_file(path).parameters == ("poverty_line", "rain_days")  # without a profile to check


def test_a_code_defined_twice_is_refused_naming_both_files(tmp_path):
    write(tmp_path / "a", GOOD)
    second = write(tmp_path / "b", GOOD)
    with pytest.raises(RuleFileError) as info:
        load_rules([tmp_path / "a", tmp_path / "b"])
    assert str(second) in str(info.value) and str(tmp_path / "a" / "COUNTY_CHECK.yaml") in str(info.value)
    # A county file may not silently replace a built-in rule either.
    write(tmp_path / "c", {**GOOD, "code": "ID_INVALID"})
    with pytest.raises(RuleFileError, match=re.escape(str(BUILTIN_DIR / "ID_INVALID.yaml"))):
        load_rules([tmp_path / "c"])


def test_missing_folders_and_unknown_codes_are_refused(tmp_path):
    with pytest.raises(RuleFileError, match="does not exist"):
        load_rules([tmp_path / "nowhere"])
    with pytest.raises(RuleFileError, match="NO_SUCH_RULE: no such rule code"):
        load_rules(codes=["ID_INVALID", "NO_SUCH_RULE"])
    assert [r.code for r in load_rules(codes=["ID_INVALID"])] == ["ID_INVALID"]


def test_a_test_case_with_an_unknown_column_names_the_file_and_the_case(tmp_path):
    data = {**GOOD, "tests": [{"name": "错字", "household": [{"per_capita": 100}], "flagged": ["H1"]}]}
    rule = load_rule_file(write(tmp_path, data))
    with pytest.raises(RuleTestError, match=r"COUNTY_CHECK\.yaml: test '错字': household row 1 has unknown columns: per_capita"):
        flagged_targets(rule, rule.tests[0])


# --- the built-in rules ---------------------------------------------------------------------------

BUILTIN = load_rules(known_parameters=POLICY_DEFAULTS)


def test_every_registry_code_of_the_domain_has_a_rule_file():
    assert set(REGISTRY_CODES) <= {r.code for r in BUILTIN}


@pytest.mark.parametrize("rule", BUILTIN, ids=lambda r: r.code)
def test_every_builtin_rule_is_tested_both_ways_and_grounded(rule):
    assert len(rule.tests) >= 2
    assert any(t.flagged for t in rule.tests) and any(t.not_flagged for t in rule.tests)
    assert len({t.name for t in rule.tests}) == len(rule.tests)
    for basis in rule.basis:
        assert re.fullmatch(r"00[0-4]_[0-9a-f]{16}\.txt", basis["seed"]) and basis.get("term")
    assert re.search(r"[\u4e00-\u9fff]", rule.title) and re.search(r"[\u4e00-\u9fff]", rule.message)
    if rule.category == "guarantee":
        assert "severity" in rule.sql  # 八不退: weighs more on a lifted household, row by row


def test_rule_vocabularies_equal_the_problem_ledger():
    from huitoukan.rectification.choices import Category, Severity, TargetType

    assert set(CATEGORIES) == set(Category.values)
    assert list(SEVERITIES) == list(Severity.values)  # most weighty first, in both
    assert set(TARGETS) == set(TargetType.values)


def test_policy_defaults_equal_the_policy_profile():
    from huitoukan.policy.models import DEFAULTS

    assert POLICY_DEFAULTS == DEFAULTS


def test_a_county_runs_its_rule_tests_and_sees_which_case_fails(tmp_path, capsys):
    from huitoukan.lookback.engine.testing import main

    wrong = {**GOOD, "tests": [{"name": "写反了", "household": [{"per_capita_income": 100}], "not_flagged": ["H1"]}]}
    write(tmp_path, wrong)
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "COUNTY_CHECK::写反了: missed [], flagged wrongly ['H1']" in out
    write(tmp_path, GOOD)
    assert main([str(tmp_path)]) == 0
