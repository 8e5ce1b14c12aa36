"""The rectification workflow (workflow.py): every step for every role from every status, the
evidence a report of "fixed" needs, a failed verification, and scope.

Every refusal is checked as refused AND as having changed nothing: the problem row, its events, its
evidence rows and the evidence folder on disk."""

import itertools
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from huitoukan.accounts.roles import Role
from huitoukan.rectification import workflow
from huitoukan.rectification.choices import Action, NoticeKind, Status
from huitoukan.rectification.models import Evidence, Notice, Problem, ProblemEvent
from tests.factories import make_user
from tests.rectification.test_pages import make_problem
from tests.scope_fixtures import *

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

RECTIFIERS = {Role.COUNTY_ADMIN, Role.TOWN_CADRE, Role.VILLAGE_CADRE}
VERIFIERS = {Role.COUNTY_ADMIN, Role.INSPECTOR}
RECTIFY_FROM = {Action.STARTED: {Status.OPEN},
                Action.PROGRESS: {Status.OPEN, Status.IN_PROGRESS},
                Action.REPORTED_FIXED: {Status.OPEN, Status.IN_PROGRESS}}
TO_STATUS = {Action.STARTED: Status.IN_PROGRESS, Action.PROGRESS: Status.IN_PROGRESS,
             Action.REPORTED_FIXED: Status.FIXED, Action.VERIFIED: Status.CLOSED,
             Action.VERIFICATION_FAILED: Status.OPEN}


def expected_allowed(role: str, action: str, status: str) -> bool:
    """The truth table of issue 5, written from the rules rather than read from STEPS."""
    if action in RECTIFY_FROM:
        return role in RECTIFIERS and status in RECTIFY_FROM[action]
    return role in VERIFIERS and status == Status.FIXED


def png(name="照片.png"):
    return SimpleUploadedFile(name, PNG, "image/png")


def snapshot(problem) -> dict:
    """Everything a step could change: the row, its history, its evidence, and the files on disk."""
    return {
        "row": Problem.objects.filter(pk=problem.pk).values().get(),
        "events": list(ProblemEvent.objects.filter(problem=problem).values()),
        "evidence": list(Evidence.objects.filter(problem=problem).values()),
        "notices": list(Notice.objects.filter(problem=problem).values()),
        "files": stored_files(),
    }


def stored_files() -> list[str]:
    folder = Path(settings.MEDIA_ROOT) / "evidence"
    return sorted(str(p) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture
def home(county):
    """A household of the first village of the first town: in scope of every user of `users`."""
    village = county.villages_of(county.towns[0])[0]
    return next(h for h in county.households if h.village_id == village.pk)


@pytest.fixture
def reporter(county):
    """A second town cadre, who reported the fixes of problems made "fixed" here."""
    return make_user("reporter", Role.TOWN_CADRE, [county.towns[0]])


def problem_in(status, household, reporter=None, code="NO_HELPER"):
    problem = make_problem(code, household=household, status=status)
    if status in (Status.FIXED, Status.CLOSED):
        problem.fixed_at, problem.fixed_by = timezone.now(), reporter
    if status == Status.CLOSED:
        problem.closed_at = timezone.now()
    problem.save()
    return problem


@pytest.mark.parametrize(("role", "action", "status"), list(itertools.product(
    Role.values, list(workflow.STEPS), Status.values)))
def test_every_step_for_every_role_from_every_status(users, home, reporter, role, action, status):
    user = users[role]
    problem = problem_in(status, home, reporter)
    step = workflow.STEPS[action]
    files = [png()] if step.takes_files else []
    before = snapshot(problem)

    allowed = expected_allowed(role, action, status)
    assert (workflow.refusal(problem, user, action) is None) is allowed
    assert (step in workflow.allowed_steps(problem, user)) is allowed

    if not allowed:
        with pytest.raises(workflow.StepRefused) as refused:
            workflow.take_step(problem, user, action, note="说明", files=files)
        # A role without the capability is refused as a person (403); a wrong status as a request.
        holds = role in (RECTIFIERS if action in RECTIFY_FROM else VERIFIERS)
        assert refused.value.permission is (not holds)
        assert snapshot(problem) == before
        return

    event = workflow.take_step(problem, user, action, note="说明", files=files)
    problem.refresh_from_db()
    assert problem.status == TO_STATUS[action]
    event.refresh_from_db()
    assert (event.action, event.from_status, event.to_status, event.note) == (action, status, TO_STATUS[action], "说明")
    assert event.actor == user and event.actor_name == f"测试{role}（u_{role}）"
    assert list(problem.events.values_list("pk", flat=True)) == [event.pk]
    assert [e.event_id for e in problem.evidence.all()] == [event.pk] * len(files)
    if action == Action.REPORTED_FIXED:
        assert problem.fixed_by == user and problem.fixed_at == event.at
    if action == Action.VERIFIED:
        assert problem.closed_by == user and problem.closed_at == event.at
        assert problem.fixed_by == reporter  # who reported the fix stays on record


def test_a_superuser_may_take_every_step_and_verify_a_fix_they_reported(county, home):
    root = make_user("root", Role.DATA_PROVIDER, [], is_superuser=True)
    problem = problem_in(Status.OPEN, home)
    workflow.take_step(problem, root, Action.STARTED)
    workflow.take_step(problem, root, Action.REPORTED_FIXED, note="已补录", files=[png()])
    workflow.take_step(problem, root, Action.VERIFIED)
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED and problem.fixed_by == root == problem.closed_by


@pytest.mark.parametrize("action", [Action.VERIFIED, Action.VERIFICATION_FAILED])
def test_nobody_verifies_a_fix_they_reported(users, home, action):
    admin = users[Role.COUNTY_ADMIN]
    problem = problem_in(Status.OPEN, home)
    workflow.take_step(problem, admin, Action.REPORTED_FIXED, note="已补录", files=[png()])
    problem.refresh_from_db()
    before = snapshot(problem)
    assert workflow.STEPS[action] not in workflow.allowed_steps(problem, admin)
    with pytest.raises(workflow.StepRefused) as refused:
        workflow.take_step(problem, admin, action, note="理由")
    assert refused.value.permission is True
    assert snapshot(problem) == before
    # Another verifier may.
    workflow.take_step(problem, users[Role.INSPECTOR], action, note="理由")


def test_a_town_cadre_is_refused_another_towns_problem_as_a_person(county, users):
    other_town = county.households_of(county.towns[1])[0]
    problem = problem_in(Status.OPEN, other_town)
    before = snapshot(problem)
    for user, action in ((users[Role.TOWN_CADRE], Action.STARTED), (users[Role.VILLAGE_CADRE], Action.STARTED)):
        with pytest.raises(workflow.StepRefused) as refused:
            workflow.take_step(problem, user, action)
        assert refused.value.permission is True
        assert workflow.allowed_steps(problem, user) == []
    assert snapshot(problem) == before


def test_another_countys_problem_is_refused_to_everyone_of_this_county(county, other_county, users, reporter):
    open_problem = problem_in(Status.OPEN, other_county.households[0])
    fixed = problem_in(Status.FIXED, other_county.households[1], reporter)
    before = [snapshot(open_problem), snapshot(fixed)]
    for role in Role.values:
        for problem, action in ((open_problem, Action.STARTED), (fixed, Action.VERIFIED)):
            with pytest.raises(workflow.StepRefused) as refused:
                workflow.take_step(problem, users[role], action, note="x")
            assert refused.value.permission is True
    assert [snapshot(open_problem), snapshot(fixed)] == before


def test_an_unknown_step_and_files_with_a_step_that_takes_none_are_refused(users, home):
    problem = problem_in(Status.OPEN, home)
    before = snapshot(problem)
    with pytest.raises(workflow.StepRefused):
        workflow.take_step(problem, users[Role.COUNTY_ADMIN], "closed_by_magic")
    with pytest.raises(workflow.StepRefused) as refused:
        workflow.take_step(problem, users[Role.TOWN_CADRE], Action.STARTED, files=[png()])
    assert refused.value.permission is False
    assert snapshot(problem) == before


def test_a_stale_problem_object_is_read_again_under_the_lock(users, home, reporter):
    """Two people on one problem: the second's step is judged on the status the first left."""
    problem = problem_in(Status.FIXED, home, reporter)
    stale = Problem.objects.get(pk=problem.pk)
    workflow.take_step(problem, users[Role.INSPECTOR], Action.VERIFIED)
    with pytest.raises(workflow.StepRefused):
        workflow.take_step(stale, users[Role.COUNTY_ADMIN], Action.VERIFICATION_FAILED, note="不合格")
    assert Problem.objects.get(pk=problem.pk).status == Status.CLOSED


# --- a report of "fixed": explanation and evidence -------------------------------------------------


@pytest.mark.parametrize("note", ["", "   "])
def test_a_report_of_fixed_needs_an_explanation(users, home, note):
    problem = problem_in(Status.IN_PROGRESS, home)
    before = snapshot(problem)
    with pytest.raises(workflow.StepRefused) as refused:
        workflow.take_step(problem, users[Role.TOWN_CADRE], Action.REPORTED_FIXED, note=note, files=[png()])
    assert refused.value.permission is False
    assert snapshot(problem) == before


def test_a_report_of_fixed_needs_evidence(users, home):
    problem = problem_in(Status.IN_PROGRESS, home)
    before = snapshot(problem)
    with pytest.raises(workflow.StepRefused) as refused:
        workflow.take_step(problem, users[Role.TOWN_CADRE], Action.REPORTED_FIXED, note="已整改")
    assert refused.value.permission is False
    assert "evidence" in refused.value.message or "佐证" in refused.value.message
    assert snapshot(problem) == before


def test_evidence_sent_with_an_earlier_progress_report_is_enough(users, home):
    problem = problem_in(Status.OPEN, home)
    cadre = users[Role.TOWN_CADRE]
    progress = workflow.take_step(problem, cadre, Action.PROGRESS, note="已走访", files=[png()])
    event = workflow.take_step(problem, users[Role.VILLAGE_CADRE], Action.REPORTED_FIXED, note="已整改")
    problem.refresh_from_db()
    assert problem.status == Status.FIXED and problem.fixed_by == users[Role.VILLAGE_CADRE]
    assert [e.event_id for e in problem.evidence.all()] == [progress.pk]
    assert event.evidence.count() == 0


def test_after_a_failed_verification_the_old_evidence_is_not_enough(users, home):
    problem = problem_in(Status.OPEN, home)
    cadre, inspector = users[Role.TOWN_CADRE], users[Role.INSPECTOR]
    workflow.take_step(problem, cadre, Action.REPORTED_FIXED, note="已整改", files=[png("旧.png")])
    workflow.take_step(problem, inspector, Action.VERIFICATION_FAILED, note="照片看不出整改", files=[png("核验.png")])
    problem.refresh_from_db()
    before = snapshot(problem)
    with pytest.raises(workflow.StepRefused):
        workflow.take_step(problem, cadre, Action.REPORTED_FIXED, note="再次整改")
    assert snapshot(problem) == before
    # The verifier's own file (sent with the return) is not the town's proof either: still refused.
    workflow.take_step(problem, cadre, Action.PROGRESS, note="重新整改", files=[png("新.png")])
    workflow.take_step(problem, cadre, Action.REPORTED_FIXED, note="再次整改")
    problem.refresh_from_db()
    assert problem.status == Status.FIXED


def test_a_failed_verification_needs_a_reason_and_returns_the_problem(county, users, home):
    cadre, inspector = users[Role.TOWN_CADRE], users[Role.INSPECTOR]
    responsible = make_user("zeren", Role.VILLAGE_CADRE, [home.village])
    problem = problem_in(Status.OPEN, home)
    problem.responsible_person = responsible
    problem.save()
    reported = workflow.take_step(problem, cadre, Action.REPORTED_FIXED, note="已整改", files=[png()])
    problem.refresh_from_db()
    before = snapshot(problem)
    with pytest.raises(workflow.StepRefused) as refused:
        workflow.take_step(problem, inspector, Action.VERIFICATION_FAILED, note=" ")
    assert refused.value.permission is False
    assert snapshot(problem) == before

    event = workflow.take_step(problem, inspector, Action.VERIFICATION_FAILED, note="门牌照片不清楚")
    problem.refresh_from_db()
    assert problem.status == Status.OPEN
    assert problem.reopened_at == event.at and problem.reopened_at > reported.at
    assert problem.fixed_by is None and problem.fixed_at is None
    notices = Notice.objects.filter(problem=problem)
    assert sorted(n.user.username for n in notices) == sorted([cadre.username, responsible.username])
    assert {(n.kind, n.message) for n in notices} == {(NoticeKind.RETURNED, "门牌照片不清楚")}
    assert not Notice.objects.filter(user=inspector).exists()
    # The reporter hears once even when they are also the responsible person.
    problem.responsible_person = cadre
    problem.save()
    workflow.take_step(problem, cadre, Action.REPORTED_FIXED, note="重新整改", files=[png()])
    second = workflow.take_step(problem, users[Role.COUNTY_ADMIN], Action.VERIFICATION_FAILED, note="仍不合格")
    assert list(Notice.objects.filter(key=f"e{second.pk}").values_list("user__username", flat=True)) == [cadre.username]


def test_the_history_of_a_problem_is_its_events_in_order(users, home):
    problem = problem_in(Status.OPEN, home)
    cadre, inspector = users[Role.TOWN_CADRE], users[Role.INSPECTOR]
    workflow.take_step(problem, cadre, Action.STARTED)
    workflow.take_step(problem, cadre, Action.PROGRESS, note="进行中", files=[png()])
    workflow.take_step(problem, cadre, Action.REPORTED_FIXED, note="已整改")
    workflow.take_step(problem, inspector, Action.VERIFICATION_FAILED, note="不合格")
    workflow.take_step(problem, cadre, Action.REPORTED_FIXED, note="已整改", files=[png()])
    workflow.take_step(problem, inspector, Action.VERIFIED)
    assert list(problem.events.values_list("action", "from_status", "to_status")) == [
        ("started", "open", "in_progress"), ("progress", "in_progress", "in_progress"),
        ("reported_fixed", "in_progress", "fixed"), ("verification_failed", "fixed", "open"),
        ("reported_fixed", "open", "fixed"), ("verified", "fixed", "closed")]
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED and problem.closed_by == inspector


def test_the_buttons_of_a_problem_cost_at_most_one_scope_query(users, home, django_assert_max_num_queries):
    problem = problem_in(Status.OPEN, home)
    with django_assert_max_num_queries(2):  # the user's regions, then the problem in them
        steps = workflow.allowed_steps(problem, users[Role.TOWN_CADRE])
    assert [s.action for s in steps] == [Action.STARTED, Action.PROGRESS, Action.REPORTED_FIXED]
    with django_assert_max_num_queries(0):  # nothing a leader may do: no need to ask where the problem is
        assert workflow.allowed_steps(problem, users[Role.LEADER]) == []
