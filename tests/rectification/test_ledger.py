"""The problem ledger's write path on its own: findings (the engine's table) into problems, sources
and findings, set-based, on SQLite and PostgreSQL alike."""

import json

import pyarrow as pa
import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huitoukan.lookback.engine.schema import FINDING_SCHEMA
from huitoukan.lookback.models import Finding, Run
from huitoukan.lookback.service import available_rules
from huitoukan.rectification.choices import Source, Status
from huitoukan.rectification.ledger import record_findings
from huitoukan.rectification.models import Problem, ProblemSource
from huitoukan.registry.models import Household, Person
from tests.lookback.runs_support import AS_OF, CODES, county_fixture, test_rules_fixture  # noqa: F401


def _findings(rows: list[dict]) -> pa.Table:
    base = {"household_id": None, "person_id": None, "village_code": None, "severity": "general",
            "message": "", "values": "{}"}
    return pa.Table.from_pylist([{**base, **r} for r in rows], schema=FINDING_SCHEMA)


def _household(h: Household, **extra) -> dict:
    return {"code": "TEST_WATER", "target_type": "household", "target_key": h.household_no, "household_id": h.pk,
            "village_code": h.village.code, "severity": "serious", "message": f"{h.household_no}户饮水不安全",
            "values": json.dumps({"household_no": h.household_no}), **extra}


def _person(p: Person, **extra) -> dict:
    return {"code": "TEST_UNINSURED", "target_type": "person", "target_key": p.source_key, "person_id": p.pk,
            "household_id": p.household_id, "village_code": p.household.village.code, "message": f"{p.name}未参保",
            **extra}


def _run() -> Run:
    return Run.objects.create(as_of=AS_OF, state=Run.State.RUNNING,
                              rule_versions={code: "v1:x" for code in CODES})


@pytest.fixture
def rules(test_rules):
    return available_rules(CODES)


def test_new_findings_become_open_problems_with_their_links(county, rules):
    household = Household.objects.order_by("pk").first()
    person = Person.objects.order_by("pk").last()
    village = county.villages[0]
    run = _run()
    findings = _findings([
        _household(household),
        _person(person),
        {"code": "TEST_POOR_VILLAGE", "target_type": "village", "target_key": village.code,
         "village_code": village.code, "severity": "notice", "message": "贫困村"},
    ])

    result = record_findings(run, findings, rules)

    assert result == {"findings": 3, "new": 3, "known": 0, "reopened": 0, "no_longer_found": 0}
    water = Problem.objects.get(code="TEST_WATER")
    assert (water.target_type, water.target_key, water.category, water.title) == (
        "household", household.household_no, "guarantee", "测试：饮水不安全")
    assert water.values == {"household_no": household.household_no}
    assert (water.household_id, water.person_id) == (household.pk, None)
    assert (water.county_id, water.town_id, water.village_id) == (
        household.county_id, household.town_id, household.village_id)
    assert water.status == Status.OPEN and water.still_found and water.first_run == water.last_run == run
    uninsured = Problem.objects.get(code="TEST_UNINSURED")
    assert (uninsured.person_id, uninsured.household_id, uninsured.severity) == (
        person.pk, person.household_id, "general")
    poor = Problem.objects.get(code="TEST_POOR_VILLAGE")
    assert (poor.household_id, poor.village_id, poor.town_id, poor.county_id) == (
        None, village.pk, village.parent_id, county.county.pk)
    assert ProblemSource.objects.filter(source=Source.LOOKBACK, run=run).count() == 3
    assert Finding.objects.filter(run=run).count() == 3
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM huitoukan_lookback_findings")  # the staging table is gone


def test_known_problems_take_the_latest_finding_and_nothing_is_duplicated(county, rules):
    household = Household.objects.order_by("pk").first()
    first = _run()
    record_findings(first, _findings([_household(household)]), rules)
    problem = Problem.objects.get()
    Problem.objects.filter(pk=problem.pk).update(still_found=False, not_found_by=first)

    second = _run()
    result = record_findings(second, _findings([
        _household(household, severity="general", message="新描述", values='{"x": 1}')]), rules)

    assert result == {"findings": 1, "new": 0, "known": 1, "reopened": 0, "no_longer_found": 0}
    problem.refresh_from_db()
    assert Problem.objects.count() == 1 and ProblemSource.objects.count() == 1
    assert (problem.description, problem.values, problem.severity) == ("新描述", {"x": 1}, "general")
    assert problem.still_found and problem.not_found_by is None
    assert problem.first_run == first and problem.last_run == second
    assert problem.first_found_at < problem.last_found_at
    assert list(Finding.objects.order_by("run_id").values_list("run_id", "message")) == [
        (first.pk, f"{household.household_no}户饮水不安全"), (second.pk, "新描述")]


def test_only_look_back_problems_of_the_runs_codes_are_marked_no_longer_found(county, rules):
    h1, h2 = Household.objects.order_by("pk")[:2]
    first = _run()
    record_findings(first, _findings([_household(h1), _household(h2)]), rules)
    # A problem people found (a self-check) that no run has found: no run can say it is gone.
    now = timezone.now()
    by_people = Problem.objects.create(
        code="TEST_WATER", target_type="household", target_key="SELF-CHECK-1", category="guarantee",
        severity="general", title="自查发现", description="自查", first_found_at=now, last_found_at=now)
    ProblemSource.objects.create(problem=by_people, source=Source.SELF_CHECK, round="2020年自查")

    second = _run()
    second.rule_versions = {"TEST_WATER": "v1:x"}
    result = record_findings(second, _findings([_household(h2)]), [r for r in rules if r.code == "TEST_WATER"])

    assert result["no_longer_found"] == 1
    gone = Problem.objects.get(target_key=h1.household_no)
    assert not gone.still_found and gone.not_found_by == second and gone.status == Status.OPEN
    by_people.refresh_from_db()
    assert by_people.still_found and by_people.not_found_by is None

    # When a run does find it, the problem gains a look-back source beside the people's.
    third = _run()
    record_findings(third, _findings([_household(h2), _household(h1, target_key="SELF-CHECK-1")]), rules)
    assert set(by_people.sources.values_list("source", flat=True)) == {Source.SELF_CHECK, Source.LOOKBACK}


def test_a_target_that_is_gone_from_the_registry_keeps_its_village(county, rules):
    village = county.villages[1]
    finding = {"code": "TEST_WATER", "target_type": "household", "target_key": "GONE-1", "household_id": 10**9,
               "village_code": village.code, "message": "已不在登记库"}
    record_findings(_run(), _findings([finding]), rules)
    problem = Problem.objects.get()
    assert problem.household_id is None
    assert (problem.village_id, problem.town_id, problem.county_id) == (
        village.pk, village.parent_id, county.county.pk)


def test_findings_of_a_rule_the_run_did_not_run_are_refused(county, rules):
    household = Household.objects.order_by("pk").first()
    with pytest.raises(ValueError, match="NOT_RUN"):
        record_findings(_run(), _findings([_household(household, code="NOT_RUN")]), rules)


def test_the_number_of_statements_does_not_grow_with_the_findings(county, rules):
    people = list(Person.objects.select_related("household__village").order_by("pk"))

    def statements(n: int) -> int:
        findings = _findings([_person(p) for p in people[:n]])
        with CaptureQueriesContext(connection) as captured:
            record_findings(_run(), findings, rules)
        return len(captured.captured_queries)

    few = statements(2)
    many = statements(len(people))
    assert len(people) > 20 and many == few
    assert Problem.objects.count() == len(people) and Finding.objects.count() == 2 + len(people)
