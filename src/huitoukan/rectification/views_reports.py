"""Pages of the rectification reports: self-check vs census, rates per town and village, the
rectification ledger (整改台账) as Excel, and the user's notices.

Views bind the request to reports.py, ledger_export.py and notices.py; every number is counted over
the user's scope, and a town or round outside it simply has nothing to show."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from huitoukan.accounts.audit import log_export
from huitoukan.accounts.decorators import capability_required
from huitoukan.accounts.roles import Capability, can
from huitoukan.accounts.scope import scoped_regions

from . import exports, ledger_export, notices, queries, reports
from .choices import Source
from .views import _form

view_problems = capability_required(Capability.VIEW_PROBLEMS)
export_personal = capability_required(Capability.EXPORT_PERSONAL)
XLSX = exports.CONTENT_TYPES["xlsx"]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _int_param(request, name):
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _scope_label(user, region_ids=()) -> str:
    """The title's scope: the chosen regions, else the user's own, else 全部 (a superuser)."""
    regions = scoped_regions(user).filter(pk__in=[r for r in region_ids if r]).order_by("code")
    if not regions:
        regions = user.regions.order_by("code") if not user.is_superuser else []
    names = [r.name for r in regions]
    return "、".join(names) if names else "全部"


def _attachment(response, stem: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.xlsx"'
    return response


# ---- self-check vs census ---------------------------------------------------------------------

def _selfcheck_choice(request):
    rounds = reports.selfcheck_rounds(request.user)
    chosen = request.GET.get("round", "")
    return rounds, (chosen if chosen in rounds else (rounds[0] if rounds else ""))


@view_problems
@require_GET
def selfcheck_report(request):
    user = request.user
    rounds, chosen = _selfcheck_choice(request)
    context = {"rounds": rounds, "round": chosen, "outside_sources": [Source(s).label for s in reports.OUTSIDE_SOURCES]}
    if chosen:
        report = reports.selfcheck_gaps(user, chosen)
        for row in [*report.rows, report.total]:
            row.missed_percent = percent(row.missed_share)
        town_id = _int_param(request, "town")
        town = next((r.town for r in report.rows if r.town and r.town.pk == town_id), None)
        missed_page = None
        if town_id is not None or request.GET.get("missed") == "all":
            page = Paginator(reports.missed_problems(user, chosen, town.pk if town else None), 50).get_page(
                request.GET.get("page"))
            page.object_list = reports.missed_rows(page.object_list, chosen)
            source_labels = dict(Source.choices)
            for problem, sources in page.object_list:
                problem.shown_description = queries.shown_text(
                    user, problem.description, problem.values, problem.person.id_number if problem.person else "")
                problem.shown_household = problem.household or (problem.person.household if problem.person else None)
                problem.source_labels = "、".join(str(source_labels.get(s, s)) for s in sources)
            missed_page = page
        context |= {"report": report, "town": town, "missed_page": missed_page,
                    "may_export": can(user, Capability.EXPORT_PERSONAL)}
    return render(request, "rectification/report_selfcheck.html", context)


@view_problems
@export_personal
@require_GET
def selfcheck_export(request):
    user = request.user
    _rounds, chosen = _selfcheck_choice(request)
    report = reports.selfcheck_gaps(user, chosen) if chosen else reports.SelfCheck(round="", sources=())
    missed = reports.missed_rows(reports.missed_problems(user, chosen), chosen) if chosen else []
    response = HttpResponse(content_type=XLSX)
    # Logged before the file is written, as every export is.
    log_export(user, "rectification.selfcheck", filters={"round": chosen}, row_count=len(missed),
               file_format="xlsx", request=request)
    ledger_export.write_selfcheck(report, missed, response, user=user, scope=_scope_label(user))
    return _attachment(response, "selfcheck")


# ---- rates ------------------------------------------------------------------------------------

def _decorate(rows):
    for row in rows:
        row.rectified_percent, row.closed_percent = percent(row.rectified_rate), percent(row.closed_rate)
    return rows


@view_problems
@require_GET
def rates_report(request):
    user = request.user
    towns = _decorate(reports.rectification_rates(user, "town"))
    total = _decorate([reports.total_row(towns)])[0]
    town_id = _int_param(request, "town")
    town = next((r.region for r in towns if r.region and r.region.pk == town_id), None)
    villages = village_total = None
    if town is not None:
        villages = _decorate(reports.rectification_rates(user, "village", town_id=town.pk))
        village_total = _decorate([reports.total_row(villages)])[0]
    return render(request, "rectification/report_rates.html", {
        "towns": towns, "total": total, "town": town, "villages": villages, "village_total": village_total,
        "may_export": can(user, Capability.EXPORT_PERSONAL),
    })


# ---- the rectification ledger -----------------------------------------------------------------

#: What a printed ledger is read by: town, village, then household (as `problems export`).
LEDGER_ORDER = ("town__code", "village__code", "target_key", "code", "pk")


@view_problems
@export_personal
@require_GET
def ledger_xlsx(request):
    """整改台账 of what the problem list shows: the same filter form, the same query string."""
    user = request.user
    filters = _form(request).filters()
    problems = queries.problems_for_list(user, filters).order_by(*LEDGER_ORDER)
    response = HttpResponse(content_type=XLSX)
    log = log_export(user, "rectification.ledger", filters=filters, row_count=0, file_format="xlsx", request=request)
    count = ledger_export.write_rectification_ledger(
        problems, response, user, scope=_scope_label(user, [filters.get("village"), filters.get("town"),
                                                            filters.get("county")]))
    log.row_count = count
    log.save(update_fields=["row_count"])
    return _attachment(response, "rectification-ledger")


# ---- notices ----------------------------------------------------------------------------------

@view_problems
@require_GET
def notice_list(request):
    notices.refresh_if_due()
    page = Paginator(notices.notices_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "rectification/notices.html", {
        "page": page, "unread": notices.unread_count(request.user),
        "warning_days": settings.HUITOUKAN_DEADLINE_WARNING_DAYS})


@view_problems
@require_POST
def notices_read(request):
    """Mark all of the user's notices read (all=1), or the ones listed (id=…); never someone else's."""
    if request.POST.get("all"):
        ids = None
    else:
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    marked = notices.mark_read(request.user, ids)
    messages.success(request, ngettext("%(n)d notice marked read.", "%(n)d notices marked read.", marked)
                     % {"n": marked})
    return redirect("rectification:notice_list")
