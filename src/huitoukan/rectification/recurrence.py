"""Recurrence (屡改屡犯): a problem found again after it was closed goes back to open, marked recurring.

The earlier closure stays on record: its VERIFIED event keeps who verified it and when, and the
REOPENED event names that closure and what found the problem again. A problem reported fixed and
not yet verified that is found again keeps its status (the verifier decides), but the finding is
written into its history (FOUND_AGAIN), so that the verifier and the self-check comparison see it.

This module does it for one problem (a person's record, an inspection's row); rectification/ledger.py
does the same set-based for a look-back run's findings.
"""

from __future__ import annotations

from django.utils import timezone

from .choices import Action, NoticeKind, Status
from .models import Notice, Problem
from .workflow import record_event


def found_again(problem: Problem, user, details: dict, *, at=None) -> str | None:
    """Apply a new finding of `problem` (by a person's source: `details` say which, e.g.
    {"source": "census", "round": "2026-1"}). Returns the action written, or None if the problem was
    still being worked and nothing needs saying. The caller holds the transaction and the row lock."""
    at = at or timezone.now()
    if problem.status == Status.CLOSED:
        closure = {"closed_at": problem.closed_at.isoformat() if problem.closed_at else None,
                   "closed_by": problem.closed_by_id}
        event = record_event(problem, Action.REOPENED, user, to_status=Status.OPEN, details=details | closure, at=at)
        problem.status = Status.OPEN
        problem.recurring = True
        problem.recurrence_count += 1
        problem.reopened_at = at
        problem.closed_at = problem.closed_by = problem.fixed_at = problem.fixed_by = None
        problem.save(update_fields=["status", "recurring", "recurrence_count", "reopened_at", "closed_at",
                                    "closed_by", "fixed_at", "fixed_by", "updated_at"])
        if problem.responsible_person_id:
            Notice.objects.get_or_create(user_id=problem.responsible_person_id, problem=problem,
                                         kind=NoticeKind.REOPENED, key=f"e{event.pk}",
                                         defaults={"created_at": at})
        return Action.REOPENED
    if problem.status == Status.FIXED:
        record_event(problem, Action.FOUND_AGAIN, user, details=details, at=at)
        return Action.FOUND_AGAIN
    return None
