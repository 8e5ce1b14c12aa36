"""The rectification workflow (整改, 对账销号): which step a user may take on a problem, and taking it.

    待整改 open ──start / progress──▶ 整改中 in progress ──report fixed──▶ 已整改待核验 fixed
        ▲                                                                   │
        └───────────── verification failed (with a reason) ◀───────────────┤
                                                                            ▼
                                                         verified ──▶ 已销号 closed
    closed ──found again by a run or an inspection──▶ open, recurring (屡改屡犯; see recurrence.py)

Who may take a step is a capability of their role (accounts/roles.py), and only on problems in their
regions. Towns and villages rectify; inspectors and county administrators verify, and never a fix
they reported themselves. A report of "fixed" needs an explanation and evidence: files sent with it,
or sent with a progress report since the problem last went back to open.

Every step is one ProblemEvent (who, when, from, to, why) with its Evidence, written in one
transaction with the problem's new state: a refused or failed step changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huitoukan.accounts.roles import Capability, can

from . import evidence
from .choices import Action, NoticeKind, Status
from .models import Evidence, Notice, Problem, ProblemEvent


class StepRefused(Exception):
    """A step the user may not take, or not now, or not with what they sent; the message says why.
    `permission` tells a refusal of the user (403) from one of the request (400)."""

    def __init__(self, message: str, *, permission: bool = False):
        super().__init__(message)
        self.message = message
        self.permission = permission


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    from_statuses: tuple[str, ...]
    to_status: str
    capability: str
    note_required: bool = False
    evidence_required: bool = False
    takes_files: bool = True


STEPS: dict[str, Step] = {
    step.action: step
    for step in (
        Step(Action.STARTED, gettext_lazy("Start rectification"), (Status.OPEN,), Status.IN_PROGRESS,
             Capability.RECTIFY_PROBLEMS, takes_files=False),
        Step(Action.PROGRESS, gettext_lazy("Report progress"), (Status.OPEN, Status.IN_PROGRESS), Status.IN_PROGRESS,
             Capability.RECTIFY_PROBLEMS, note_required=True),
        Step(Action.REPORTED_FIXED, gettext_lazy("Report fixed"), (Status.OPEN, Status.IN_PROGRESS), Status.FIXED,
             Capability.RECTIFY_PROBLEMS, note_required=True, evidence_required=True),
        Step(Action.VERIFIED, gettext_lazy("Verify and close"), (Status.FIXED,), Status.CLOSED,
             Capability.VERIFY_PROBLEMS),
        Step(Action.VERIFICATION_FAILED, gettext_lazy("Verification failed: return"), (Status.FIXED,), Status.OPEN,
             Capability.VERIFY_PROBLEMS, note_required=True),
    )
}
VERIFYING = (Action.VERIFIED, Action.VERIFICATION_FAILED)


def in_scope(problem: Problem, user) -> bool:
    from .queries import scoped_problems

    return scoped_problems(user).filter(pk=problem.pk).exists()


def refusal(problem: Problem, user, action: str) -> StepRefused | None:
    """Why `user` may not take `action` on `problem` as it is now, or None if they may. Does not look
    at the note or files (see `take_step`)."""
    return _refusal(problem, user, action, lambda: in_scope(problem, user))


def _refusal(problem: Problem, user, action: str, scoped) -> StepRefused | None:
    step = STEPS.get(action)
    if step is None:
        return StepRefused(_("Unknown step: %(action)s.") % {"action": action})
    if not can(user, step.capability):
        return StepRefused(_("Your role may not take this step (%(step)s).") % {"step": step.label},
                           permission=True)
    if not scoped():
        return StepRefused(_("This problem is not in your regions."), permission=True)
    if problem.status not in step.from_statuses:
        return StepRefused(_("A problem that is %(status)s cannot take this step (%(step)s).") % {
            "status": problem.get_status_display(), "step": step.label})
    if action in VERIFYING and problem.fixed_by_id == user.pk and not user.is_superuser:
        return StepRefused(_("A fix is verified by someone other than who reported it."), permission=True)
    return None


def allowed_steps(problem: Problem, user) -> list[Step]:
    """The steps `user` may take on `problem` now, in workflow order (the buttons a page shows)."""
    answer: list[bool] = []

    def scoped() -> bool:  # asked of the database once for the five steps, and only if a step gets that far
        if not answer:
            answer.append(in_scope(problem, user))
        return answer[0]

    return [step for action, step in STEPS.items() if _refusal(problem, user, action, scoped) is None]


def take_step(problem: Problem, user, action: str, *, note: str = "", files=()) -> ProblemEvent:
    """Take `action` on `problem` as `user`, with an explanation and evidence files (Django
    UploadedFiles). Raises StepRefused, having changed nothing, if the step is not allowed or what
    came with it is not enough."""
    note = (note or "").strip()
    files = list(files)
    stored: list[Evidence] = []
    try:
        with transaction.atomic():
            # Locked and read again: two people acting on one problem at once take turns, and the
            # second sees the first's status.
            problem = Problem.objects.select_for_update().get(pk=problem.pk)
            refused = refusal(problem, user, action)
            if refused:
                raise refused
            step = STEPS[action]
            if step.note_required and not note:
                raise StepRefused(_("Please write an explanation for this step (%(step)s).") % {"step": step.label})
            if files and not step.takes_files:
                raise StepRefused(_("This step takes no files."))
            try:  # every file is checked before any is stored
                evidence.check_all(files)
            except evidence.EvidenceError as error:
                raise StepRefused(str(error)) from error
            if step.evidence_required and not files and not _fresh_evidence(problem).exists():
                raise StepRefused(_("A report of a fix needs evidence: attach photos, scans or documents that "
                                    "show it."))

            now = timezone.now()
            event = record_event(problem, action, user, note=note, to_status=step.to_status, at=now)
            for upload in files:
                stored.append(store_evidence(problem, event, upload, user, now))
            _apply(problem, step, user, now)
            _notify(problem, action, event, now)
    except BaseException:
        # The rows rolled back with the transaction; the files must go too. Outside the atomic block
        # on purpose: a commit can fail too (foreign keys are checked at commit). A caller that holds
        # an outer transaction and rolls it back later is on its own: Django has no rollback hook.
        for item in stored:
            item.file.delete(save=False)
        raise
    return event


def record_event(problem: Problem, action: str, user, *, note: str = "", to_status: str | None = None,
                 details: dict | None = None, at=None) -> ProblemEvent:
    """One row of a problem's history. `to_status` None: the status does not change."""
    return ProblemEvent.objects.create(
        problem=problem, action=action, from_status=problem.status, to_status=to_status or problem.status,
        note=note, details=details or {}, actor=user if getattr(user, "pk", None) else None,
        actor_name=actor_name(user), at=at or timezone.now(),
    )


def actor_name(user) -> str:
    if not getattr(user, "pk", None):
        return ""
    full = f"{user.last_name}{user.first_name}".strip()
    return f"{full}（{user.username}）" if full else user.username


def display_name(name: str) -> str:
    """The uploader's file name as it may be shown and offered back in a download: the last path
    part only (either separator), without control characters, at most 200 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-200:] or "evidence"


def store_evidence(problem: Problem, event: ProblemEvent | None, upload, user, at) -> Evidence:
    kind = evidence.check(upload)
    item = Evidence(problem=problem, event=event, original_name=display_name(upload.name), content_type=kind.content_type,
                    size=upload.size, sha256=evidence.digest(upload),
                    uploaded_by=user if getattr(user, "pk", None) else None, uploaded_at=at)
    item.file.save(upload.name, upload, save=False)
    item.save()
    return item


def _fresh_evidence(problem: Problem):
    """Evidence sent since the problem last went back to open (all of it if it never did)."""
    items = Evidence.objects.filter(problem=problem)
    return items.filter(uploaded_at__gt=problem.reopened_at) if problem.reopened_at else items


def _apply(problem: Problem, step: Step, user, now) -> None:
    fields = {"status": step.to_status, "updated_at": now}
    if step.action == Action.REPORTED_FIXED:
        fields |= {"fixed_at": now, "fixed_by": user}
    elif step.action == Action.VERIFIED:
        fields |= {"closed_at": now, "closed_by": user}
    elif step.action == Action.VERIFICATION_FAILED:
        fields |= {"reopened_at": now, "fixed_at": None, "fixed_by": None}
    for name, value in fields.items():
        setattr(problem, name, value)
    problem.save(update_fields=list(fields))


def _notify(problem: Problem, action: str, event: ProblemEvent, now) -> None:
    """A returned fix is news for whoever works the problem and whoever reported it fixed."""
    if action != Action.VERIFICATION_FAILED:
        return
    reporter = (ProblemEvent.objects.filter(problem=problem, action=Action.REPORTED_FIXED, at__lt=now)
                .order_by("-at", "-id").values_list("actor_id", flat=True).first())
    for user_id in {problem.responsible_person_id, reporter} - {None, event.actor_id}:
        Notice.objects.get_or_create(user_id=user_id, problem=problem, kind=NoticeKind.RETURNED, key=f"e{event.pk}",
                                     defaults={"message": event.note[:300], "created_at": now})
