"""Registry pages: the household list (search, filters, export) and the household file.

Views only bind the request to queries.py / household_file.py / exports.py; every row they show
comes from the user's scope."""

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from huitoukan.accounts.audit import log_export
from huitoukan.accounts.decorators import capability_required
from huitoukan.accounts.roles import Capability

from . import exports, queries
from .filters import HouseholdFilterForm
from .household_file import household_file

view_registry = capability_required(Capability.VIEW_REGISTRY)


@view_registry
@require_GET
def household_list(request):
    form = HouseholdFilterForm(request.GET, user=request.user)
    filters = form.filters()
    households = queries.households_for_list(request.user, filters)
    page = queries.list_page(households, request.GET.get("page"))
    context = {"form": form, "page": page, "page_numbers": queries.page_window(page), "filters": filters,
               "query_string": _without_page(request)}
    # htmx asks for the results only (live filtering), plus the village select out of band since
    # its choices follow the town; a normal request, or a history reload, gets the whole page.
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "registry/household_list_results.html", context | {"oob": True})
    else:
        response = render(request, "registry/household_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@view_registry
@require_GET
def household_detail(request, pk):
    household = queries.household_for_user(request.user, pk)
    return render(request, "registry/household_detail.html", household_file(household, request.user))


@capability_required(Capability.EXPORT_PERSONAL)
@require_GET
def household_export(request):
    form = HouseholdFilterForm(request.GET, user=request.user)
    filters = form.filters()
    households = queries.households_for_list(request.user, filters)
    log_export(request.user, "registry.households", filters=filters, row_count=households.count(),
               request=request)
    response = StreamingHttpResponse(exports.stream_csv(households, request.user),
                                     content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="households-{stamp}.csv"'
    return response


def _without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
