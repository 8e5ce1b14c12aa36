"""Recurrence (屡改屡犯): a closed problem found again goes back to open, marked recurring, its
closure kept on record; a problem awaiting verification found again gets a FOUND_AGAIN event; one
still being worked, nothing. Set-based through a look-back run's findings (ledger.record_findings,
whose SQL builds its JSON differently on SQLite and PostgreSQL), and for one problem through
recurrence.found_again (a person's source)."""

import datetime as dt
import json

import pyarrow as pa
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from huitoukan.accounts.roles import Role
from huitoukan.lookback.engine.schema import FINDING_SCHEMA
from huitoukan.lookback.models import Run
from huitoukan.lookback.service import available_rules, run_lookback
from huitoukan.rectification import recurrence, workflow
from huitoukan.rectification.choices import Action, NoticeKind, Status
from huitoukan.rectification.ledger import record_findings
from huitoukan.rectification.models import Notice, Problem, ProblemEvent
from huitoukan.registry.models import Household
from tests.factories import make_user
from tests.lookback.runs_support import AS_OF, CODES, policy_fixture, test_rules_fixture  # noqa: F401
from tests.scope_fixtures import *

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def rules(test_rules):
    return available_rules(CODES)


@pytest.fixture
def home(county):
    village = county.villages_of(county.towns[0])[0]
    return next(h for h in county.households if h.village_id == village.pk)


@pytest.fixture
def responsible(county, home):
    return make_user("zeren", Role.VILLAGE_CADRE, [home.village])


def findings_of(*households) -> pa.Table:
    rows = [{"code": "TEST_WATER", "target_type": "household", "target_key": h.household_no, "household_id": h.pk,
             "person_id": None, "village_code": h.village.code, "severity": "serious",
             "message": f"{h.household_no}户饮水不安全", "values": json.dumps({"household_no": h.household_no})}
            for h in households]
    return pa.Table.from_pylist(rows, schema=FINDING_SCHEMA)


def new_run() -> Run:
    return Run.objects.create(as_of=AS_OF, state=Run.State.RUNNING, rule_versions={code: "v1:x" for code in CODES})


def found_by_run(rules, *households) -> tuple[Run, dict]:
    run = new_run()
    with transaction.atomic():
        return run, record_findings(run, findings_of(*households), rules)


def close(problem, users, reporter=Role.TOWN_CADRE, verifier=Role.INSPECTOR):
    """Report fixed (with a photo) and verify, through the workflow, as people would."""
    workflow.take_step(problem, users[reporter], Action.REPORTED_FIXED, note="已改水",
                       files=[SimpleUploadedFile("水.png", PNG)])
    workflow.take_step(problem, users[verifier], Action.VERIFIED, note="核验通过")
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED
    return problem


def test_a_closed_problem_found_again_by_a_run_is_reopened_and_its_closure_kept(users, rules, home, responsible):
    found_by_run(rules, home)
    problem = Problem.objects.get(code="TEST_WATER")
    problem.responsible_person = responsible
    problem.save()
    close(problem, users)
    closed_at, closed_by = problem.closed_at, problem.closed_by

    run2, result = found_by_run(rules, home)

    assert result["reopened"] == 1 and result["known"] == 1
    problem.refresh_from_db()
    assert problem.status == Status.OPEN and problem.recurring and problem.recurrence_count == 1
    assert problem.reopened_at is not None and problem.reopened_at > closed_at
    assert (problem.closed_at, problem.closed_by, problem.fixed_at, problem.fixed_by) == (None, None, None, None)
    assert problem.last_run == run2
    verified = problem.events.get(action=Action.VERIFIED)
    assert (verified.actor, verified.at) == (users[Role.INSPECTOR], closed_at)  # the closure stays on record
    reopened = problem.events.get(action=Action.REOPENED)
    assert (reopened.from_status, reopened.to_status, reopened.actor) == (Status.CLOSED, Status.OPEN, None)
    assert reopened.details["run"] == run2.pk
    assert reopened.details["closed_by"] == closed_by.pk
    # ISO text with its offset on SQLite and PostgreSQL alike (PostgreSQL drops a fraction's trailing zeros).
    assert reopened.details["closed_at"].endswith("+00:00")
    assert dt.datetime.fromisoformat(reopened.details["closed_at"]) == closed_at
    notice = Notice.objects.get(kind=NoticeKind.REOPENED)
    assert (notice.user, notice.problem) == (responsible, problem)
    assert not Notice.objects.filter(kind=NoticeKind.REOPENED).exclude(user=responsible).exists()

    # Closed again and found again: the second recurrence.
    close(problem, users, reporter=Role.VILLAGE_CADRE, verifier=Role.COUNTY_ADMIN)
    _, result = found_by_run(rules, home)
    problem.refresh_from_db()
    assert result["reopened"] == 1
    assert (problem.status, problem.recurrence_count) == (Status.OPEN, 2)
    assert problem.events.filter(action=Action.VERIFIED).count() == 2
    assert problem.events.filter(action=Action.REOPENED).count() == 2
    assert Notice.objects.filter(kind=NoticeKind.REOPENED, user=responsible).count() == 2


def test_a_reopened_problem_needs_new_evidence_for_a_new_report_of_fixed(users, rules, home):
    found_by_run(rules, home)
    problem = close(Problem.objects.get(code="TEST_WATER"), users)
    found_by_run(rules, home)
    problem.refresh_from_db()
    with pytest.raises(workflow.StepRefused):
        workflow.take_step(problem, users[Role.TOWN_CADRE], Action.REPORTED_FIXED, note="又改了")


def test_a_fixed_problem_found_again_keeps_its_status_and_says_so(users, rules, home):
    found_by_run(rules, home)
    problem = Problem.objects.get(code="TEST_WATER")
    workflow.take_step(problem, users[Role.TOWN_CADRE], Action.REPORTED_FIXED, note="已改水",
                       files=[SimpleUploadedFile("水.png", PNG)])
    problem.refresh_from_db()
    fixed_at = problem.fixed_at

    run2, result = found_by_run(rules, home)

    assert result["reopened"] == 0
    problem.refresh_from_db()
    assert (problem.status, problem.recurring, problem.recurrence_count) == (Status.FIXED, False, 0)
    assert (problem.fixed_by, problem.fixed_at) == (users[Role.TOWN_CADRE], fixed_at)
    again = problem.events.get(action=Action.FOUND_AGAIN)
    assert (again.from_status, again.to_status, again.details) == (Status.FIXED, Status.FIXED, {"run": run2.pk})
    assert not Notice.objects.exists()


@pytest.mark.parametrize("status", [Status.OPEN, Status.IN_PROGRESS])
def test_a_problem_still_being_worked_found_again_gets_no_event(users, rules, home, status):
    found_by_run(rules, home)
    Problem.objects.update(status=status)
    _, result = found_by_run(rules, home)
    assert result["reopened"] == 0
    assert Problem.objects.get().status == status
    assert not ProblemEvent.objects.exists() and not Notice.objects.exists()


def test_a_run_reopens_only_the_closed_problems_it_finds(county, users, rules):
    village = county.villages_of(county.towns[0])[0]
    a, b, c = [h for h in county.households if h.village_id == village.pk][:3]
    found_by_run(rules, a, b, c)
    for household in (a, b):
        close(Problem.objects.get(target_key=household.household_no), users)
    _, result = found_by_run(rules, a, c)
    assert result["reopened"] == 1
    statuses = dict(Problem.objects.values_list("target_key", "status"))
    assert statuses == {a.household_no: Status.OPEN, b.household_no: Status.CLOSED, c.household_no: Status.OPEN}


def test_a_look_back_run_counts_the_problems_it_reopened(county, users, test_rules, policy, home):
    """The whole run (snapshot, engine, ledger): Run.reopened is what the ledger reopened."""
    Household.objects.update(water_safe=True)
    Household.objects.filter(pk=home.pk).update(water_safe=False)
    first = run_lookback(as_of=AS_OF, rule_codes=["TEST_WATER"])
    assert first.state == Run.State.DONE, first.error
    problem = close(Problem.objects.get(code="TEST_WATER"), users)
    second = run_lookback(as_of=AS_OF, rule_codes=["TEST_WATER"])
    assert (second.state, second.reopened) == (Run.State.DONE, 1)
    problem.refresh_from_db()
    assert (problem.status, problem.recurring, problem.last_run) == (Status.OPEN, True, second)


# --- one problem, found again by a person's source ---------------------------------------------------


def test_found_again_by_a_person_reopens_a_closed_problem(users, rules, home, responsible):
    found_by_run(rules, home)
    problem = Problem.objects.get(code="TEST_WATER")
    problem.responsible_person = responsible
    problem.save()
    close(problem, users)
    closed_at, closed_by = problem.closed_at, problem.closed_by
    inspector = users[Role.INSPECTOR]
    details = {"source": "census", "round": "2026年县级普查"}

    with transaction.atomic():
        problem = Problem.objects.select_for_update().get(pk=problem.pk)
        assert recurrence.found_again(problem, inspector, details) == Action.REOPENED

    problem.refresh_from_db()
    assert (problem.status, problem.recurring, problem.recurrence_count) == (Status.OPEN, True, 1)
    assert problem.reopened_at is not None
    assert (problem.closed_at, problem.closed_by, problem.fixed_by) == (None, None, None)
    assert problem.events.get(action=Action.VERIFIED).actor == closed_by
    event = problem.events.get(action=Action.REOPENED)
    assert (event.actor, event.from_status, event.to_status) == (inspector, Status.CLOSED, Status.OPEN)
    assert event.details == details | {"closed_at": closed_at.isoformat(), "closed_by": closed_by.pk}
    assert event.at == problem.reopened_at
    assert list(Notice.objects.values_list("user", "kind")) == [(responsible.pk, NoticeKind.REOPENED)]

    close(problem, users)
    with transaction.atomic():
        assert recurrence.found_again(Problem.objects.select_for_update().get(pk=problem.pk), inspector,
                                      details) == Action.REOPENED
    assert Problem.objects.get(pk=problem.pk).recurrence_count == 2


def test_found_again_by_a_person_while_fixed_or_being_worked(users, rules, home):
    found_by_run(rules, home)
    problem = Problem.objects.get(code="TEST_WATER")
    inspector = users[Role.INSPECTOR]
    assert recurrence.found_again(problem, inspector, {"source": "supervision"}) is None
    assert not ProblemEvent.objects.exists()

    workflow.take_step(problem, users[Role.TOWN_CADRE], Action.REPORTED_FIXED, note="已改水",
                       files=[SimpleUploadedFile("水.png", PNG)])
    problem.refresh_from_db()
    assert recurrence.found_again(problem, inspector, {"source": "supervision"}) == Action.FOUND_AGAIN
    problem.refresh_from_db()
    assert (problem.status, problem.recurring, problem.fixed_by) == (Status.FIXED, False, users[Role.TOWN_CADRE])
    event = problem.events.get(action=Action.FOUND_AGAIN)
    assert (event.actor, event.from_status, event.to_status, event.details) == (
        inspector, Status.FIXED, Status.FIXED, {"source": "supervision"})
    assert not Notice.objects.exists()
