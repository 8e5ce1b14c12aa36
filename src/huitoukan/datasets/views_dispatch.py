"""Dispatching early-warning signals to towns, and the towns' side: the signals sent to them and
the visit each one records. The domain is dispatch.py.

- `dispatch` (POST, from the warnings page): DISPATCH_WARNINGS, with the warnings page's own
  VIEW_DATASETS and VIEW_REGISTRY. The signals are recomputed here for the poster's scope and the
  posted month and filters — a posted key names a signal, it never brings data in — and one, the
  ticked, or all the filtered ones are dispatched.
- `dispatch_list`, `dispatch_detail` (VIEW_PROBLEMS): the dispatches of the user's regions
  (dispatch.scoped_dispatches); another town's is 404. A village cadre sees their villages'.
- `record_visit` (POST): RECTIFY_PROBLEMS — the roles that act on work sent to their region (county
  administrator, town and village cadres) — within scope.
- `return_visit` (POST): DISPATCH_WARNINGS — the county sends a visited signal back for another
  visit, with a reason; the returned visit is kept on the dispatch.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huitoukan.accounts.decorators import capability_required
from huitoukan.accounts.masking import health_for
from huitoukan.accounts.roles import Capability, can

from . import dispatch as domain
from .models import WarningDispatch
from .views_warnings import chosen_rows
from .warnings import SEVERE_DISABILITY, SIGNAL_LABELS

PAGE_SIZE = 50


def _back(query) -> str:
    keep = {k: query.get(k, "") for k in ("month", "town", "signal", "status") if query.get(k)}
    return reverse("datasets:warnings") + ("?" + urlencode(keep) if keep else "")


@capability_required(Capability.DISPATCH_WARNINGS)
@require_POST
def dispatch(request):
    if not (can(request.user, Capability.VIEW_DATASETS) and can(request.user, Capability.VIEW_REGISTRY)):
        raise PermissionDenied
    post = request.POST
    warnings, rows, (month, *_filters) = chosen_rows(request, post)
    if "one" in post:
        wanted = {post["one"]}
    elif post.get("action") == "all":
        wanted = {r["signal_key"] for r in rows}
    else:
        wanted = set(post.getlist("key"))
    if not wanted:
        messages.error(request, _("Tick the signals to dispatch."))
        return redirect(_back(post))
    # By key among all the month's rows the user may see (a ticked row need not match the filters).
    chosen = [r for r in warnings.rows if r["signal_key"] in wanted]
    towns_by_hand = {}
    for key in wanted:
        value = post.get(f"town_for_{key}") or ""
        if value.isdigit():
            towns_by_hand[key] = int(value)
    result = domain.dispatch_rows(request.user, chosen, month, towns_by_hand)
    messages.success(request, _("%(created)d signals dispatched to their towns; %(skipped)d were dispatched already.")
                     % {"created": result.created, "skipped": result.skipped})
    if result.no_town:
        messages.warning(request, _("%(n)d signals name no town: choose one for each, then dispatch them.")
                         % {"n": len(result.no_town)})
    return redirect(_back(post))


# --- the towns' side ---------------------------------------------------------------------------

VIEW_STATUSES = {"todo": gettext_lazy("to visit"), "overdue": gettext_lazy("overdue"),
                 "visited": gettext_lazy("visited")}


def _shown(user, d: WarningDispatch) -> WarningDispatch:
    """The health data of a dispatch as `user` may see it (the ID number is stored masked)."""
    d.grade_shown = health_for(user, d.grade)
    d.category_shown = health_for(user, d.category) if d.signal == SEVERE_DISABILITY else d.category
    d.self_paid_shown = health_for(user, d.self_paid)
    d.signal_label = SIGNAL_LABELS.get(d.signal, d.signal)
    d.status = domain.dispatch_status(d, timezone.localdate())
    return d


@capability_required(Capability.VIEW_PROBLEMS)
def dispatch_list(request):
    today = timezone.localdate()
    dispatches = domain.scoped_dispatches(request.user)
    counts = list(dispatches.values("town_id", "town__name").annotate(
        dispatched=Count("pk"), visited=Count("pk", filter=Q(visited_on__isnull=False)),
        overdue=Count("pk", filter=Q(visited_on__isnull=True, due_on__lt=today))).order_by("town__code"))
    town = request.GET.get("town") or ""
    status = request.GET.get("status") or ""
    if town.isdigit():
        dispatches = dispatches.filter(town_id=int(town))
    if status == "todo":
        dispatches = dispatches.filter(visited_on__isnull=True)
    elif status == "overdue":
        dispatches = dispatches.filter(visited_on__isnull=True, due_on__lt=today)
    elif status == "visited":
        dispatches = dispatches.filter(visited_on__isnull=False)
    page = Paginator(dispatches.select_related("town", "village", "visited_by").order_by(
        "visited_on", "due_on", "town__code", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [_shown(request.user, d) for d in page.object_list]
    return render(request, "datasets/dispatch_list.html", {
        "page": page, "counts": counts, "town": town, "status": status if status in VIEW_STATUSES else "",
        "statuses": list(VIEW_STATUSES.items()),
        "pager_query": urlencode({"town": town, "status": status}) + "&",
    })


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=gettext_lazy("Visited on"), widget=forms.DateInput(attrs={"type": "date"}))
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=WarningDispatch.Outcome.choices)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=domain.NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why the visit is returned"), max_length=domain.NOTE_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}))


def _detail(request, d: WarningDispatch, form: VisitForm, status=200, return_form: ReturnForm | None = None):
    earlier = domain.scoped_dispatches(request.user).filter(person_key=d.person_key).exclude(pk=d.pk) \
        .select_related("town", "visited_by").order_by("-dispatched_at")
    outcomes = dict(WarningDispatch.Outcome.choices)
    returned = [{**r, "outcome_label": outcomes.get(r.get("outcome"), r.get("outcome"))} for r in d.returned_visits]
    return render(request, "datasets/dispatch_detail.html", {
        "d": _shown(request.user, d), "form": form, "earlier": [_shown(request.user, e) for e in earlier],
        "can_visit": can(request.user, Capability.RECTIFY_PROBLEMS) and d.visited_on is None,
        "can_return": can(request.user, Capability.DISPATCH_WARNINGS) and d.visited_on is not None,
        "return_form": return_form or ReturnForm(), "returned": returned,
        "note_required": sorted(domain.NOTE_REQUIRED),
    }, status=status)


def _scoped_dispatch(request, pk: int) -> WarningDispatch:
    """The dispatch, if it is in the user's regions (404 otherwise: another town's is not shown)."""
    return get_object_or_404(domain.scoped_dispatches(request.user).select_related(
        "town", "village", "dispatched_by", "visited_by", "household"), pk=pk)


@capability_required(Capability.VIEW_PROBLEMS)
def dispatch_detail(request, pk: int):
    d = _scoped_dispatch(request, pk)
    return _detail(request, d, VisitForm(initial={"visited_on": timezone.localdate()}))


@capability_required(Capability.RECTIFY_PROBLEMS)
@require_POST
def record_visit(request, pk: int):
    d = _scoped_dispatch(request, pk)
    form = VisitForm(request.POST)
    if form.is_valid():
        try:
            domain.record_visit(d, request.user, visited_on=form.cleaned_data["visited_on"],
                                outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"])
        except domain.VisitError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, _("Visit recorded."))
            return redirect("datasets:dispatch_detail", pk=pk)
    return _detail(request, d, form, status=400)


@capability_required(Capability.DISPATCH_WARNINGS)
@require_POST
def return_visit(request, pk: int):
    """退回重访: the county sends a visited signal back to its town (dispatch.return_visit)."""
    d = _scoped_dispatch(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            domain.return_visit(d, request.user, reason=form.cleaned_data["reason"])
        except domain.VisitError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("The visit is returned to the town for another visit."))
            return redirect("datasets:dispatch_detail", pk=pk)
    return _detail(request, d, VisitForm(initial={"visited_on": timezone.localdate()}), status=400,
                   return_form=form)
