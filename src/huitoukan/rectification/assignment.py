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
from huitoukan.policy.models import DEFAULTS, PolicyProfile

from .choices import Action, NoticeKind, Severity, Status, WORKING_STATUSES
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


def default_deadline(severity: str, start: datetime.date, profile: PolicyProfile | None = None) -> datetime.date:
    profile = profile if profile is not None else PolicyProfile.for_date(start)
    return start + datetime.timedelta(days=deadline_days(severity, profile))


def overdue_q(today: datetime.date | None = None, prefix: str = "") -> Q:
    today = today or timezone.localdate()
    return Q(**{f"{prefix}deadline__lt": today, f"{prefix}status__in": WORKING_STATUSES})


def is_overdue(problem: Problem, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(problem.deadline and problem.deadline < today and problem.status in WORKING_STATUSES)


def assign(problems, by, *, unit: str | None = None, person=None, deadline: datetime.date | None = None,
           note: str = "") -> Assigned:
    """Assign `problems` (a queryset or ids) as `by`. `unit`/`person` None leave what is set; a
    problem without a deadline and no `deadline` given gets its severity's default. Raises
    StepRefused, changing nothing, when `by` may not assign, a problem is outside `by`'s regions, or
    `person` could not work one of them."""
    from .queries import scoped_problems

    if not can(by, Capability.ASSIGN_PROBLEMS):
        raise StepRefused(_("Your role may not assign problems."), permission=True)
    ids = list(problems.values_list("pk", flat=True)) if hasattr(problems, "values_list") else list(problems)
    if not ids:
        raise StepRefused(_("No problems chosen."))
    if unit is None and person is None and deadline is None and not note:
        raise StepRefused(_("Choose a responsible unit, a responsible person or a deadline."))
    today = timezone.localdate()
    if deadline is not None and deadline < today:
        raise StepRefused(_("A deadline cannot be in the past."))
    outside = set(ids) - set(scoped_problems(by).filter(pk__in=ids).values_list("pk", flat=True))
    if outside:
        raise StepRefused(_("Not in your regions: %(numbers)s.") % {"numbers": _numbers(outside)}, permission=True)
    if person is not None:
        if not person.is_active or not can(person, Capability.RECTIFY_PROBLEMS):
            raise StepRefused(_("%(name)s cannot rectify problems (role or account).") % {"name": actor_name(person)})
        theirs = set(scoped_problems(person).filter(pk__in=ids).values_list("pk", flat=True))
        if set(ids) - theirs:
            raise StepRefused(_("%(name)s's regions do not hold %(numbers)s.") % {
                "name": actor_name(person), "numbers": _numbers(set(ids) - theirs)})

    now = timezone.now()
    profile = PolicyProfile.for_date(today)
    with transaction.atomic():
        chosen = Problem.objects.select_for_update().filter(pk__in=ids)
        skipped = chosen.filter(status=Status.CLOSED).count()
        rows = list(chosen.exclude(status=Status.CLOSED).order_by("pk"))
        events, notices = [], []
        for problem in rows:
            before = _assignment(problem)
            if unit is not None:
                problem.responsible_unit = unit.strip()[:100]
            if person is not None:
                problem.responsible_person = person
            if deadline is not None:
                problem.deadline = deadline
            elif problem.deadline is None:
                problem.deadline = default_deadline(problem.severity, today, profile)
            problem.assigned_at = now
            after = _assignment(problem)
            events.append(ProblemEvent(problem=problem, action=Action.ASSIGNED, from_status=problem.status,
                                       to_status=problem.status, note=note.strip(),
                                       details={"before": before, "after": after}, actor=by,
                                       actor_name=actor_name(by), at=now))
            if problem.responsible_person_id and problem.responsible_person_id != by.pk:
                notices.append(Notice(user_id=problem.responsible_person_id, problem=problem, kind=NoticeKind.ASSIGNED,
                                      key=f"{problem.deadline:%Y%m%d}" if problem.deadline else "",
                                      message=note.strip()[:300], created_at=now))
        Problem.objects.bulk_update(rows, ["responsible_unit", "responsible_person", "deadline", "assigned_at"],
                                    batch_size=500)
        Problem.objects.filter(pk__in=[p.pk for p in rows]).update(updated_at=now)
        ProblemEvent.objects.bulk_create(events, batch_size=500)
        Notice.objects.bulk_create(notices, batch_size=500, ignore_conflicts=True)
    return Assigned(assigned=len(rows), skipped_closed=skipped)


def _assignment(problem: Problem) -> dict:
    return {"unit": problem.responsible_unit,
            "person": problem.responsible_person_id,
            "person_name": actor_name(problem.responsible_person) if problem.responsible_person_id else "",
            "deadline": problem.deadline.isoformat() if problem.deadline else None}


def _numbers(ids) -> str:
    ordered = sorted(ids)
    shown = "、".join(f"WT{pk:07d}" for pk in ordered[:LISTED])
    return shown + (_(" and %(n)d more") % {"n": len(ordered) - LISTED} if len(ordered) > LISTED else "")
