"""Dispatching early-warning signals to towns (下发) and recording the visits (走访核实).

    dispatch_rows(user, rows, month, towns_by_hand={}) -> Dispatched     set-based, idempotent
    record_visit(dispatch, user, visited_on=, outcome=, note=) -> WarningDispatch
    scoped_dispatches(user) -> QuerySet       the dispatches of the user's regions
    attach_status(rows, today=None)           each warnings row's dispatch status, in two queries
    status_counts(rows) -> {town_key: {dispatched, visited, overdue}}

A signal (warnings.month_warnings's row) is identified by its `signal_key` (signal_identity.py):
one WarningDispatch per key, ever, so dispatching again is harmless (skipped, counted) and a signal
that was visited reads as visited in every later month it appears in — its outcome shown, whether
it was 已纳入监测 or 不符合条件. A signal of the same person under another key (a new dibao start
date, another year's costs) is a new signal; the person's earlier visits are shown beside it.

The town is the linked household's town (and village), or the town the record's address names
(warnings.place_unlinked). A signal with neither waits until the dispatcher chooses a town of
their own regions for it. The visit is due VISIT_DAYS after the dispatch (the WARNING_VISIT_DAYS
setting, 15 by default); the due date is fixed at dispatch, so changing the setting never moves
the deadline of work already sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huitoukan.accounts.masking import mask_id_number
from huitoukan.accounts.scope import managed_regions
from huitoukan.registry.choices import RegionLevel

from .models import WarningDispatch
from .warnings import CHUNK, UNKNOWN_TOWN

Outcome = WarningDispatch.Outcome
NOTE_MAX = 1000
#: Outcomes that close a signal with "nothing to bring in": the office wants to read why.
NOTE_REQUIRED = frozenset({Outcome.NOT_ELIGIBLE, Outcome.NOT_FOUND})

OPEN, DISPATCHED, OVERDUE, VISITED = "open", "dispatched", "overdue", "visited"
STATUS_LABELS = {
    OPEN: gettext_lazy("not dispatched"),
    DISPATCHED: gettext_lazy("dispatched, to visit"),
    OVERDUE: gettext_lazy("dispatched, visit overdue"),
    VISITED: gettext_lazy("visited"),
}


def visit_days() -> int:
    return int(settings.WARNING_VISIT_DAYS)


def scoped_dispatches(user):
    """Dispatches sent to a town, or a village, the user answers for (accounts.scope's managed
    regions: their own and everything below). Another town's dispatch does not exist for them."""
    regions = managed_regions(user)
    return WarningDispatch.objects.filter(Q(town__in=regions.values("id")) | Q(village__in=regions.values("id")))


def dispatch_status(dispatch: WarningDispatch, today: dt.date) -> str:
    if dispatch.visited_on is not None:
        return VISITED
    return OVERDUE if dispatch.due_on < today else DISPATCHED


def _by_key(field_name: str, keys: list[str]) -> list[WarningDispatch]:
    out = []
    for start in range(0, len(keys), CHUNK):
        out.extend(WarningDispatch.objects.filter(**{f"{field_name}__in": keys[start:start + CHUNK]})
                   .select_related("town", "visited_by", "dispatched_by"))
    return out


def attach_status(rows: list[dict], today: dt.date | None = None) -> list[dict]:
    """Sets on each row `dispatch` (the WarningDispatch or None), `status` (OPEN, DISPATCHED,
    OVERDUE, VISITED) and `earlier` (the person's visited dispatches under other keys, newest
    first): one query for the keys and one for the people, whatever the number of rows. A row of
    no town that was dispatched to a town chosen by hand is placed in that town."""
    today = today or timezone.localdate()
    own = {d.signal_key: d for d in _by_key("signal_key", sorted({r["signal_key"] for r in rows}))}
    people: dict[str, list[WarningDispatch]] = {}
    for d in sorted(_by_key("person_key", sorted({r["person_key"] for r in rows})),
                    key=lambda d: d.dispatched_at, reverse=True):
        if d.visited_on is not None:
            people.setdefault(d.person_key, []).append(d)
    for row in rows:
        dispatch = own.get(row["signal_key"])
        row["dispatch"] = dispatch
        row["status"] = OPEN if dispatch is None else dispatch_status(dispatch, today)
        if dispatch is not None and row["town_key"] == UNKNOWN_TOWN:
            # Placed by hand when dispatched: from then on it is that town's signal.
            row["town_key"], row["town"] = str(dispatch.town_id), dispatch.town.name
        row["earlier"] = [d for d in people.get(row["person_key"], []) if d.signal_key != row["signal_key"]]
    return rows


def filter_status(rows: list[dict], status: str) -> list[dict]:
    if status == DISPATCHED:  # "dispatched, not yet visited" includes the overdue ones
        return [r for r in rows if r["status"] in (DISPATCHED, OVERDUE)]
    if status in STATUS_LABELS:
        return [r for r in rows if r["status"] == status]
    return rows


def status_counts(rows: list[dict]) -> dict[str, dict[str, int]]:
    """{town_key: {"dispatched": n, "visited": n, "overdue": n}} of rows with attach_status's
    `status`; "dispatched" counts every dispatched signal, visited or not."""
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        entry = out.setdefault(row["town_key"], {"dispatched": 0, "visited": 0, "overdue": 0})
        if row["status"] != OPEN:
            entry["dispatched"] += 1
        if row["status"] == VISITED:
            entry["visited"] += 1
        elif row["status"] == OVERDUE:
            entry["overdue"] += 1
    return out


# --- dispatching -------------------------------------------------------------------------------

@dataclass
class Dispatched:
    created: int = 0
    skipped: int = 0  # dispatched already (now or by someone else before)
    no_town: list[dict] = field(default_factory=list)  # rows left: no town, none chosen


def dispatchable_towns(user):
    """The towns a dispatcher may send a signal to, or choose for one that names none."""
    return managed_regions(user).filter(level=RegionLevel.TOWN).order_by("code")


def dispatch_rows(user, rows: list[dict], month: dt.date, towns_by_hand: dict[str, int] | None = None) -> Dispatched:
    """Dispatch the warnings rows `rows` (already limited to what `user` may see) to their towns,
    all in one transaction and one bulk insert. `towns_by_hand`: {signal_key: town id} for rows
    whose town is unknown; a town outside the user's regions is ignored (the row stays left)."""
    towns_by_hand = towns_by_hand or {}
    allowed = set(dispatchable_towns(user).values_list("pk", flat=True))
    now = timezone.now()
    due = timezone.localdate(now) + dt.timedelta(days=visit_days())
    result = Dispatched()
    unique = list({r["signal_key"]: r for r in rows}.values())
    with transaction.atomic():
        existing = {d.signal_key for d in _by_key("signal_key", [r["signal_key"] for r in unique])}
        new = []
        for row in unique:  # the rows a person ticked or filtered: hundreds at most
            if row["signal_key"] in existing:
                result.skipped += 1
                continue
            by_hand = row["town_key"] == UNKNOWN_TOWN
            town_id = towns_by_hand.get(row["signal_key"]) if by_hand else int(row["town_key"])
            if town_id not in allowed:
                result.no_town.append(row)
                continue
            new.append(_dispatch_of(row, user, month, now, due, town_id, by_hand))
        # A concurrent dispatch of the same signal loses quietly to the unique key, counted below.
        WarningDispatch.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
        keys = [d.signal_key for d in new]
        created = 0
        for start in range(0, len(keys), CHUNK):
            created += WarningDispatch.objects.filter(signal_key__in=keys[start:start + CHUNK], dispatched_at=now,
                                                      dispatched_by=user).count()
        result.created, result.skipped = created, result.skipped + len(new) - created
    return result


def _dispatch_of(row, user, month, now, due, town_id, by_hand) -> WarningDispatch:
    return WarningDispatch(
        signal_key=row["signal_key"], person_key=row["person_key"], signal=row["signal"], month=month.replace(day=1),
        town_id=town_id, village_id=row.get("village_id"), town_by_hand=by_hand,
        person_id=row["person_id"], household_id=row["household_id"], household_no=row["household_no"] or "",
        dataset=row["dataset"], load_id=row["load_id"], row_number=row["row_number"], records=row["records"],
        link=row["link"] or "", name=(row["name"] or "")[:100],
        id_number_masked=mask_id_number(row["id_number"] or "")[:40], address=(row["address"] or "")[:255],
        event_date=row["event_date"], category=(row["category"] or "")[:100], grade=row["grade"],
        self_paid=row["self_paid"], dispatched_by=user, dispatched_at=now, due_on=due,
    )


# --- the visit ---------------------------------------------------------------------------------

class VisitError(ValueError):
    """A visit that cannot be recorded; `field` names what is wrong (None: the whole visit)."""

    def __init__(self, message: str, field_name: str | None = None):
        super().__init__(message)
        self.field = field_name


def record_visit(dispatch: WarningDispatch, user, *, visited_on: dt.date, outcome: str, note: str = "") -> WarningDispatch:
    """The visit's date, outcome and note, with who and when. Once: a recorded visit is the
    office's record (留痕) and is not written over — the county may return it for another visit
    (return_visit), which keeps it."""
    note = (note or "").strip()
    today = timezone.localdate()
    if outcome not in Outcome.values:
        raise VisitError(_("Choose what the visit found."), "outcome")
    if visited_on > today:
        raise VisitError(_("The visit date cannot be in the future."), "visited_on")
    if visited_on < timezone.localdate(dispatch.dispatched_at):
        raise VisitError(_("The visit date cannot be before the dispatch."), "visited_on")
    if outcome in NOTE_REQUIRED and not note:
        raise VisitError(_("Say why: a note is required for this outcome."), "note")
    if len(note) > NOTE_MAX:
        raise VisitError(_("The note is too long."), "note")
    with transaction.atomic():
        locked = WarningDispatch.objects.select_for_update().get(pk=dispatch.pk)
        if locked.visited_on is not None:
            raise VisitError(_("This visit has been recorded already."))
        locked.visited_on, locked.outcome, locked.visit_note = visited_on, outcome, note
        locked.visited_by, locked.visited_at = user, timezone.now()
        locked.save(update_fields=["visited_on", "outcome", "visit_note", "visited_by", "visited_at"])
    return locked


def return_visit(dispatch: WarningDispatch, user, *, reason: str) -> WarningDispatch:
    """Sends a visited signal back to its town for another visit (退回重访): the county finds the
    visit's record wrong or thin. The visit moves, whole, into `returned_visits` with who returned
    it, when and why; the signal is open again, due VISIT_DAYS from today."""
    reason = (reason or "").strip()
    if not reason:
        raise VisitError(_("Say why the visit is returned."), "reason")
    if len(reason) > NOTE_MAX:
        raise VisitError(_("The note is too long."), "reason")
    with transaction.atomic():
        locked = WarningDispatch.objects.select_for_update().get(pk=dispatch.pk)
        if locked.visited_on is None:
            raise VisitError(_("There is no recorded visit to return."))
        visitor = locked.visited_by
        locked.returned_visits = [*locked.returned_visits, {
            "visited_on": locked.visited_on.isoformat(), "outcome": locked.outcome, "note": locked.visit_note,
            "visited_by": visitor.get_full_name() or visitor.username if visitor else "",
            "visited_at": locked.visited_at.isoformat() if locked.visited_at else "",
            "returned_by": user.get_full_name() or user.username, "returned_at": timezone.now().isoformat(),
            "reason": reason,
        }]
        locked.visited_on, locked.outcome, locked.visit_note = None, "", ""
        locked.visited_by, locked.visited_at = None, None
        locked.due_on = timezone.localdate() + dt.timedelta(days=visit_days())
        locked.save(update_fields=["returned_visits", "visited_on", "outcome", "visit_note", "visited_by",
                                   "visited_at", "due_on"])
    return locked
