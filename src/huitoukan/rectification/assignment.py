"""Assignment (交办): a problem's responsible unit, responsible person and deadline, set in bulk.

A deadline left empty gets the default of the problem's severity from the year's policy profile
(deadline_days_serious/general/notice), counted from the day of assignment. The responsible person
must be able to rectify the problem: a user whose role rectifies and whose regions hold it. Closed
problems are left as they are (there is nothing left to assign). Each problem assigned gets an
ASSIGNED event, and the responsible person a notice.

A problem is overdue when its deadline has passed and it is still being worked (open or in
progress): a fix reported and awaiting verification is the county's turn, not the town's.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from huitoukan.accounts.roles import Capability, can
from huitoukan.accounts.scope import manageable_users
from huitoukan.policy.models import DEFAULTS, PolicyProfile

from .choices import WORKING_STATUSES, Action, NoticeKind, Severity, Status
from .models import Notice, Problem, ProblemEvent
from .workflow import StepRefused, actor_name

#: How many problem numbers an error message lists before it says "and N more".
LISTED = 10


@dataclass
class Assigned:
    assigned: int
    skipped_closed: int


def deadline_days(severity: str, profile: PolicyProfile | None) -> int:
    key = f"deadline_days_{severity if severity in Severity.values else Severity.GENERAL}"
    return getattr(profile, key) if profile is not None else DEFAULTS[key]


#: `default_deadline`'s profile when none is given: look up the start date's. (None is a real answer,
#: "no profile: the defaults", which a bulk assignment passes on rather than asking once per problem.)
LOOK_UP = object()


def default_deadline(severity: str, start: datetime.date, profile=LOOK_UP) -> datetime.date:
    profile = PolicyProfile.for_date(start) if profile is LOOK_UP else profile
    return start + datetime.timedelta(days=deadline_days(severity, profile))


def overdue_q(today: datetime.date | None = None, prefix: str = "") -> Q:
    today = today or timezone.localdate()
    return Q(**{f"{prefix}deadline__lt": today, f"{prefix}status__in": WORKING_STATUSES})


def is_overdue(problem: Problem, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(problem.deadline and problem.deadline < today and problem.status in WORKING_STATUSES)


def assign(problems, by, *, unit: str | None = None, person=None, deadline: datetime.date | None = None,
           note: str = "") -> Assigned:
    """Assign `problems` (a queryset, Problem objects or ids) as `by`. `unit`/`person` None leave what
    is set; a problem without a deadline and no `deadline` given gets its severity's default. Raises
    StepRefused, changing nothing, when `by` may not assign, a problem is outside `by`'s regions, or
    `person` could not work one of them.

    A fixed number of statements per CHUNK problems, whatever their number: the values set are the
    same for every problem (one UPDATE), default deadlines differ only by severity (one UPDATE each)."""
    from .queries import scoped_problems

    if not can(by, Capability.ASSIGN_PROBLEMS):
        raise StepRefused(_("Your role may not assign problems."), permission=True)
    if hasattr(problems, "values_list"):
        ids = list(problems.order_by().values_list("pk", flat=True))
    else:
        ids = [int(getattr(item, "pk", item)) for item in problems]
    ids = sorted(set(ids))
    if not ids:
        raise StepRefused(_("No problems chosen."))
    if unit is None and person is None and deadline is None and not note:
        raise StepRefused(_("Choose a responsible unit, a responsible person or a deadline."))
    today = timezone.localdate()
    if deadline is not None and deadline < today:
        raise StepRefused(_("A deadline cannot be in the past."))
    outside = set(ids) - _present(scoped_problems(by), ids)
    if outside:
        raise StepRefused(_("Not in your regions: %(numbers)s.") % {"numbers": _numbers(outside)}, permission=True)
    if person is not None:
        # Someone outside the assigner's regions is "no such user": naming them would tell a county
        # administrator who holds an account id in another county.
        if not by.is_superuser and not manageable_users(by).filter(pk=person.pk).exists():
            raise StepRefused(_("No such user in your regions."))
        if not person.is_active or not can(person, Capability.RECTIFY_PROBLEMS):
            raise StepRefused(_("%(name)s cannot rectify problems (role or account).") % {"name": actor_name(person)})
        theirs = _present(scoped_problems(person), ids)
        if set(ids) - theirs:
            raise StepRefused(_("%(name)s's regions do not hold %(numbers)s.") % {
                "name": actor_name(person), "numbers": _numbers(set(ids) - theirs)})

    now = timezone.now()
    profile = PolicyProfile.for_date(today)
    unit = unit.strip()[:100] if unit is not None else None
    note = note.strip()
    # Keyed by the assignment: every assignment is news, also a problem handed back to someone.
    notice_key = f"a{now:%Y%m%d%H%M%S%f}"
    assigned = skipped = 0
    with transaction.atomic():
        for chunk in _chunks(ids):
            # Locked, and read with the person they had (for the event's "before") in the same statement;
            # of=self: PostgreSQL cannot lock the nullable side of the outer join.
            rows = list(Problem.objects.select_for_update(of=("self",)).select_related("responsible_person")
                        .filter(pk__in=chunk).order_by("pk"))
            skipped += sum(1 for problem in rows if problem.status == Status.CLOSED)
            rows = [problem for problem in rows if problem.status != Status.CLOSED]
            events, notices, defaults = [], [], {}
            for problem in rows:
                before = _assignment(problem)
                if unit is not None:
                    problem.responsible_unit = unit
                if person is not None:
                    problem.responsible_person = person
                if deadline is not None:
                    problem.deadline = deadline
                elif problem.deadline is None:
                    problem.deadline = default_deadline(problem.severity, today, profile)
                    defaults.setdefault(problem.deadline, []).append(problem.pk)
                problem.assigned_at = now
                events.append(ProblemEvent(problem=problem, action=Action.ASSIGNED, from_status=problem.status,
                                           to_status=problem.status, note=note,
                                           details={"before": before, "after": _assignment(problem)}, actor=by,
                                           actor_name=actor_name(by), at=now))
                if problem.responsible_person_id and problem.responsible_person_id != by.pk:
                    notices.append(Notice(user_id=problem.responsible_person_id, problem=problem,
                                          kind=NoticeKind.ASSIGNED, key=notice_key, message=note[:300],
                                          created_at=now))
            common = {"assigned_at": now, "updated_at": now}
            if unit is not None:
                common["responsible_unit"] = unit
            if person is not None:
                common["responsible_person"] = person
            if deadline is not None:
                common["deadline"] = deadline
            pks = [problem.pk for problem in rows]
            Problem.objects.filter(pk__in=pks).update(**common)
            for default, of_default in defaults.items():
                Problem.objects.filter(pk__in=of_default).update(deadline=default)
            ProblemEvent.objects.bulk_create(events)
            Notice.objects.bulk_create(notices, ignore_conflicts=True)
            assigned += len(rows)
    return Assigned(assigned=assigned, skipped_closed=skipped)


#: Problems handled per statement: well under SQLite's 32,766 parameters a statement.
CHUNK = 5000


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _present(queryset, ids: list[int]) -> set[int]:
    """The ids of `ids` that `queryset` holds."""
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(queryset.filter(pk__in=chunk).values_list("pk", flat=True))
    return found


def _assignment(problem: Problem) -> dict:
    return {"unit": problem.responsible_unit,
            "person": problem.responsible_person_id,
            "person_name": actor_name(problem.responsible_person) if problem.responsible_person_id else "",
            "deadline": problem.deadline.isoformat() if problem.deadline else None}


def _numbers(ids) -> str:
    ordered = sorted(ids)
    shown = "、".join(f"WT{pk:07d}" for pk in ordered[:LISTED])
    return shown + (_(" and %(n)d more") % {"n": len(ordered) - LISTED} if len(ordered) > LISTED else "")
