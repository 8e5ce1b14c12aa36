"""Look-back pages: the runs (list, start, progress, result) and the rule catalog.

A run is visible to users whose regions it checked: one inside their regions is theirs in full; a
larger one (the whole registry, or their county for a town cadre) is shown with its counts limited
to their regions, so that no page tells a user about problems elsewhere. Starting a run needs
RUN_LOOKBACK; reading runs and rules needs VIEW_PROBLEMS.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from huitoukan.accounts.decorators import capability_required
from huitoukan.accounts.roles import Capability, can
from huitoukan.accounts.scope import managed_regions, scoped_regions
from huitoukan.policy.models import DEFAULTS, PolicyProfile
from huitoukan.rectification.choices import Category, Severity, TargetType
from huitoukan.rectification.models import Problem
from huitoukan.rectification.queries import problem_scope_q
from huitoukan.registry.models import Region

from . import catalog, service
from .forms import RunForm, group_rules
from .models import Finding, Run

log = logging.getLogger(__name__)
view_problems = capability_required(Capability.VIEW_PROBLEMS)

STATE_LABELS = dict(Run.State.choices)
WORKING = {Run.State.QUEUED, Run.State.RUNNING}


# ---- the rule catalog, read once per change of the rule files ---------------------------------

_catalog_cache: dict = {}


def _rule_files_signature() -> tuple:
    folders = [catalog.BUILTIN_DIR, *map(Path, getattr(settings, "HUITOUKAN_RULE_DIRS", None) or [])]
    files = []
    for folder in folders:
        if folder.is_dir():
            files += [(str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.yaml"))]
    return tuple(files)


def rule_catalog() -> list:
    """service.available_rules(), kept while no rule file changes (parsing every rule's SQL on
    every page would cost more than the page). Raises what the loader raises for a broken file."""
    signature = _rule_files_signature()
    if _catalog_cache.get("signature") != signature:
        _catalog_cache["rules"] = list(service.available_rules())
        _catalog_cache["signature"] = signature
    return _catalog_cache["rules"]


def safe_rule_catalog() -> list:
    """The catalog, or [] when a rule file is broken (the rules page says which and why)."""
    try:
        return rule_catalog()
    except (ValueError, NotImplementedError) as exc:
        log.warning("rule catalog unavailable: %s", exc)
        return []


# ---- which runs a user sees -------------------------------------------------------------------


def visible_runs(user):
    """Runs that checked any of the user's regions: the whole registry, a region they answer for,
    or one above their own (the county's run, for a town cadre)."""
    runs = Run.objects.select_related("region", "created_by", "policy")
    if user.is_superuser:
        return runs
    return runs.filter(Q(region__isnull=True) | Q(region__in=scoped_regions(user)))


def whole_runs_of(user):
    """A test: did this run check nothing outside the user's regions? (Reads the regions once.)"""
    if user.is_superuser:
        return lambda run: True
    managed = set(managed_regions(user).values_list("id", flat=True))
    return lambda run: run.region_id is not None and run.region_id in managed


def _scoped_findings(user, run):
    return Finding.objects.filter(run=run).filter(problem_scope_q(user, prefix="problem__"))


def _duration_text(seconds) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return _("%(s).1f s") % {"s": seconds}
    minutes, rest = divmod(round(seconds), 60)
    return _("%(m)d min %(s)02d s") % {"m": minutes, "s": rest}


def _decorate(run: Run) -> Run:
    run.state_label = STATE_LABELS.get(run.state, run.state)
    run.duration_text = _duration_text(run.duration)
    return run


# ---- runs: list and start ---------------------------------------------------------------------


@view_problems
@require_http_methods(["GET", "POST"])
def run_list(request):
    user = request.user
    may_start = can(user, Capability.RUN_LOOKBACK)
    form = None
    catalog_error = None
    if may_start:
        try:
            rules = rule_catalog()
        except (ValueError, NotImplementedError) as exc:
            rules, catalog_error = [], str(exc)
        form = RunForm(request.POST if request.method == "POST" else None, user=user, rules=rules)
        if request.method == "POST" and not catalog_error and form.is_valid():
            try:
                run = service.start_run(
                    as_of=form.cleaned_data["as_of"], region=form.cleaned_data["region"],
                    rule_codes=form.rule_codes(), engine=form.cleaned_data["engine"], user=user,
                )
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("lookback:run_detail", pk=run.pk)
    elif request.method == "POST":
        raise PermissionDenied

    page = Paginator(visible_runs(user), 25).get_page(request.GET.get("page"))
    runs = [_decorate(run) for run in page.object_list]
    _limit_counts_to_scope(user, runs)
    return render(request, "lookback/run_list.html", {
        "page": page, "runs": runs, "form": form, "may_start": may_start, "catalog_error": catalog_error,
    }, status=400 if form is not None and form.errors else 200)


def _limit_counts_to_scope(user, runs: list[Run]) -> None:
    """Runs larger than the user's regions show the findings and new problems inside them only
    (two grouped queries for the page, not two per run); 'no longer found' is not kept per region."""
    theirs = whole_runs_of(user)
    partial = [run for run in runs if not theirs(run)]
    for run in runs:
        run.partial = run in partial
    if not partial:
        return
    ids = [run.pk for run in partial]
    findings = dict(Finding.objects.filter(run_id__in=ids).filter(problem_scope_q(user, prefix="problem__"))
                    .values_list("run_id").annotate(n=Count("id")).order_by())
    new = dict(Problem.objects.filter(first_run_id__in=ids).filter(problem_scope_q(user))
               .values_list("first_run_id").annotate(n=Count("id")).order_by())
    for run in partial:
        run.findings_count = findings.get(run.pk, 0)
        run.new_problems = new.get(run.pk, 0)
        run.no_longer_found = None


# ---- one run ---------------------------------------------------------------------------------


def _run_for_user(user, pk) -> Run:
    return get_object_or_404(visible_runs(user), pk=pk)


@view_problems
@require_GET
def run_detail(request, pk):
    user = request.user
    run = _decorate(_run_for_user(user, pk))
    run.partial = not whole_runs_of(user)(run)
    context = {"run": run, "working": run.state in WORKING}
    if run.state == Run.State.DONE:
        context |= _result(user, run)
    return render(request, "lookback/run_detail.html", context)


@view_problems
@require_GET
def run_progress(request, pk):
    """The progress bar, polled by htmx; once the run is over, the page reloads itself."""
    run = _run_for_user(request.user, pk)
    if run.state not in WORKING:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(request, "lookback/run_progress.html", {"run": run})


def _result(user, run: Run) -> dict:
    rules = {rule.code: rule for rule in safe_rule_catalog()}
    if run.partial:
        counts = dict(_scoped_findings(user, run).values_list("code").annotate(n=Count("id")).order_by())
        new = Problem.objects.filter(first_run=run).filter(problem_scope_q(user)).count()
    else:
        counts, new = run.counts_by_rule or {}, run.new_problems
    codes = sorted(set(run.rule_versions or {}) | set(counts))
    categories, severities = dict(Category.choices), dict(Severity.choices)
    rule_rows = []
    for code in codes:
        rule = rules.get(code)
        rule_rows.append({
            "code": code, "rule": rule, "title": rule.title if rule else "",
            "category": rule.category if rule else "", "category_label": categories.get(rule.category) if rule else "",
            "severity": rule.severity if rule else "", "severity_label": severities.get(rule.severity) if rule else "",
            "target": TargetType(rule.target).label if rule and rule.target in TargetType.values else "",
            "count": counts.get(code, 0), "version": (run.rule_versions or {}).get(code, ""),
        })
    order = list(categories)
    rule_rows.sort(key=lambda r: (order.index(r["category"]) if r["category"] in order else len(order), r["code"]))
    return {
        "rule_rows": rule_rows,
        "total_findings": sum(counts.values()),
        "new_in_scope": new,
        "regions": _counts_by_town(user, run),
        "parameters": _parameter_rows(run.parameters or {}),
    }


def _counts_by_town(user, run: Run) -> dict:
    """Towns down, categories across, with totals; from the run's findings in the user's regions."""
    rows = (_scoped_findings(user, run).values_list("problem__town_id", "problem__category")
            .annotate(n=Count("id")).order_by())
    cells: dict = {}
    used_categories = set()
    for town_id, category, n in rows:
        cells.setdefault(town_id, {})[category] = n
        used_categories.add(category)
    categories = [(value, label) for value, label in Category.choices if value in used_categories]
    towns = Region.objects.in_bulk([t for t in cells if t is not None])
    table = []
    for town_id, by_category in cells.items():
        town = towns.get(town_id)
        table.append({"town": town, "cells": [(value, by_category.get(value, 0)) for value, _label in categories],
                      "total": sum(by_category.values())})
    table.sort(key=lambda row: row["town"].code if row["town"] else "~")
    totals = [(value, sum(row_cells.get(value, 0) for row_cells in cells.values())) for value, _l in categories]
    return {"categories": categories, "rows": table, "totals": totals, "total": sum(n for _v, n in totals)}


def _parameter_rows(parameters: dict) -> list[tuple[str, str, object]]:
    """(key, label, value) for the policy values a run used, in the profile's order."""
    rows = []
    for key, value in parameters.items():
        if key in ("as_of", "year"):
            continue
        rows.append((key, _parameter_label(key), value))
    order = list(DEFAULTS)
    rows.sort(key=lambda row: order.index(row[0]) if row[0] in order else len(order))
    return rows


def _parameter_label(key: str) -> str:
    try:
        return str(PolicyProfile._meta.get_field(key).verbose_name)
    except FieldDoesNotExist:  # a parameter no profile field names (a county's own rule)
        return key


# ---- the rule catalog --------------------------------------------------------------------------


@view_problems
@require_GET
def rule_list(request):
    try:
        rules, error = rule_catalog(), None
    except (ValueError, NotImplementedError) as exc:
        rules, error = [], str(exc)
    profile = PolicyProfile.for_date(timezone.localdate())
    values = profile.as_parameters() if profile else {}
    groups = []
    for category, label, members in group_rules(rules):
        groups.append((category, label, [_rule_row(rule, values) for rule in members]))
    return render(request, "lookback/rule_list.html", {
        "groups": groups, "rule_count": len(rules), "profile": profile, "error": error,
        "extra_dirs": getattr(settings, "HUITOUKAN_RULE_DIRS", None) or [],
    })


def _rule_row(rule, values: dict) -> dict:
    return {
        "rule": rule,
        "category_label": dict(Category.choices).get(rule.category, rule.category),
        "severity_label": dict(Severity.choices).get(rule.severity, rule.severity),
        "target_label": TargetType(rule.target).label if rule.target in TargetType.values else rule.target,
        "parameters": [(key, _parameter_label(key), values.get(key)) for key in rule.parameters],
        "builtin": Path(rule.path).parent == catalog.BUILTIN_DIR,
    }


@view_problems
@require_GET
def rule_detail(request, code):
    rule = next((r for r in safe_rule_catalog() if r.code == code), None)
    if rule is None:
        raise Http404
    profile = PolicyProfile.for_date(timezone.localdate())
    values = profile.as_parameters() if profile else {}
    return render(request, "lookback/rule_detail.html", {
        "row": _rule_row(rule, values), "rule": rule, "profile": profile,
        "tests": [_test_view(case) for case in rule.tests],
        "file_name": Path(rule.path).name,
    })


def _test_view(case) -> dict:
    """A test case as tables a reader can check by eye: one table per input, columns in the order
    first written."""
    tables = []
    for name, rows in case.tables.items():
        columns: list[str] = []
        for row in rows:
            columns += [c for c in row if c not in columns]
        tables.append({"name": name, "columns": columns,
                       "rows": [[row.get(c, "") for c in columns] for row in rows]})
    return {"case": case, "tables": tables}
