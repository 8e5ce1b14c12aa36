"""Assignment (assignment.py): who may assign, to whom, which deadline; what is written (an event per
problem, a notice to the person); closed problems skipped; a bulk assignment in a bounded number of
queries; and what "overdue" means."""

import datetime as dt

import pytest
from django.utils import timezone

from huitoukan.accounts.roles import Role
from huitoukan.policy.models import DEFAULTS, PolicyProfile
from huitoukan.rectification import assignment
from huitoukan.rectification.choices import Action, NoticeKind, Status
from huitoukan.rectification.models import Notice, Problem, ProblemEvent
from huitoukan.rectification.workflow import StepRefused
from tests.factories import make_user
from tests.rectification.test_pages import make_problem
from tests.scope_fixtures import *


def state() -> dict:
    return {"problems": list(Problem.objects.order_by("pk").values()),
            "events": list(ProblemEvent.objects.values()), "notices": list(Notice.objects.values())}


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def town_problems(county):
    """Two problems of the first village of the first town (serious, notice) and one of the second town."""
    village = county.villages_of(county.towns[0])[0]
    homes = [h for h in county.households if h.village_id == village.pk]
    other = county.households_of(county.towns[1])[0]
    return [make_problem("NO_HELPER", household=homes[0], severity="serious"),
            make_problem("HEAD_MISSING", household=homes[1], severity="notice"),
            make_problem("NO_HELPER", household=other, severity="general")]


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.COUNTY_ADMIN])
def test_only_a_role_that_assigns_may_assign(users, town_problems, role):
    before = state()
    with pytest.raises(StepRefused) as refused:
        assignment.assign([p.pk for p in town_problems], users[role], unit="松林乡", person=users[Role.TOWN_CADRE])
    assert refused.value.permission is True
    assert state() == before


def test_a_problem_outside_the_assigners_regions_refuses_the_whole_assignment(county, other_county, users,
                                                                             town_problems):
    outside = make_problem("NO_HELPER", household=other_county.households[0])
    before = state()
    with pytest.raises(StepRefused) as refused:
        assignment.assign([town_problems[0].pk, outside.pk], users[Role.COUNTY_ADMIN], unit="县民政局")
    assert refused.value.permission is True
    assert outside.number in refused.value.message
    assert state() == before


@pytest.mark.parametrize("who", ["inspector", "helper", "inactive", "other_town", "other_village"])
def test_the_responsible_person_must_be_able_to_rectify_every_problem(county, users, town_problems, who):
    town, village = county.towns[0], county.villages_of(county.towns[0])[0]
    person = {
        "inspector": users[Role.INSPECTOR],
        "helper": users[Role.HELPER],
        "inactive": make_user("gone", Role.TOWN_CADRE, [town], is_active=False),
        "other_town": make_user("t2", Role.TOWN_CADRE, [county.towns[1]]),
        "other_village": make_user("v2", Role.VILLAGE_CADRE, [county.villages_of(town)[1]]),
    }[who]
    chosen = town_problems[:2] if who != "other_town" else town_problems
    assert village.pk == chosen[0].village_id
    before = state()
    with pytest.raises(StepRefused) as refused:
        assignment.assign([p.pk for p in chosen], users[Role.COUNTY_ADMIN], person=person)
    assert refused.value.permission is False
    assert state() == before


def test_a_deadline_in_the_past_is_refused_and_today_is_not(users, town_problems, today):
    before = state()
    with pytest.raises(StepRefused) as refused:
        assignment.assign([town_problems[0].pk], users[Role.COUNTY_ADMIN], deadline=today - dt.timedelta(days=1))
    assert refused.value.permission is False
    assert state() == before
    assert assignment.assign([town_problems[0].pk], users[Role.COUNTY_ADMIN], deadline=today).assigned == 1
    assert Problem.objects.get(pk=town_problems[0].pk).deadline == today


def test_nothing_to_assign_is_refused(users, town_problems):
    with pytest.raises(StepRefused):
        assignment.assign([], users[Role.COUNTY_ADMIN], unit="乡")
    with pytest.raises(StepRefused):
        assignment.assign([town_problems[0].pk], users[Role.COUNTY_ADMIN])


def test_default_deadlines_come_from_the_policy_profile_of_this_year(users, town_problems, today):
    PolicyProfile.objects.create(year=today.year, deadline_days_serious=7, deadline_days_general=20,
                                 deadline_days_notice=45)
    PolicyProfile.objects.create(year=today.year - 1, deadline_days_serious=99, deadline_days_general=99,
                                 deadline_days_notice=99)
    assignment.assign(town_problems, users[Role.COUNTY_ADMIN], unit="责任单位")
    deadlines = {p.severity: p.deadline for p in Problem.objects.all()}
    assert deadlines == {"serious": today + dt.timedelta(days=7), "notice": today + dt.timedelta(days=45),
                         "general": today + dt.timedelta(days=20)}
    assert assignment.default_deadline("serious", today) == today + dt.timedelta(days=7)


def test_default_deadlines_without_a_profile_are_the_defaults(users, town_problems, today):
    assignment.assign([p.pk for p in town_problems], users[Role.COUNTY_ADMIN], unit="责任单位")
    for problem in Problem.objects.all():
        assert problem.deadline == today + dt.timedelta(days=DEFAULTS[f"deadline_days_{problem.severity}"])


def test_a_deadline_already_set_is_kept_when_none_is_given(users, town_problems, today):
    set_before = today + dt.timedelta(days=3)
    Problem.objects.filter(pk=town_problems[0].pk).update(deadline=set_before)
    assignment.assign([town_problems[0].pk], users[Role.COUNTY_ADMIN], unit="乡政府")
    assert Problem.objects.get(pk=town_problems[0].pk).deadline == set_before


def test_an_assignment_writes_an_event_with_before_and_after_and_notifies_the_person(users, town_problems, today):
    admin, cadre = users[Role.COUNTY_ADMIN], users[Role.TOWN_CADRE]
    problems = town_problems[:2]
    Problem.objects.filter(pk=problems[0].pk).status = Status.IN_PROGRESS
    deadline = today + dt.timedelta(days=10)
    result = assignment.assign([p.pk for p in problems], admin, unit=" 松林乡人民政府 ", person=cadre,
                               deadline=deadline, note="请按期整改")
    assert (result.assigned, result.skipped_closed) == (2, 0)
    for problem in problems:
        problem.refresh_from_db()
        assert (problem.responsible_unit, problem.responsible_person, problem.deadline) == (
            "松林乡人民政府", cadre, deadline)
        assert problem.assigned_at is not None
        event = problem.events.get()
        assert (event.action, event.from_status, event.to_status, event.note, event.actor) == (
            Action.ASSIGNED, problem.status, problem.status, "请按期整改", admin)
        assert event.details == {
            "before": {"unit": "", "person": None, "person_name": "", "deadline": None},
            "after": {"unit": "松林乡人民政府", "person": cadre.pk, "person_name": f"测试town_cadre（{cadre.username}）",
                      "deadline": deadline.isoformat()}}
    notices = Notice.objects.filter(user=cadre)
    assert sorted(n.problem_id for n in notices) == sorted(p.pk for p in problems)
    assert {(n.kind, n.message) for n in notices} == {(NoticeKind.ASSIGNED, "请按期整改")}

    # Reassigned to someone else: the event's "before" is the previous assignment.
    village_cadre = users[Role.VILLAGE_CADRE]
    assignment.assign([problems[0].pk], admin, person=village_cadre)
    last = ProblemEvent.objects.filter(problem=problems[0]).last()
    assert last.details["before"]["person"] == cadre.pk and last.details["after"]["person"] == village_cadre.pk
    assert last.details["after"]["unit"] == "松林乡人民政府"  # unit None: left as it was
    assert Notice.objects.filter(user=village_cadre, problem=problems[0]).count() == 1


def test_handing_a_problem_back_to_an_earlier_person_notifies_them_again(users, town_problems):
    admin, cadre, village_cadre = users[Role.COUNTY_ADMIN], users[Role.TOWN_CADRE], users[Role.VILLAGE_CADRE]
    problem = town_problems[0]
    assignment.assign([problem.pk], admin, person=cadre)
    assignment.assign([problem.pk], admin, person=village_cadre)
    assignment.assign([problem.pk], admin, person=cadre)
    assert Notice.objects.filter(user=cadre, problem=problem).count() == 2


def test_no_notice_when_assigning_to_oneself(users, town_problems):
    admin = users[Role.COUNTY_ADMIN]
    assignment.assign([town_problems[0].pk], admin, person=admin)
    assert Problem.objects.get(pk=town_problems[0].pk).responsible_person == admin
    assert not Notice.objects.exists()


def test_closed_problems_are_skipped_and_counted(users, town_problems):
    Problem.objects.filter(pk=town_problems[1].pk).update(status=Status.CLOSED)
    closed_before = Problem.objects.filter(pk=town_problems[1].pk).values().get()
    result = assignment.assign([p.pk for p in town_problems], users[Role.COUNTY_ADMIN], unit="县里")
    assert (result.assigned, result.skipped_closed) == (2, 1)
    assert Problem.objects.filter(pk=town_problems[1].pk).values().get() == closed_before
    assert not ProblemEvent.objects.filter(problem=town_problems[1]).exists()


def test_problems_may_be_given_as_a_queryset_objects_or_ids(users, town_problems):
    admin = users[Role.COUNTY_ADMIN]
    assert assignment.assign(Problem.objects.filter(pk=town_problems[0].pk), admin, unit="a").assigned == 1
    assert assignment.assign(town_problems[:2], admin, unit="b").assigned == 2
    assert assignment.assign([str(town_problems[2].pk)], admin, unit="c").assigned == 1
    assert list(Problem.objects.order_by("pk").values_list("responsible_unit", flat=True)) == ["b", "b", "c"]


def test_a_bulk_assignment_runs_in_a_bounded_number_of_queries(county, users, django_assert_max_num_queries):
    admin, cadre = users[Role.COUNTY_ADMIN], users[Role.TOWN_CADRE]
    town, now = county.towns[0], timezone.now()
    village = county.villages_of(town)[0]
    Problem.objects.bulk_create([
        Problem(code="BULK", target_type="household", target_key=f"K{i:05d}", category="data_quality",
                severity=("serious", "general", "notice")[i % 3], title="批量", description="批量",
                county=county.county, town=town, village=village, first_found_at=now, last_found_at=now,
                responsible_person=users[Role.VILLAGE_CADRE] if i % 2 else None,
                status=Status.CLOSED if i % 10 == 0 else Status.OPEN)
        for i in range(2000)])
    ids = list(Problem.objects.values_list("pk", flat=True))
    # SQLite: Django caps a statement at 999 parameters, so the inserts go ~110 rows a statement.
    with django_assert_max_num_queries(50):
        result = assignment.assign(ids, admin, unit="松林乡", person=cadre, note="集中交办")
    assert (result.assigned, result.skipped_closed) == (1800, 200)
    assert ProblemEvent.objects.filter(action=Action.ASSIGNED).count() == 1800
    assert Notice.objects.filter(user=cadre).count() == 1800
    assert Problem.objects.filter(responsible_person=cadre, deadline__isnull=False).count() == 1800
    before_of_one = ProblemEvent.objects.filter(problem__target_key="K00001").get().details["before"]
    assert before_of_one["person"] == users[Role.VILLAGE_CADRE].pk


# --- overdue ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "days", "overdue"), [
    (Status.OPEN, -1, True), (Status.IN_PROGRESS, -1, True), (Status.FIXED, -1, False), (Status.CLOSED, -1, False),
    (Status.OPEN, 0, False), (Status.IN_PROGRESS, 5, False), (Status.OPEN, None, False),
])
def test_overdue_means_deadline_passed_and_still_being_worked(town_problems, today, status, days, overdue):
    problem = town_problems[0]
    problem.status = status
    problem.deadline = None if days is None else today + dt.timedelta(days=days)
    problem.save()
    assert assignment.is_overdue(problem, today) is overdue
    assert Problem.objects.filter(assignment.overdue_q(today)).filter(pk=problem.pk).exists() is overdue
    through = ProblemEvent.objects.create(problem=problem, action=Action.PROGRESS, at=timezone.now())
    assert ProblemEvent.objects.filter(assignment.overdue_q(today, "problem__"), pk=through.pk).exists() is overdue


def test_a_person_of_another_county_is_no_such_user_and_not_named(county, other_county, users):
    problem = make_problem("NO_HELPER", household=county.households_of(county.towns[0])[0])
    stranger = make_user("stranger", Role.TOWN_CADRE, [other_county.towns[0]], first_name="外县干部")
    with pytest.raises(StepRefused) as refused:
        assignment.assign([problem.pk], users[Role.COUNTY_ADMIN], person=stranger)
    assert "外县干部" not in refused.value.message and "stranger" not in refused.value.message
    problem.refresh_from_db()
    assert problem.responsible_person is None and not problem.events.exists()
