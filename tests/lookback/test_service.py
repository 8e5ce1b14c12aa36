"""Look-back runs through the service: what a run records, how its findings become problems, what a
rerun changes, what a run that no longer finds a problem marks, and that a failed run leaves the
ledger exactly as it was. The rules are the test folder's (runs_support), so that the machinery is
tested whatever the built-in catalogue holds."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import override_settings

from huitoukan.lookback.baselines import baselines_for_regions
from huitoukan.lookback.models import Baseline, Finding, Run
from huitoukan.lookback.service import available_rules, create_run, run_lookback, start_run
from huitoukan.policy.models import PolicyProfile
from huitoukan.rectification.models import Problem, ProblemSource
from huitoukan.registry.models import Household, Person

from .runs_support import (  # noqa: F401
    AS_OF,
    CODES,
    broken_rule_fixture,
    county_fixture,
    households_of,
    ledger_checksum,
    policy_fixture,
    test_rules_fixture,
)

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _problems(county):
    """Problems to find: one unsafe-water household and one uninsured person in each town."""
    chosen = []
    for town in county.towns:
        household = households_of(town)[0]
        Household.objects.filter(pk=household.pk).update(water_safe=False)
        person = household.members.order_by("pk").last()
        Person.objects.filter(pk=person.pk).update(medical_insured=False)
        chosen.append((household, person))
    return chosen


def _run(**kwargs):
    kwargs.setdefault("rule_codes", CODES)
    kwargs.setdefault("as_of", AS_OF)
    return run_lookback(**kwargs)


def _problem_rows():
    return {(p["code"], p["target_key"]): p for p in Problem.objects.values()}


@pytest.mark.django_db(transaction=True)
def test_a_first_run_records_its_inputs_and_creates_one_problem_per_finding(county, policy, test_rules):
    (h1, _p1), (h2, p2) = _problems(county)
    notes = []
    run = _run(progress=lambda percent, note: notes.append(percent))

    assert run.state == Run.State.DONE, run.error
    assert run.as_of == AS_OF and run.engine == "duckdb" and run.region is None
    assert run.requested_rules == CODES
    assert set(run.rule_versions) == set(CODES)
    assert run.rule_versions["TEST_UNINSURED"].startswith("v2:")
    assert run.policy == policy
    assert run.parameters["poverty_line"] == "4000.00" and run.parameters["as_of"] == "2020-12-31"
    assert run.parameters["year"] == 2020
    assert len(run.snapshot_fingerprint) == 64
    assert (run.households, run.people) == (Household.objects.count(), Person.objects.count())
    assert run.counts_by_rule == {"TEST_WATER": 2, "TEST_UNINSURED": 2, "TEST_POOR_VILLAGE": 1}
    assert run.findings_count == 5 and run.new_problems == 5 and run.no_longer_found == 0
    assert run.duration > 0 and run.started_at <= run.finished_at and run.progress == 100
    assert notes[-1] == 100 and notes == sorted(notes)

    assert Problem.objects.count() == 5
    water = Problem.objects.get(code="TEST_WATER", target_key=h1.household_no)
    assert water.target_type == "household" and water.category == "guarantee" and water.severity == "serious"
    assert water.title == "测试：饮水不安全" and water.description == f"{h1.household_no}户饮水不安全"
    assert water.values == {"household_no": h1.household_no, "water_safe": False}
    assert (water.household_id, water.person_id) == (h1.pk, None)
    assert (water.county_id, water.town_id, water.village_id) == (h1.county_id, h1.town_id, h1.village_id)
    assert water.status == "open" and water.still_found and water.not_found_by is None
    assert water.first_run == run and water.last_run == run and water.first_found_at == water.last_found_at

    uninsured = Problem.objects.get(code="TEST_UNINSURED", target_key=p2.source_key)
    assert (uninsured.person_id, uninsured.household_id, uninsured.town_id) == (p2.pk, h2.pk, h2.town_id)
    assert uninsured.description == f"{p2.name}未参加基本医疗保险"

    poor = county.villages[0]
    village = Problem.objects.get(code="TEST_POOR_VILLAGE")
    assert village.target_key == poor.code and village.household is None
    assert (village.village_id, village.town_id, village.county_id) == (poor.pk, poor.parent_id, county.county.pk)

    assert set(ProblemSource.objects.values_list("source", "run_id")) == {("lookback", run.pk)}
    assert ProblemSource.objects.count() == 5
    assert Finding.objects.filter(run=run).count() == 5
    finding = Finding.objects.get(run=run, problem=water)
    assert (finding.code, finding.severity, finding.message) == ("TEST_WATER", "serious", water.description)
    assert Baseline.objects.filter(run=run).count() == len(county.villages)


def test_a_rerun_over_an_unchanged_registry_changes_only_last_found(county, policy, test_rules):
    _problems(county)
    first = _run()
    before = _problem_rows()
    sources = list(ProblemSource.objects.values_list())
    second = _run()

    assert second.state == Run.State.DONE, second.error
    assert second.snapshot_fingerprint == first.snapshot_fingerprint
    assert (second.findings_count, second.new_problems, second.no_longer_found) == (5, 0, 0)
    after = _problem_rows()
    assert after.keys() == before.keys()
    for key, row in after.items():
        assert row["last_run_id"] == second.pk and row["last_found_at"] >= before[key]["last_found_at"]
        unchanged = {k: v for k, v in row.items() if k not in ("last_run_id", "last_found_at", "updated_at")}
        assert unchanged == {k: v for k, v in before[key].items() if k in unchanged}, key
    assert list(ProblemSource.objects.values_list()) == sources
    assert Finding.objects.filter(run=second).count() == 5
    assert Finding.objects.count() == 10


def test_a_fixed_problem_is_no_longer_found_only_for_the_runs_codes_and_region(county, policy, test_rules):
    (h1, p1), (h2, p2) = _problems(county)
    first = _run()
    # Both towns fix both problems, but the run checks only town 1 and only the water rule.
    Household.objects.filter(pk__in=[h1.pk, h2.pk]).update(water_safe=True)
    Person.objects.filter(pk__in=[p1.pk, p2.pk]).update(medical_insured=True)
    run = _run(region=county.towns[0], rule_codes=["TEST_WATER"])

    assert run.state == Run.State.DONE, run.error
    assert run.region == county.towns[0] and run.households == len(households_of(county.towns[0]))
    assert (run.findings_count, run.new_problems, run.no_longer_found) == (0, 0, 1)
    gone = Problem.objects.get(code="TEST_WATER", target_key=h1.household_no)
    assert not gone.still_found and gone.not_found_by == run
    assert gone.status == "open", "only a verified fix closes a problem"
    assert gone.last_run == first
    other_town = Problem.objects.get(code="TEST_WATER", target_key=h2.household_no)
    other_code = Problem.objects.get(code="TEST_UNINSURED", target_key=p1.source_key)
    for problem in (other_town, other_code, Problem.objects.get(code="TEST_POOR_VILLAGE")):
        assert problem.still_found and problem.not_found_by is None, problem.code

    # Not found again by a later run: the first run that missed it stays on record.
    later = _run(region=county.towns[0], rule_codes=["TEST_WATER"])
    gone.refresh_from_db()
    assert gone.not_found_by == run and later.no_longer_found == 0

    # Found again: it is the same problem, found by the latest run once more.
    Household.objects.filter(pk=h1.pk).update(water_safe=False)
    again = _run(rule_codes=["TEST_WATER"])
    gone.refresh_from_db()
    assert gone.still_found and gone.not_found_by is None and gone.last_run == again
    assert again.new_problems == 0 and Problem.objects.filter(code="TEST_WATER").count() == 2


def test_a_failing_rule_fails_the_run_and_leaves_the_ledger_as_it_was(county, policy, broken_rule):
    (h1, _p1), _ = _problems(county)
    _run()
    Household.objects.filter(pk=h1.pk).update(water_safe=True)
    Household.objects.filter(pk=households_of(county.towns[0])[1].pk).update(water_safe=False)
    before = ledger_checksum()

    run = _run(rule_codes=["TEST_WATER", "TEST_BROKEN"])

    assert run.state == Run.State.FAILED
    assert "no_such_column" in run.error
    assert run.finished_at is not None and run.findings_count == 0
    assert ledger_checksum() == before


def _fail_on_finding_insert():
    """A real database trigger that refuses the run's Finding rows: the ledger has by then been
    updated and added to inside the run's transaction, which must all be undone."""
    table = Finding._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"CREATE TRIGGER refuse_findings BEFORE INSERT ON {table} "
                           "BEGIN SELECT RAISE(ABORT, 'findings refused'); END")
        else:
            cursor.execute("CREATE FUNCTION refuse_findings() RETURNS trigger AS $$ BEGIN "
                           "RAISE EXCEPTION 'findings refused'; END $$ LANGUAGE plpgsql")
            cursor.execute(f"CREATE TRIGGER refuse_findings BEFORE INSERT ON {table} "
                           "FOR EACH ROW EXECUTE FUNCTION refuse_findings()")


def test_a_failure_while_writing_undoes_every_write_of_the_run(county, policy, test_rules):
    (h1, _p1), _ = _problems(county)
    _run()
    Household.objects.filter(pk=h1.pk).update(water_safe=True)  # would be marked no longer found
    Household.objects.filter(pk=households_of(county.towns[0])[1].pk).update(water_safe=False)  # would be new
    before = ledger_checksum()
    _fail_on_finding_insert()  # dropped with the test's transaction

    run = _run()

    assert run.state == Run.State.FAILED and "findings refused" in run.error
    assert ledger_checksum() == before
    assert not Baseline.objects.filter(run=run).exists()
    assert run.counts_by_rule == {} and run.new_problems == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"region": "999999999999"}, "999999999999"),
    ({"rule_codes": ["TEST_WATER", "NO_SUCH_RULE"]}, "NO_SUCH_RULE"),
    ({"engine": "pandas"}, "pandas"),
    ({"as_of": dt.date(2019, 6, 30)}, "2019"),
])
def test_bad_inputs_are_refused_before_anything_is_written(county, policy, test_rules, kwargs, message):
    with pytest.raises(ValueError, match=message):
        create_run(**{"as_of": AS_OF, **kwargs})
    assert not Run.objects.exists()


def test_a_region_is_given_by_object_or_code_and_rule_codes_are_normalised(county, policy, test_rules):
    run = create_run(as_of=AS_OF, region=county.towns[1].code, rule_codes=" test_water, TEST_UNINSURED ,")
    assert run.region == county.towns[1] and run.requested_rules == ["TEST_UNINSURED", "TEST_WATER"]
    assert run.state == Run.State.QUEUED and run.policy == policy


def test_an_earlier_years_profile_serves_but_the_year_is_the_as_of_dates(county, policy, test_rules):
    run = _run(as_of=dt.date(2021, 3, 1), rule_codes=["TEST_WATER"])
    assert run.policy == policy and run.parameters["year"] == 2021


def test_without_rule_codes_every_rule_runs(county, policy, test_rules):
    run = _run(rule_codes=None)
    assert run.state == Run.State.DONE, run.error
    assert run.requested_rules == []
    # Every rule whose tables there are; the dataset rules wait for their department data.
    assert set(run.rule_versions) | set(run.skipped_rules) == {r.code for r in available_rules()}
    assert set(run.rule_versions) >= {"ID_INVALID", *CODES} and "DECEASED_UNMARKED" in run.skipped_rules
    assert run.skipped_rules["DECEASED_UNMARKED"] == ["death"] and run.datasets == {}
    assert {"ID_INVALID", *CODES} <= set(run.counts_by_rule)


@override_settings(TASKS=IMMEDIATE)
def test_start_run_hands_the_run_to_the_task_worker(county, policy, test_rules):
    _problems(county)
    run = start_run(as_of=AS_OF, rule_codes=["TEST_WATER"])
    assert run.state == Run.State.DONE, run.error
    assert run.findings_count == 2 and Problem.objects.count() == 2


def test_start_run_queues_the_run_for_the_database_worker(county, policy, test_rules):
    from django_tasks_db.models import DBTaskResult

    from huitoukan.lookback.tasks import execute_lookback_run

    run = start_run(as_of=AS_OF, rule_codes=["TEST_WATER"])
    assert run.state == Run.State.QUEUED
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [run.pk]
    assert execute_lookback_run.call(run.pk) == "done"
    assert execute_lookback_run.call(run.pk) == "done", "a run picked up twice is not run twice"
    assert Finding.objects.filter(run=run).count() == 0  # no problems in this registry


def test_a_run_without_a_profile_any_more_cannot_be_created(county, test_rules):
    PolicyProfile.objects.create(year=2022)
    with pytest.raises(ValueError, match="2020"):
        create_run(as_of=AS_OF)


def _living(household) -> int:
    return household.members.filter(deceased=False).count()


def test_a_run_counts_the_five_baselines_of_every_village(county, policy, test_rules):
    v0, v1 = county.villages[0], county.villages[1]
    a, b, c = Household.objects.filter(village=v0).order_by("pk")
    d, e, f = Household.objects.filter(village=v1).order_by("pk")
    Person.objects.filter(pk=b.members.order_by("pk").last().pk).update(deceased=True)
    for household, status, income, year in (
        (a, "not_lifted", 3000, 2020), (b, "lifted", 5000, 2016), (c, "lifted", 7000, 2016),
        (d, "returned", 3500, 2016), (e, "marginal", 4000, 2020), (f, "marginal", 3999.99, 2016),
    ):
        Household.objects.filter(pk=household.pk).update(status=status, per_capita_income=income,
                                                         identified_year=year)

    run = _run(rule_codes=["TEST_WATER"])

    first = Baseline.objects.get(run=run, village=v0)
    assert (first.households, first.people) == (3, _living(a) + _living(b) + _living(c))
    assert first.not_lifted_people == _living(a)
    assert first.borderline_people == _living(b), "the deceased member does not count"
    assert first.stably_lifted_people == _living(c)
    assert first.returned_people == 0 and first.newly_identified_people == _living(a)
    second = Baseline.objects.get(run=run, village=v1)
    assert second.returned_people == _living(d)
    assert second.borderline_people == _living(e), "marginal at the line counts; below it does not"
    assert second.stably_lifted_people == second.not_lifted_people == 0
    assert second.newly_identified_people == _living(e)
    assert Baseline.objects.filter(run=run).aggregate(n=Sum("people"))["n"] == \
        Person.objects.filter(deceased=False).count()


def test_the_home_page_sums_each_villages_latest_finished_run(county, policy, test_rules):
    empty = baselines_for_regions([county.county.pk])
    assert empty["households"] == 0 and empty["villages"] == 0 and empty["as_of"] is None

    whole = _run(rule_codes=["TEST_WATER"])
    town0, town1 = county.towns
    Household.objects.filter(town=town0).update(status="returned")
    later = _run(rule_codes=["TEST_WATER"], region=town0, as_of=dt.date(2021, 1, 5))
    _fail_on_finding_insert()
    Household.objects.filter(town=town1).update(status="returned")
    Household.objects.filter(pk=households_of(town1)[0].pk).update(water_safe=False)  # a finding to refuse
    failed = _run(rule_codes=["TEST_WATER"], region=town1)
    assert failed.state == Run.State.FAILED and later.state == whole.state == Run.State.DONE

    everything = baselines_for_regions([county.county.pk])
    assert everything["villages"] == len(county.villages) and everything["as_of"] == dt.date(2021, 1, 5)
    assert everything["households"] == Household.objects.count()
    in_town0 = Person.objects.filter(household__town=town0, deceased=False).count()
    assert everything["returned_people"] == in_town0 + Baseline.objects.filter(
        run=whole, village__parent=town1).aggregate(n=Sum("returned_people"))["n"]
    assert baselines_for_regions(None) == everything

    one_village = county.villages_of(town1)[0]
    only = baselines_for_regions([one_village.pk])
    assert only["villages"] == 1 and only["as_of"] == AS_OF
    assert only["households"] == Household.objects.filter(village=one_village).count()
    assert baselines_for_regions([town0.pk])["returned_people"] == in_town0
