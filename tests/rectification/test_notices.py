"""Deadline notices: near and overdue, keyed by the deadline, idempotent; reading them in scope."""

import datetime

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from huitoukan.accounts.roles import Role
from huitoukan.cli import app
from huitoukan.rectification import notices
from huitoukan.rectification.choices import NoticeKind, Status
from huitoukan.rectification.models import Notice, Problem
from tests.rectification.test_pages import make_problem
from tests.scope_fixtures import *

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 10)


def day(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def due(county, users, settings):
    """The town cadre answers for problems due in 2 days, 5 days, passed, and one passed but fixed."""
    settings.HUITOUKAN_DEADLINE_WARNING_DAYS = 3
    cadre = users[Role.TOWN_CADRE]
    h = county.households_of(county.towns[0])
    made = {
        "near": make_problem("NO_HELPER", household=h[0]),
        "far": make_problem("NO_HELPER", household=h[1]),
        "late": make_problem("NO_HELPER", household=h[2], status=Status.IN_PROGRESS),
        "fixed": make_problem("NO_HELPER", household=h[3], status=Status.FIXED),
        "nobody": make_problem("NO_HELPER", household=h[4]),
    }
    deadlines = {"near": day(2), "far": day(5), "late": day(-1), "fixed": day(-4), "nobody": day(1)}
    for name, problem in made.items():
        Problem.objects.filter(pk=problem.pk).update(
            deadline=deadlines[name], responsible_person=None if name == "nobody" else cadre)
    return made


def kinds(user):
    return sorted((n.problem_id, n.kind, n.key) for n in Notice.objects.filter(user=user))


def test_near_and_overdue_notices_once_per_deadline(due, users):
    cadre = users[Role.TOWN_CADRE]
    assert notices.refresh_deadline_notices(TODAY) == 2
    assert kinds(cadre) == sorted([
        (due["near"].pk, NoticeKind.DEADLINE_NEAR, "20260312"),
        (due["late"].pk, NoticeKind.OVERDUE, "20260309"),
    ])
    # A rerun the same day, or the next, adds nothing new for the same deadlines.
    assert notices.refresh_deadline_notices(TODAY) == 0
    assert notices.refresh_deadline_notices(day(1)) == 0
    # Three days on, the near one has passed: an overdue notice besides the near one.
    assert notices.refresh_deadline_notices(day(3)) == 2  # near → overdue, far → near
    assert (due["near"].pk, NoticeKind.OVERDUE, "20260312") in kinds(cadre)
    assert (due["far"].pk, NoticeKind.DEADLINE_NEAR, "20260315") in kinds(cadre)


def test_a_moved_deadline_gives_a_new_notice(due, users):
    notices.refresh_deadline_notices(TODAY)
    Problem.objects.filter(pk=due["late"].pk).update(deadline=day(1))
    assert notices.refresh_deadline_notices(TODAY) == 1
    assert (due["late"].pk, NoticeKind.DEADLINE_NEAR, "20260311") in kinds(users[Role.TOWN_CADRE])
    assert Notice.objects.filter(problem=due["late"]).count() == 2  # the old overdue one stays


def test_unread_count_list_and_mark_read(due, users, county):
    cadre = users[Role.TOWN_CADRE]
    notices.refresh_deadline_notices(TODAY)
    assert notices.unread_count(cadre) == 2
    listed = list(notices.notices_for(cadre))
    assert len(listed) == 2
    # The problem leaves the cadre's regions (their account moves to the other town): not listed.
    cadre.regions.set([county.towns[1]])
    assert notices.unread_count(cadre) == 0 and list(notices.notices_for(cadre)) == []
    cadre.regions.set([county.towns[0]])

    first = listed[0]
    other = users[Role.VILLAGE_CADRE]
    theirs = Notice.objects.create(user=other, problem=due["near"], kind=NoticeKind.ASSIGNED, created_at=timezone.now())
    assert notices.mark_read(cadre, [first.pk, theirs.pk]) == 1  # never someone else's
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert notices.unread_count(cadre) == 1
    assert notices.mark_read(cadre) == 1
    assert notices.unread_count(cadre) == 0


def test_the_badge_count_is_one_query(due, users, django_assert_num_queries):
    notices.refresh_deadline_notices(TODAY)
    cadre = type(users[Role.TOWN_CADRE]).objects.get(pk=users[Role.TOWN_CADRE].pk)
    with django_assert_num_queries(1):
        assert notices.unread_count(cadre) == 2


def test_refresh_if_due_runs_at_most_once_an_hour(due, users):
    notices.reset_refresh_clock()
    Problem.objects.filter(pk=due["far"].pk).update(deadline=timezone.localdate() + datetime.timedelta(days=1))
    assert notices.refresh_if_due() >= 1
    Problem.objects.filter(pk=due["far"].pk).update(deadline=timezone.localdate() + datetime.timedelta(days=2))
    assert notices.refresh_if_due() is None  # not due yet: the moved deadline waits for the next hour
    notices.reset_refresh_clock()
    assert notices.refresh_if_due() == 1


def test_remind_command(due, users):
    Problem.objects.filter(pk=due["near"].pk).update(deadline=timezone.localdate())
    result = CliRunner().invoke(app, ["problems", "remind"])
    assert result.exit_code == 0, result.output
    count = Notice.objects.filter(problem=due["near"], kind=NoticeKind.DEADLINE_NEAR).count()
    assert count == 1
    again = CliRunner().invoke(app, ["problems", "remind"])
    assert again.exit_code == 0 and Notice.objects.filter(problem=due["near"]).count() == 1
