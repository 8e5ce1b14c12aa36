"""In-app notices (提醒): deadlines approaching and passed, and reading them.

Assignment, a failed verification and a problem found again write their own notices (assignment.py,
workflow.py, recurrence.py, ledger.py). This module adds the ones time brings:

    refresh_deadline_notices(today=None) -> int
        For every problem still being worked (open, in progress) that has a responsible person and a
        deadline: a DEADLINE_NEAR notice once the deadline is at most
        settings.HUITOUKAN_DEADLINE_WARNING_DAYS days away, an OVERDUE notice once it has passed.
        Keyed by the deadline (YYYYMMDD), so a rerun adds nothing and a moved deadline gives a new
        notice. One read and one batched insert, whatever the county's size. Returns how many were
        added.

    refresh_if_due() -> int | None
        The same, at most once an hour per process (the pages call it; a daily cron of
        `huitoukan problems remind` is the dependable way). None when not due or the database was
        busy (a look-back writing on SQLite): the next page tries again.

    unread_count(user) -> int          the nav badge: one indexed query
    notices_for(user) -> queryset      newest first, only problems still in the user's scope
    mark_read(user, ids=None) -> int   ids None: all of the user's unread notices
"""

from __future__ import annotations

import datetime
import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone

from .choices import WORKING_STATUSES, NoticeKind
from .models import Notice, Problem

log = logging.getLogger(__name__)

REFRESH_EVERY = 3600  # seconds
_last_refresh = {"at": None}
_lock = threading.Lock()


def deadline_key(deadline: datetime.date) -> str:
    return f"{deadline:%Y%m%d}"


def refresh_deadline_notices(today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    warn_until = today + datetime.timedelta(days=settings.HUITOUKAN_DEADLINE_WARNING_DAYS)
    due = (Problem.objects.filter(status__in=WORKING_STATUSES, responsible_person__isnull=False,
                                  deadline__isnull=False, deadline__lte=warn_until)
           .order_by().values_list("pk", "responsible_person_id", "deadline"))
    wanted = {}
    for problem_id, user_id, deadline in due.iterator(chunk_size=2000):
        kind = NoticeKind.OVERDUE if deadline < today else NoticeKind.DEADLINE_NEAR
        wanted[(user_id, problem_id, kind, deadline_key(deadline))] = None
    if not wanted:
        return 0
    # What exists already is read once (notices of these kinds for problems due), so that the count
    # returned is what was added; ignore_conflicts covers a second process doing the same now.
    existing = set(Notice.objects.filter(kind__in=(NoticeKind.OVERDUE, NoticeKind.DEADLINE_NEAR),
                                         problem_id__in=due.values("pk"))
                   .values_list("user_id", "problem_id", "kind", "key"))
    now = timezone.now()
    new = [Notice(user_id=u, problem_id=p, kind=k, key=key, created_at=now)
           for (u, p, k, key) in wanted if (u, p, k, key) not in existing]
    Notice.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)


def refresh_if_due() -> int | None:
    """Per process rather than per user: the refresh covers every user at once and is idempotent,
    so one run an hour in each server process is enough and needs no storage of its own."""
    with _lock:
        last = _last_refresh["at"]
        if last is not None and time.monotonic() - last < REFRESH_EVERY:
            return None
        _last_refresh["at"] = time.monotonic()
    try:
        return refresh_deadline_notices()
    except DatabaseError:  # busy (SQLite while a run writes): not worth failing a page for
        log.warning("deadline notices not refreshed; the next page will try again", exc_info=True)
        _last_refresh["at"] = None
        return None


def reset_refresh_clock() -> None:
    """Forget the last refresh (tests, and `problems remind`)."""
    _last_refresh["at"] = None


def _scope_q(user) -> Q:
    """The notice's problem in the user's regions, as queries.problem_scope_q decides, but with the
    user's regions as a sub-query instead of a list read first: the badge stays one query. Region
    ids are unique across levels, so one list serves the county, town and village columns."""
    if user.is_superuser:
        return Q()
    regions = user.regions.values("id")
    return (Q(problem__county_id__in=regions) | Q(problem__town_id__in=regions)
            | Q(problem__village_id__in=regions) | Q(problem__household__hamlet_id__in=regions)
            | Q(problem__person__household__hamlet_id__in=regions))


def _mine(user):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Notice.objects.none()
    return Notice.objects.filter(_scope_q(user), user=user)


def unread_count(user) -> int:
    return _mine(user).filter(read_at__isnull=True).count()


def notices_for(user):
    return _mine(user).select_related("problem", "problem__town", "problem__village").order_by("-created_at", "-id")


def mark_read(user, ids=None) -> int:
    unread = Notice.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
