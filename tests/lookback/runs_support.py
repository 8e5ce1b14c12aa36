"""Shared by the tests of snapshots, runs, the ledger and `huitoukan check`: rule files of their own
(a county's rule folder, settings.HUITOUKAN_RULE_DIRS), so that they test the machinery whatever the
built-in catalogue holds, and a small registry whose problems are set by hand."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from huitoukan.lookback.models import Baseline, Finding
from huitoukan.policy.models import PolicyProfile
from huitoukan.rectification.models import Problem, ProblemSource
from huitoukan.registry.models import Household, Person
from tests.factories import build_county

AS_OF = dt.date(2020, 12, 31)
BASIS = "basis:\n  - seed: 000_b84261e8d520551e.txt\n    term: 基础信息准确\n"

RULES = {
    "TEST_WATER": """
code: TEST_WATER
version: 1
category: guarantee
severity: serious
target: household
title: 测试：饮水不安全
explanation: 测试用规则。
{basis}
sql: |
  SELECT household_id, household_no, water_safe FROM household WHERE water_safe = FALSE
message: "{{household_no}}户饮水不安全"
""",
    "TEST_UNINSURED": """
code: TEST_UNINSURED
version: 2
category: guarantee
severity: general
target: person
title: 测试：未参保
explanation: 测试用规则。
{basis}
sql: |
  SELECT person_id, name FROM person WHERE medical_insured = FALSE AND NOT deceased
message: "{{name}}未参加基本医疗保险"
""",
    "TEST_POOR_VILLAGE": """
code: TEST_POOR_VILLAGE
version: 1
category: monitoring
severity: notice
target: village
title: 测试：贫困村
explanation: 测试用规则。
{basis}
sql: |
  SELECT code AS village_code, name FROM region WHERE level = 'village' AND is_poor_village
message: "{{name}}是贫困村"
""",
}
BROKEN = """
code: TEST_BROKEN
version: 1
category: data_quality
severity: general
target: household
title: 测试：运行出错
explanation: 测试用规则：SQL 引用不存在的列。
{basis}
sql: |
  SELECT household_id FROM household WHERE no_such_column = 1
message: "不会出现"
"""
CODES = sorted(RULES)


def write_rule_folder(folder: Path, texts: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for code, text in texts.items():
        (folder / f"{code}.yaml").write_text(text.format(basis=BASIS), encoding="utf-8")
    return folder


@pytest.fixture(name="test_rules")
def test_rules_fixture(settings, tmp_path):
    """The three test rules in a county rule folder; returns the folder."""
    folder = write_rule_folder(tmp_path / "rules", RULES)
    settings.HUITOUKAN_RULE_DIRS = [str(folder)]
    return folder


@pytest.fixture(name="broken_rule")
def broken_rule_fixture(settings, test_rules, tmp_path):
    folder = write_rule_folder(tmp_path / "broken", {"TEST_BROKEN": BROKEN})
    settings.HUITOUKAN_RULE_DIRS = [str(test_rules), str(folder)]
    return folder


@pytest.fixture(name="policy")
def policy_fixture(db):
    return PolicyProfile.objects.create(year=AS_OF.year, poverty_line=4000, borderline_upper=6000)


def small_county():
    """2 towns × 2 villages × 3 households; every household safe water and every person insured,
    the first village poor and the others not, so that each test sets its own problems."""
    county = build_county(towns=2, villages_per_town=2, households_per_village=3, today=AS_OF)
    Household.objects.update(water_safe=True)
    Person.objects.update(medical_insured=True, deceased=False)
    for i, village in enumerate(county.villages):
        village.is_poor_village = i == 0
        village.save()
    return county


@pytest.fixture(name="county")
def county_fixture(db):
    return small_county()


def households_of(town):
    return list(Household.objects.filter(town=town).order_by("household_no"))


def ledger_checksum() -> str:
    """Every row of the ledger and of what runs recorded about it."""
    digest = hashlib.sha256()
    for model in (Problem, ProblemSource, Finding, Baseline):
        digest.update(repr((model.__name__, list(model.objects.order_by("pk").values_list()))).encode())
    return digest.hexdigest()


#: Import these into a test module to use the fixtures "county", "policy", "test_rules", "broken_rule".
FIXTURES = (county_fixture, policy_fixture, test_rules_fixture, broken_rule_fixture)
