"""The link review queue: candidates the linkage could not decide, a person's accept or reject.

Reviewing says who a department's record is, which takes the full ID numbers on both sides: the
pages need VIEW_DATASETS and VIEW_ID_NUMBER (county administrators, inspectors). A reviewer sees
only candidates whose registry person lives in their regions (accounts.scope); another candidate
is 404, as if it did not exist. The decisions themselves are linking.decide's.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pyarrow as pa
import pyarrow.parquet as pq
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huitoukan.accounts.masking import id_number_for
from huitoukan.accounts.roles import Capability, can
from huitoukan.accounts.scope import scoped_people
from huitoukan.lookback.engine.idnumbers import check_id_numbers

from . import linking, tables
from .kinds import KIND_CHOICES
from .loading.normalise import preview
from .models import LinkReview
from .privacy import masked_rows

Status = LinkReview.Status
PAGE_SIZE = 50
NOTE_MAX = 1000


def reviewer_required(view):
    def wrapped(request, *args, **kwargs):
        if not (can(request.user, Capability.VIEW_DATASETS) and can(request.user, Capability.VIEW_ID_NUMBER)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__, wrapped.__doc__ = view.__name__, view.__doc__
    return login_required(wrapped)


def scoped_reviews(user):
    return LinkReview.objects.filter(person__in=scoped_people(user).values("pk"))


@reviewer_required
def review_list(request):
    kinds = dict(KIND_CHOICES)
    kind = request.GET.get("kind") or ""
    status = request.GET.get("status", Status.PENDING)
    reviews = scoped_reviews(request.user)
    if kind in kinds:
        reviews = reviews.filter(load__kind=kind)
    counts = dict(reviews.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    if status in Status.values:
        reviews = reviews.filter(status=status)
    page = Paginator(reviews.select_related("load", "person", "decided_by")
                     .order_by("load__kind", "load_id", "row_number", "-match_probability", "pk"),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "datasets/review_list.html", {
        "page": page, "kind": kind if kind in kinds else "", "status": status if status in Status.values else "",
        "pager_query": urlencode({"kind": kind if kind in kinds else "",
                                  "status": status if status in Status.values else "all"}) + "&",
        "kinds": KIND_CHOICES, "statuses": Status.choices,
        "counts": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
    })


@reviewer_required
def review_detail(request, pk: int):
    review = get_object_or_404(scoped_reviews(request.user).select_related(
        "load", "person__household__town", "person__household__village", "decided_by", "linkage"), pk=pk)
    record, headers, cells, extra, unavailable = {}, [], [], [], False
    try:
        table = pq.read_table(tables.parquet_path(review.load), filters=[("row_number", "=", review.row_number)])
        if table.num_rows:
            record = table.to_pylist()[0]
            shown = preview(review.load.kind_spec, table)
            headers = shown["headers"]
            cells = masked_rows(request.user, review.load.kind, shown)[0][1]
            extra = list(record.get("extra") or [])
    except tables.DatasetUnavailable:
        unavailable = True
    others = scoped_reviews(request.user).filter(load=review.load, row_number=review.row_number) \
        .exclude(pk=review.pk).select_related("person")
    return render(request, "datasets/review_detail.html", {
        "review": review, "headers": headers, "cells": list(zip(headers, cells)), "extra": extra,
        "unavailable": unavailable, "comparison": _comparison(request.user, record, review.person),
        "others": others, "note_max": NOTE_MAX,
    })


def _comparison(user, record: dict, person) -> list[dict]:
    """The fields both sides have, side by side, with `differs` set where they disagree."""
    birth = None
    if person.id_number:  # as the look-back derives it: from a valid number only
        birth = check_id_numbers(pa.array([person.id_number], pa.string()), dt.date.today())["birth_date"][0].as_py()
    household = person.household
    place = "".join(r.name for r in (household.town, household.village) if r is not None)
    sexes = {"male": _("male"), "female": _("female")}
    rows = [
        (_("Name"), record.get("name"), person.name),
        (_("ID number"), record.get("id_number"), person.id_number),
        (_("Sex"), record.get("sex"), person.sex or None),
        (_("Birth date"), record.get("birth_date"), birth),
    ]
    out = []
    for label, theirs, ours in rows:
        differs = theirs not in (None, "") and ours not in (None, "") and theirs != ours
        if label == _("ID number"):
            theirs, ours = (id_number_for(user, v) if v else v for v in (theirs, ours))
        elif label == _("Sex"):
            theirs, ours = sexes.get(theirs, theirs), sexes.get(ours, ours)
        out.append({"label": label, "record": theirs, "person": ours, "differs": differs})
    address = record.get("address")
    village = household.village.name if household.village else ""
    out.append({"label": _("Address / village"), "record": address, "person": place,
                "differs": bool(address) and bool(village) and village not in address})
    return out


@reviewer_required
@require_POST
def review_decide(request, pk: int):
    review = get_object_or_404(scoped_reviews(request.user), pk=pk)
    action = request.POST.get("action")
    if action not in ("accept", "reject"):
        messages.error(request, _("Choose accept or reject."))
        return redirect("datasets:review_detail", pk=pk)
    note = (request.POST.get("note") or "")[:NOTE_MAX]
    linking.decide(review, request.user, accept=action == "accept", note=note)
    messages.success(request, _("Candidate accepted.") if action == "accept" else _("Candidate rejected."))
    following = scoped_reviews(request.user).filter(status=Status.PENDING, load__kind=review.load.kind) \
        .order_by("load_id", "row_number", "-match_probability", "pk").first()
    if following is not None:
        return redirect("datasets:review_detail", pk=following.pk)
    return redirect("datasets:review_list")
