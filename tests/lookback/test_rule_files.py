"""Every test case of every built-in rule file, on DuckDB: the rows it must flag are flagged, the
rows it must not flag are not. Plus what no single case can say: the default household breaks no
rule, every message can be written, and the 两不愁三保障 rules weigh more on a lifted household."""

import pytest

from huitoukan.lookback.catalog import RuleTest, load_rules
from huitoukan.lookback.engine.testing import case_findings, flagged_targets

RULES = load_rules()
CASES = [pytest.param(rule, case, id=f"{rule.code}::{case.name}") for rule in RULES for case in rule.tests]


@pytest.mark.parametrize("rule,case", CASES)
def test_rule_case(rule, case):
    found = flagged_targets(rule, case)
    missed = set(case.flagged) - found
    wrong = set(case.not_flagged) & found
    assert not missed and not wrong, f"missed {sorted(missed)}, flagged wrongly {sorted(wrong)}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_the_default_household_breaks_no_rule(rule):
    case = RuleTest(name="default", tables={}, flagged=(), not_flagged=("H1",))
    assert case_findings(rule, case).num_rows == 0


GUARANTEES = [r for r in RULES if r.category == "guarantee"]


@pytest.mark.parametrize("rule", GUARANTEES, ids=lambda r: r.code)
def test_guarantee_findings_are_serious_on_a_lifted_household(rule):
    """八不退: a household that has exited may not have an unmet guarantee."""
    severities = {}
    for status in ("lifted", "not_lifted", "unstable"):
        case = RuleTest(name=status, flagged=(), not_flagged=(), tables={
            "household": [{"status": status, "water_safe": False, "house_rating": "D", "house_renovated": False}],
            "person": [{"relation": "head", "medical_insured": False},
                       {"relation": "son", "age": 10, "schooling": "dropped_out"}],
        })
        findings = case_findings(rule, case)
        assert findings.num_rows >= 1
        severities[status] = set(findings["severity"].to_pylist())
    assert severities == {"lifted": {"serious"}, "not_lifted": {"general"}, "unstable": {"general"}}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_messages_name_the_values(rule):
    """Every flagged case's message is written in full: no placeholder left, no empty value."""
    for case in rule.tests:
        findings = case_findings(rule, case)
        for message in findings["message"].to_pylist():
            assert message and "{" not in message and "None" not in message, message
