"""`huitoukan check [--as-of DATE] [--region CODE] [--rules CODES] [--engine duckdb|spark]`."""

import re

import pytest
from typer.testing import CliRunner

from huitoukan.cli import app
from huitoukan.lookback.models import Run
from huitoukan.rectification.models import Problem
from huitoukan.registry.models import Household, Person

from .runs_support import (  # noqa: F401
    broken_rule_fixture,
    county_fixture,
    households_of,
    policy_fixture,
    test_rules_fixture,
)

runner = CliRunner()


def check(*args) -> tuple[int, str]:
    result = runner.invoke(app, ["check", *map(str, args)])
    try:
        errors = result.stderr
    except ValueError:  # stderr mixed into output
        errors = ""
    return result.exit_code, result.output + errors


@pytest.fixture
def problems(county):
    for town in county.towns:
        household = households_of(town)[0]
        Household.objects.filter(pk=household.pk).update(water_safe=False)
        Person.objects.filter(pk=household.members.order_by("pk").first().pk).update(medical_insured=False)


def test_check_runs_the_rules_and_prints_counts_by_rule(county, policy, test_rules, problems):
    code, output = check("--as-of", "2020-12-31", "--rules", "TEST_WATER,test_uninsured")
    assert code == 0, output
    run = Run.objects.get()
    assert run.state == Run.State.DONE and run.as_of.isoformat() == "2020-12-31"
    assert run.requested_rules == ["TEST_UNINSURED", "TEST_WATER"]
    assert re.search(r"TEST_WATER\s+测试：饮水不安全\s+2\b", output), output
    assert re.search(r"TEST_UNINSURED\s+测试：未参保\s+2\b", output), output
    assert "TEST_POOR_VILLAGE" not in output
    assert Problem.objects.count() == 4
    assert f"{run.households}" in output and f"{run.people}" in output


def test_check_over_a_region_reports_what_is_no_longer_found(county, policy, test_rules, problems):
    assert check("--as-of", "2020-12-31", "--rules", "TEST_WATER")[0] == 0
    Household.objects.update(water_safe=True)
    town = county.towns[0]
    code, output = check("--as-of", "2020-12-31", "--rules", "TEST_WATER", "--region", town.code)
    assert code == 0, output
    run = Run.objects.order_by("-pk").first()
    assert run.region == town and run.no_longer_found == 1 and run.findings_count == 0
    assert re.search(r"TEST_WATER\s+测试：饮水不安全\s+0\b", output), output
    assert town.name in output


@pytest.mark.parametrize("args, shown", [
    (["--region", "430000000000"], "430000000000"),
    (["--rules", "TEST_WATER,NO_SUCH_RULE"], "NO_SUCH_RULE"),
    (["--as-of", "2020-13-45"], "2020-13-45"),
    (["--engine", "pandas"], "pandas"),
    (["--as-of", "2019-12-31"], "2019"),  # the only profile is 2020's
])
def test_bad_input_is_an_error_and_exit_one(county, policy, test_rules, args, shown):
    code, output = check(*args)
    assert code == 1
    assert shown in output
    assert not Run.objects.exists()
    assert "Traceback" not in output


def test_without_a_policy_profile_check_says_so(county, test_rules):
    code, output = check("--as-of", "2020-12-31")
    assert code == 1 and "2020" in output and "policy" in output
    assert not Run.objects.exists()


def test_a_failed_run_is_an_error_and_exit_one(county, policy, broken_rule):
    code, output = check("--as-of", "2020-12-31", "--rules", "TEST_BROKEN")
    assert code == 1
    run = Run.objects.get()
    assert run.state == Run.State.FAILED and f"{run.pk}" in output and "no_such_column" in output
