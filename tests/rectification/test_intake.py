"""Problems recorded by people (intake.py): rights, scope, codes and targets, and the merge with
look-back runs — a person's problem and a run's finding of the same (code, target) are one problem
with both sources, whichever came first. Runs are real runs of the built-in rules."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huitoukan.accounts.roles import Role
from huitoukan.lookback.service import run_lookback
from huitoukan.policy.models import PolicyProfile
from huitoukan.rectification import intake, workflow
from huitoukan.rectification.choices import Action, Source, Status
from huitoukan.rectification.models import Problem, ProblemEvent, ProblemSource
from huitoukan.registry.models import Household
from tests.scope_fixtures import *

ROUND = "2026年第一轮"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


@pytest.fixture
def policy(db):
    return PolicyProfile.objects.create(year=2020, poverty_line=4000, borderline_upper=6000)


def ledger_rows():
    return (list(Problem.objects.order_by("pk").values_list()), list(ProblemSource.objects.order_by("pk").values_list()),
            list(ProblemEvent.objects.order_by("pk").values_list()))


def no_helper_household(county):
    household = county.households_of(county.towns[0])[0]
    Household.objects.filter(pk=household.pk).update(helper=None)
    return household


def record(user, **kwargs):
    defaults = {"code": "NO_HELPER", "source": Source.CENSUS, "round": ROUND, "description": "户无帮扶责任人"}
    return intake.record_problem(user, **(defaults | kwargs))


def test_a_new_problem_is_open_with_its_source_event_and_regions(county, users):
    household = county.households_of(county.towns[0])[1]
    admin = users[Role.COUNTY_ADMIN]
    problem, created = record(admin, household=household, found_on=dt.date(2026, 3, 5), severity="notice")
    assert created
    problem.refresh_from_db()
    assert (problem.code, problem.target_type, problem.target_key) == ("NO_HELPER", "household", household.household_no)
    assert (problem.status, problem.category, problem.severity, problem.title) == (
        Status.OPEN, "data_quality", "notice", "未落实帮扶责任人")
    assert problem.description == "户无帮扶责任人"
    assert (problem.county_id, problem.town_id, problem.village_id) == (
        household.county_id, household.town_id, household.village_id)
    assert problem.first_run is None and problem.last_run is None
    assert timezone_date(problem.first_found_at) == dt.date(2026, 3, 5)
    source = problem.sources.get()
    assert (source.source, source.round, source.description, source.found_on, source.created_by) == (
        Source.CENSUS, ROUND, "户无帮扶责任人", dt.date(2026, 3, 5), admin)
    event = problem.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == (Action.RECORDED, "", Status.OPEN, admin)


def timezone_date(moment):
    from django.utils import timezone

    return timezone.localtime(moment).date()


def test_person_and_village_targets_use_the_runs_keys(county, users):
    person = county.households_of(county.towns[0])[0].members.order_by("pk").first()
    village = county.villages[0]
    p, _ = record(users[Role.INSPECTOR], code="GUARANTEE_MEDICAL", person=person)
    assert (p.target_type, p.target_key, p.household_id, p.village_id) == (
        "person", person.source_key, person.household_id, person.household.village_id)
    v, _ = record(users[Role.INSPECTOR], code="MEASURE_IDENTICAL", village=village)
    assert (v.target_type, v.target_key, v.household_id, v.village_id, v.town_id, v.county_id) == (
        "village", village.code, None, village.pk, village.parent_id, county.county.pk)
    assert v.category == "assistance"


def test_run_first_then_person_is_one_problem_with_both_sources(county, users, policy):
    household = no_helper_household(county)
    run = run_lookback(as_of=dt.date(2020, 12, 31), rule_codes=["NO_HELPER"])
    assert run.state == "done", run.error
    from_run = Problem.objects.get(code="NO_HELPER", target_key=household.household_no)

    problem, created = record(users[Role.INSPECTOR], household=household, source=Source.SUPERVISION)

    assert not created and problem.pk == from_run.pk
    assert Problem.objects.filter(code="NO_HELPER", target_key=household.household_no).count() == 1
    assert set(problem.sources.values_list("source", "round")) == {("lookback", ""), ("supervision", ROUND)}
    problem.refresh_from_db()
    assert problem.first_run == run and problem.last_run == run and problem.status == Status.OPEN
    assert problem.description == from_run.description  # the run's message stays; the person's is on the source
    assert list(problem.events.values_list("action", flat=True)) == [Action.SOURCE_ADDED]


def test_person_first_then_run_joins_the_persons_problem(county, users, policy):
    household = no_helper_household(county)
    problem, created = record(users[Role.COUNTY_ADMIN], household=household, source=Source.UNANNOUNCED)
    assert created

    run = run_lookback(as_of=dt.date(2020, 12, 31), rule_codes=["NO_HELPER"])

    assert run.state == "done", run.error
    assert Problem.objects.filter(code="NO_HELPER", target_key=household.household_no).count() == 1
    problem.refresh_from_db()
    assert problem.first_run == run  # the first run that found it, though a person found it before
    assert problem.last_run == run and problem.still_found and problem.status == Status.OPEN
    assert set(problem.sources.values_list("source", "round")) == {("unannounced", ROUND), ("lookback", "")}
    assert problem.findings.filter(run=run).count() == 1
    # and a second person's source still joins
    _, created = record(users[Role.INSPECTOR], household=household, source=Source.AUDIT)
    assert not created and problem.sources.count() == 3


def test_same_source_and_round_again_changes_nothing(county, users):
    household = county.households_of(county.towns[0])[0]
    record(users[Role.COUNTY_ADMIN], household=household)
    before = ledger_rows()
    _problem, created = record(users[Role.COUNTY_ADMIN], household=household, description="再说一遍")
    assert not created
    assert ledger_rows() == before


def test_town_cadre_records_only_its_self_check_in_its_town(county, users):
    cadre = users[Role.TOWN_CADRE]
    own = county.households_of(county.towns[0])[0]
    other = county.households_of(county.towns[1])[0]
    with pytest.raises(workflow.StepRefused) as refused:
        record(cadre, household=own, source=Source.CENSUS)
    assert refused.value.permission
    with pytest.raises(workflow.StepRefused) as refused:
        record(cadre, household=other, source=Source.SELF_CHECK)
    assert refused.value.permission
    assert not Problem.objects.exists() and not ProblemSource.objects.exists() and not ProblemEvent.objects.exists()

    problem, created = record(cadre, household=own, source=Source.SELF_CHECK)
    assert created and problem.sources.get().created_by == cadre
    assert intake.allowed_sources(cadre) == [Source.SELF_CHECK]


@pytest.mark.parametrize("role", [Role.VILLAGE_CADRE, Role.HELPER, Role.LEADER, Role.DATA_PROVIDER])
def test_roles_without_the_right_are_refused(county, users, role):
    household = county.villages and county.households_of(county.towns[0])[0]
    with pytest.raises(workflow.StepRefused) as refused:
        record(users[role], household=household, source=Source.SELF_CHECK)
    assert refused.value.permission
    assert not Problem.objects.exists()


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"code": "NO_SUCH"}, "NO_SUCH"),
    ({"round": "  "}, ""),
    ({"description": ""}, ""),
    ({"source": "lookback"}, "lookback"),
    ({"code": "GUARANTEE_MEDICAL"}, ""),  # a person rule given a household
    ({"found_on": dt.date(2999, 1, 1)}, ""),
])
def test_bad_requests_are_refused_and_write_nothing(county, users, kwargs, says):
    household = county.households_of(county.towns[0])[0]
    with pytest.raises(workflow.StepRefused) as refused:
        record(users[Role.COUNTY_ADMIN], **({"household": household} | kwargs))
    assert not refused.value.permission and says in refused.value.message
    assert not Problem.objects.exists() and not ProblemSource.objects.exists()


def test_command_line_user_none_has_every_right(county):
    household = county.households_of(county.towns[1])[0]
    problem, created = record(None, household=household, source=Source.INSPECTION_TOUR)
    assert created
    event = problem.events.get()
    assert event.actor is None and problem.sources.get().created_by is None


def test_a_closed_problem_found_by_an_inspection_comes_back_recurring(county, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    household = county.households_of(county.towns[0])[0]
    problem, _ = record(users[Role.TOWN_CADRE], household=household, source=Source.SELF_CHECK, round="2025年自查")
    workflow.take_step(problem, users[Role.TOWN_CADRE], Action.REPORTED_FIXED, note="已落实帮扶人",
                       files=[SimpleUploadedFile("a.png", PNG, "image/png")])
    workflow.take_step(problem, users[Role.INSPECTOR], Action.VERIFIED)
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED

    again, created = record(users[Role.INSPECTOR], household=household, source=Source.CENSUS)

    assert not created and again.pk == problem.pk
    problem.refresh_from_db()
    assert (problem.status, problem.recurring, problem.recurrence_count) == (Status.OPEN, True, 1)
    assert problem.closed_at is None and problem.reopened_at is not None
    actions = list(problem.events.values_list("action", flat=True))
    assert actions == [Action.RECORDED, Action.REPORTED_FIXED, Action.VERIFIED, Action.SOURCE_ADDED, Action.REOPENED]
    verified = problem.events.get(action=Action.VERIFIED)
    assert verified.actor == users[Role.INSPECTOR]
    reopened = problem.events.get(action=Action.REOPENED)
    assert reopened.details["source"] == Source.CENSUS and reopened.details["closed_by"] == users[Role.INSPECTOR].pk


def test_resolve_target_derives_and_checks_agreement(county, users):
    admin = users[Role.COUNTY_ADMIN]
    household = county.households_of(county.towns[0])[0]
    person = household.members.order_by("pk").first()
    codes = intake.known_codes()
    assert intake.resolve_target(admin, codes["NO_HELPER"], id_number=person.id_number.lower()) == {
        "household": household}
    assert intake.resolve_target(admin, codes["OTHER"], household_no=household.household_no) == {"household": household}
    assert intake.resolve_target(admin, codes["MEASURE_IDENTICAL"], household_no=household.household_no) == {
        "village": household.village}
    other_village = county.villages[-1]
    with pytest.raises(intake.TargetError) as error:
        intake.resolve_target(admin, codes["NO_HELPER"], household_no=household.household_no,
                              village=other_village.code)
    assert error.value.field == "village"
    with pytest.raises(intake.TargetError) as error:
        intake.resolve_target(users[Role.TOWN_CADRE], codes["NO_HELPER"],
                              household_no=county.households_of(county.towns[1])[0].household_no)
    assert error.value.field == "household_no"  # out of scope reads as not found
    with pytest.raises(intake.TargetError) as error:
        intake.resolve_target(admin, codes["GUARANTEE_MEDICAL"], household_no=household.household_no)
    assert error.value.field == "id_number"
