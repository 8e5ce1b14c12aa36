"""The home page: the user's registry at a glance, counted over their regions only."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import pgettext

from huitoukan.accounts.roles import Capability, can
from huitoukan.accounts.scope import managed_regions
from huitoukan.registry.choices import (
    MONITORING_STATUSES,
    HouseholdStatus,
    HouseholdType,
    MainCause,
    RegionLevel,
)
from huitoukan.registry.models import Region
from huitoukan.registry.queries import registry_overview


def _rows(overview, key, choices):
    """(value, label, households, people) for every choice, then a row for blanks if there are any."""
    households, people = overview[f"households_by_{key}"], overview[f"people_by_{key}"]
    rows = [(value, label, households.get(value, 0), people.get(value, 0)) for value, label in choices]
    blank_h, blank_p = households.get("", 0) + households.get(None, 0), people.get("", 0) + people.get(None, 0)
    if blank_h or blank_p:
        rows.append(("", None, blank_h, blank_p))
    return rows


def _lookback_blocks(user) -> dict:
    """五个底子 from the latest runs over the user's villages, and the open problems of the ledger."""
    if not can(user, Capability.VIEW_PROBLEMS):
        return {}
    from huitoukan.lookback.baselines import baselines_for_regions
    from huitoukan.rectification.choices import Category
    from huitoukan.rectification.queries import open_summary

    baselines = baselines_for_regions(None if user.is_superuser else list(user.regions.values_list("id", flat=True)))
    poor_villages = managed_regions(user).filter(level=RegionLevel.VILLAGE, is_poor_village=True).count()
    summary = open_summary(user)
    categories = [(value, label, summary["by_category"].get(value, 0)) for value, label in Category.choices
                  if summary["by_category"].get(value)]
    return {
        "show_lookback": True,
        "rectification": _rectification_block(user),
        "baselines": baselines | {"poor_villages": poor_villages,
                                  "returned_and_new": baselines["returned_people"] + baselines["newly_identified_people"]},
        "problems": summary | {"categories": categories, "top_codes": summary["codes"][:8]},
        "may_run_lookback": can(user, Capability.RUN_LOOKBACK),
    }


def _rectification_block(user) -> dict:
    """Overdue problems, the user's own unclosed ones, the closure rate of their scope and unread
    notices: one aggregate over the scoped ledger and one count of notices."""
    from django.db.models import Count, Q

    from huitoukan.rectification import notices
    from huitoukan.rectification.assignment import overdue_q
    from huitoukan.rectification.choices import Status
    from huitoukan.rectification.queries import scoped_problems
    from huitoukan.rectification.reports import share

    counts = scoped_problems(user).order_by().aggregate(
        total=Count("id"),
        closed=Count("id", filter=Q(status=Status.CLOSED)),
        overdue=Count("id", filter=overdue_q()),
        mine=Count("id", filter=Q(responsible_person_id=user.pk) & ~Q(status=Status.CLOSED)),
    )
    rate = share(counts["closed"], counts["total"])
    return counts | {"closed_rate": "—" if rate is None else f"{rate * 100:.1f}%",
                     "unread": notices.unread_count(user)}


@login_required
def home(request):
    if not can(request.user, Capability.VIEW_REGISTRY):
        # Department data providers upload lists; the registry's numbers are not theirs to read.
        return render(request, "web/home.html", {})
    overview = registry_overview(request.user)
    towns = Region.objects.in_bulk(list(overview["households_by_town"]))
    town_rows = sorted(
        ((towns[tid], n, overview["people_by_town"].get(tid, 0)) for tid, n in overview["households_by_town"].items()),
        key=lambda row: row[0].code,
    )
    status_rows = _rows(overview, "status", HouseholdStatus.choices)
    monitored = sum(h for value, _label, h, _p in status_rows if value in MONITORING_STATUSES)
    charts = {
        "status": [{"name": str(label), "value": h, "code": value} for value, label, h, _p in status_rows
                   if h and label],
        "labels": {"households": pgettext("count", "households"), "people": pgettext("count", "people")},
        "towns": {"names": [t.name for t, _h, _p in town_rows], "households": [h for _t, h, _p in town_rows],
                  "people": [p for _t, _h, p in town_rows]},
        "causes": sorted(([str(label), h] for _v, label, h, _p in _rows(overview, "cause", MainCause.choices)
                          if label and h), key=lambda pair: pair[1]),
    }
    return render(request, "web/home.html", {
        **_lookback_blocks(request.user),
        "overview": overview,
        "status_rows": status_rows,
        "type_rows": _rows(overview, "type", HouseholdType.choices),
        "cause_rows": _rows(overview, "cause", MainCause.choices),
        "town_rows": town_rows,
        "monitored_households": monitored,
        "not_lifted_households": overview["households_by_status"].get(HouseholdStatus.NOT_LIFTED, 0),
        "charts": charts,
    })
