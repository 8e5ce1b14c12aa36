"""Problem ledger pages: the list (filters, search, export) and the problem page.

Views bind the request to queries.py and exports.py; every problem they show comes from the
user's scope, and ID numbers in names, descriptions and values follow the user's masking right."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from huitoukan.accounts.audit import log_export
from huitoukan.accounts.decorators import capability_required
from huitoukan.accounts.roles import Capability
from huitoukan.lookback.models import Finding
from huitoukan.lookback.views import safe_rule_catalog
from huitoukan.registry.queries import page_window

from . import exports, queries
from .choices import Severity
from .filters import ProblemFilterForm
from .residents import is_resident, resident_of

view_problems = capability_required(Capability.VIEW_PROBLEMS)


def _catalog_titles() -> dict[str, str]:
    return {rule.code: rule.title for rule in safe_rule_catalog()}


def _form(request):
    codes = queries.code_choices(request.user, _catalog_titles())
    return ProblemFilterForm(request.GET, user=request.user, codes=codes)


@view_problems
@require_GET
def problem_list(request):
    context = list_context(request)
    # htmx asks for the results only (live filtering) and the village select out of band, as the
    # household list does; a normal request or a history reload gets the whole page.
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "rectification/problem_list_results.html", context | {"oob": True})
    else:
        response = render(request, "rectification/problem_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def list_context(request, **workflow) -> dict:
    """What the list page shows for the request's filters (also re-rendered by the bulk assignment
    when it refuses, with its form and the ticked rows kept)."""
    # Imported here: views_workflow builds on this module.
    from .views_workflow import list_workflow_context

    form = _form(request)
    filters = form.filters()
    problems = queries.problems_for_list(request.user, filters)
    page = queries.list_page(problems, request.GET.get("page"))
    for problem in page.object_list:
        problem.shown_household = problem.household or (problem.person.household if problem.person else None)
        # A person outside the registry (ENTRY_MISSED) has no person row: the finding's name.
        problem.resident_name = (problem.values or {}).get("name", "") if is_resident(problem) else ""
        problem.shown_description = queries.shown_text(request.user, problem.description, problem.values,
                                                       _id_number(problem))
    context = {"form": form, "page": page, "page_numbers": page_window(page), "filters": filters,
               "query_string": _without_page(request)}
    return context | list_workflow_context(request, page, **workflow)


@view_problems
@capability_required(Capability.EXPORT_PERSONAL)
@require_GET
def problem_export(request, file_format):
    if file_format not in exports.CONTENT_TYPES:
        raise Http404
    filters = _form(request).filters()
    problems = queries.problems_for_list(request.user, filters)
    response = HttpResponse(content_type=exports.CONTENT_TYPES[file_format])
    count = exports.write_problems(problems, response, file_format, user=request.user)
    log_export(request.user, "rectification.problems", filters=filters, row_count=count, file_format=file_format,
               request=request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="problems-{stamp}.{file_format}"'
    return response


@view_problems
@require_GET
def problem_detail(request, pk):
    problem = queries.problem_for_user(request.user, pk)
    return render(request, "rectification/problem_detail.html", detail_context(request, problem))


def detail_context(request, problem, **workflow) -> dict:
    """What the problem page shows; `workflow` carries a refused form's error and kept input (the
    workflow views re-render the page with it)."""
    # Imported here: views_workflow builds on this module.
    from .views_workflow import detail_workflow_context

    user = request.user
    findings = list(
        Finding.objects.filter(problem=problem).select_related("run").order_by("-run__as_of", "-run_id")
    )
    severities = dict(Severity.choices)
    for finding in findings:
        finding.severity_label = severities.get(finding.severity, finding.severity)
        finding.shown_message = queries.shown_text(user, finding.message, finding.values, _id_number(problem))
    household = problem.household or (problem.person.household if problem.person else None)
    rule = next((r for r in safe_rule_catalog() if r.code == problem.code), None)
    return {
        "problem": problem,
        "rule": rule,
        "description": queries.shown_text(user, problem.description, problem.values, _id_number(problem)),
        "values": queries.shown_values(user, problem.values),
        "household": household,
        "person": problem.person,
        "resident": resident_of(problem),
        "sources": problem.sources.select_related("run", "created_by").order_by("created_at", "pk"),
        "findings": findings,
    } | detail_workflow_context(request, problem, **workflow)


def _without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _id_number(problem) -> str:
    return problem.person.id_number if problem.person else ""
