"""The rectification workflow on the web: the steps of a problem (start, progress, report fixed,
verify, return) with their explanation and evidence, the evidence files, and assignment of one
problem from its page or of many from the list.

Views bind the request to workflow.py and assignment.py, which decide and refuse. A refusal
re-renders the page with the message and what was typed (403 when it is the user who may not, 400
when it is what they sent); a problem outside the user's regions is 404 everywhere, its evidence
too, so that its existence does not leak."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huitoukan.accounts.audit import log_export
from huitoukan.accounts.decorators import capability_required
from huitoukan.accounts.roles import Capability, can

from . import assignment, evidence, queries, workflow
from .choices import Action, Source, Status
from .forms import ALL_MATCHING, AssignForm, BulkAssignForm, StepForm, people_for_problem, people_for_regions
from .views import _form, detail_context, list_context

view_problems = capability_required(Capability.VIEW_PROBLEMS)
assign_problems = capability_required(Capability.ASSIGN_PROBLEMS)


# ---- the problem page's part -----------------------------------------------------------------


def detail_workflow_context(request, problem, *, step_action: str = "", step_error: str = "", step_note: str = "",
                            files_sent: bool = False, assign_form=None, assign_error: str = "") -> dict:
    """The workflow panel of the problem page: where it stands, the steps the user may take (one
    form each, the refused one with its error and the note kept), the assignment form, the history."""
    user = request.user
    steps = workflow.allowed_steps(problem, user)
    step_forms = [{"step": step, "note": step_note if step.action == step_action else "",
                   "error": step_error if step.action == step_action else "",
                   "files_sent": files_sent and step.action == step_action} for step in steps]
    # A refusal of a step the user no longer has a form for (their role, or the status changed
    # meanwhile) is shown above the panel, with the note they wrote.
    shown_actions = {step.action for step in steps}
    panel_error = step_error if step_error and step_action not in shown_actions else ""
    may_assign = can(user, Capability.ASSIGN_PROBLEMS) and problem.status != Status.CLOSED
    if may_assign and assign_form is None:
        assign_form = AssignForm(people=people_for_problem(problem), initial={
            "unit": problem.responsible_unit, "person": problem.responsible_person_id, "deadline": problem.deadline})
    return {
        "overdue_days": overdue_days(problem),
        "step_forms": step_forms,
        "panel_error": panel_error,
        "panel_note": step_note if panel_error else "",
        "assign_form": assign_form if may_assign else None,
        "assign_error": assign_error,
        "timeline": timeline(problem),
    }


def overdue_days(problem, today=None) -> int:
    """Days past the deadline of a problem still being worked; 0 when it is not overdue."""
    today = today or timezone.localdate()
    return (today - problem.deadline).days if assignment.is_overdue(problem, today) else 0


def timeline(problem) -> list:
    """The problem's events, each with `lines`: its details in words, as (text, link or "")."""
    events = queries.problem_events(problem)
    last_closure = None
    for event in events:
        event.lines = _detail_lines(event, last_closure)
        if event.action == Action.VERIFIED:
            last_closure = event
    return events


def _detail_lines(event, last_closure) -> list[tuple[str, str]]:
    details = event.details or {}
    if event.action == Action.ASSIGNED:
        return _assignment_lines(details.get("before") or {}, details.get("after") or {})
    lines = []
    if details.get("run"):
        lines.append((_("Found by look-back run #%(run)s") % {"run": details["run"]},
                      reverse("lookback:run_detail", args=[details["run"]])))
    if details.get("source"):
        source = details["source"]
        label = Source(source).label if source in Source.values else source
        text = _("Found by %(source)s") % {"source": label}
        if details.get("round"):
            text += _(", round %(round)s") % {"round": details["round"]}
        lines.append((text, ""))
    if event.action == Action.REOPENED:
        lines.append((_closure_text(details, last_closure), ""))
    return lines


def _assignment_lines(before: dict, after: dict) -> list[tuple[str, str]]:
    fields = (("unit", _("responsible unit")), ("person_name", _("responsible person")), ("deadline", _("deadline")))
    lines = []
    for key, label in fields:
        old, new = before.get(key) or "—", after.get(key) or "—"
        if old != new:
            lines.append((_("%(field)s: %(before)s → %(after)s") % {"field": label, "before": old, "after": new}, ""))
    return lines


def _closure_text(details: dict, last_closure) -> str:
    """The closure a recurrence undid: who verified it and when (from its VERIFIED event, which
    keeps the name even if the account changed)."""
    if last_closure is not None:
        return _("The closure it undid: verified by %(name)s on %(time)s.") % {
            "name": last_closure.actor_name or "—", "time": _local(last_closure.at)}
    closed_at = parse_datetime(str(details.get("closed_at") or ""))
    return _("The closure it undid: closed on %(time)s.") % {
        "time": _local(closed_at) if closed_at else details.get("closed_at") or "—"}


def _local(moment) -> str:
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _render_problem(request, problem, status: int, **workflow_state):
    problem = queries.problem_for_user(request.user, problem.pk)  # as it is now, after the refusal
    return render(request, "rectification/problem_detail.html", detail_context(request, problem, **workflow_state),
                  status=status)


@view_problems
@require_POST
def problem_step(request, pk):
    problem = queries.problem_for_user(request.user, pk)
    form = StepForm(request.POST)
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")
    files = request.FILES.getlist("files")
    try:
        if not form.is_valid():
            raise workflow.StepRefused(" ".join(e for errors in form.errors.values() for e in errors))
        workflow.take_step(problem, request.user, action, note=form.cleaned_data["note"], files=files)
    except workflow.StepRefused as refused:
        return _render_problem(request, problem, 403 if refused.permission else 400, step_action=action,
                               step_error=refused.message, step_note=note, files_sent=bool(files))
    messages.success(request, _("%(step)s: done.") % {"step": workflow.STEPS[action].label})
    return redirect("rectification:problem_detail", pk=problem.pk)


@view_problems
@assign_problems
@require_POST
def problem_assign(request, pk):
    problem = queries.problem_for_user(request.user, pk)
    form = AssignForm(request.POST, people=people_for_problem(problem))
    if not form.is_valid():
        return _render_problem(request, problem, 400, assign_form=form)
    try:
        result = assignment.assign([problem.pk], request.user, **form.assignment())
    except workflow.StepRefused as refused:
        return _render_problem(request, problem, 403 if refused.permission else 400, assign_form=form,
                               assign_error=refused.message)
    messages.success(request, assigned_message(result))
    return redirect("rectification:problem_detail", pk=problem.pk)


def assigned_message(result: assignment.Assigned) -> str:
    return _("%(assigned)d assigned, %(closed)d closed left as they were.") % {
        "assigned": result.assigned, "closed": result.skipped_closed}


# ---- the list's part -------------------------------------------------------------------------


def list_workflow_context(request, page, *, bulk_form=None, bulk_error: str = "") -> dict:
    """Overdue days of the rows shown, and the bulk assignment form (with the ticked rows kept
    when it is shown again after a refusal)."""
    today = timezone.localdate()
    for problem in page.object_list:
        problem.overdue_days = overdue_days(problem, today)
    may_assign = can(request.user, Capability.ASSIGN_PROBLEMS)
    ticked = set()
    if may_assign and bulk_form is None:
        bulk_form = BulkAssignForm(people=people_for_regions(request.user))
    elif bulk_form is not None and bulk_form.is_bound:
        ticked = {int(v) for v in bulk_form.data.getlist("problem") if str(v).isdigit()}
    return {"bulk_form": bulk_form if may_assign else None, "bulk_error": bulk_error, "ticked": ticked,
            "matching": page.paginator.count}


@view_problems
@assign_problems
@require_POST
def problems_assign(request):
    """Bulk assignment from the list: the ticked rows, or every problem the list's filters (the
    query string this form posts to) match."""
    form = BulkAssignForm(request.POST, people=people_for_regions(request.user))
    if not form.is_valid():
        return _render_list(request, 400, bulk_form=form)
    if form.cleaned_data["which"] == ALL_MATCHING:
        problems = queries.problems_for_list(request.user, _form(request).filters())
        expected = request.POST.get("matching", "")
        if expected.isdigit() and int(expected) != problems.count():
            return _render_list(request, 400, bulk_form=form, bulk_error=_(
                "The filters now match %(now)d problems, not %(then)s: look at the list again and confirm.") % {
                "now": problems.count(), "then": expected})
    else:
        problems = form.cleaned_data["problem"]
    try:
        result = assignment.assign(problems, request.user, **form.assignment())
    except workflow.StepRefused as refused:
        return _render_list(request, 403 if refused.permission else 400, bulk_form=form, bulk_error=refused.message)
    messages.success(request, assigned_message(result))
    query = request.GET.urlencode()
    return redirect(reverse("rectification:problem_list") + (f"?{query}" if query else ""))


def _render_list(request, status: int, **workflow_state):
    return render(request, "rectification/problem_list.html", list_context(request, **workflow_state), status=status)


# ---- evidence --------------------------------------------------------------------------------


@view_problems
@require_GET
def evidence_download(request, pk):
    """One evidence file, to a user who may see its problem (else 404). Photos and PDF open in the
    browser, Office documents download; either way sandboxed and never cached by the way."""
    item = get_object_or_404(queries.scoped_evidence(request.user), pk=pk)
    ext = evidence.extension(item.original_name)
    kind = evidence.KINDS.get(ext)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("The file is no longer on the server.")) from missing
    response = FileResponse(handle, content_type=item.content_type, as_attachment=not (kind and kind.inline),
                            filename=item.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    # Evidence may show people (a photo of a household, a signed form): its downloads are logged.
    log_export(request.user, "rectification.evidence", filters={"evidence": pk}, row_count=1, file_format=ext,
               request=request)
    return response
