"""Read queries of the registry on a user's behalf. Every function starts from the user's scope
(accounts/scope.py); views call these and stay thin.

Search understands what cadres type into one box: a member's name (or its beginning), a full
18-character ID number, the last digits of one (at least four), or a household number (or its
beginning). Each form is answered from an index except the ID suffix, which scans the ID column
once (see docs/web.md for the timings at 500,000 people).
"""

import re
import unicodedata

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from huitoukan.accounts.roles import Capability, can
from huitoukan.accounts.scope import scoped_households, scoped_people

from .models import Household, Person, RegistryImport

ID_LIKE = re.compile(r"\d{1,17}[\dX]?")
MIN_ID_SUFFIX = 4
MASK_VISIBLE_SUFFIX = 4  # what accounts.masking.mask_id_number leaves visible at the end


def normalise_query(text: str) -> str:
    """Full-width digits and letters (１２３, ｘ) to ASCII; an ID-like query loses its spaces and
    gets an upper-case X."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    compact = re.sub(r"\s+", "", text).upper()
    return compact if ID_LIKE.fullmatch(compact) else text


def prefix_q(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, in a form the database answers from the field's index.

    PostgreSQL: Django gives indexed text columns a *_pattern_ops index that LIKE 'x%' uses.
    SQLite compares text bytewise (BINARY), so a range [prefix, prefix + U+10FFFF) is the same set
    and uses the ordinary index, which LIKE would not (SQLite's LIKE is case-insensitive)."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})


#: Above this many matches a search branch stays a subquery instead of a list of ids.
MAX_LISTED_MATCHES = 2000


def _matches(queryset, column: str):
    """The household ids one search branch matches: a list, or a subquery when there are very many
    (a one-character surname), so that no IN list outgrows the database's parameter limit."""
    ids = list(queryset.order_by().values_list(column, flat=True).distinct()[: MAX_LISTED_MATCHES + 1])
    return queryset.order_by().values(column) if len(ids) > MAX_LISTED_MATCHES else ids


def search_q(text: str, *, sees_full_id: bool = True) -> Q:
    """A Q over Household for the search box; empty text matches everything. Not scoped by
    itself: it is always applied to a scoped queryset (households_for_list).

    Each branch (household number, ID number, names) is an indexed query of its own, run once: an
    OR of subqueries in one WHERE makes both SQLite and PostgreSQL scan every household, and the
    count and the page would each run it again."""
    text = normalise_query(text)
    if not text:
        return Q()
    branches = [_matches(Household.objects.filter(prefix_q("household_no", text)), "pk")]
    if ID_LIKE.fullmatch(text):
        if len(text) == 18:
            branches.append(_matches(Person.objects.filter(id_number=text), "household_id"))
        elif len(text) >= MIN_ID_SUFFIX and (sees_full_id or len(text) <= MASK_VISIBLE_SUFFIX):
            # A masked role sees the last four characters only; a longer fragment would let them
            # recover the hidden birth-date digits one guess at a time (the API refuses it too).
            # The only branch no index answers: one pass over the ID column (see docs/web.md).
            branches.append(_matches(Person.objects.filter(id_number__endswith=text), "household_id"))
    else:
        branches.append(_matches(Household.objects.filter(prefix_q("head_name", text)), "pk"))
        branches.append(_matches(Person.objects.filter(prefix_q("name", text)), "household_id"))
    listed = sorted({pk for branch in branches if isinstance(branch, list) for pk in branch})
    q = Q(pk__in=listed)
    for branch in branches:
        if not isinstance(branch, list):
            q |= Q(pk__in=branch)
    return q


def households_for_list(user, filters: dict):
    """The scoped, filtered, searched households in list order (the export reads this too)."""
    qs = scoped_households(user)
    for region_level in ("county", "town", "village"):
        if filters.get(region_level):
            qs = qs.filter(**{f"{region_level}_id": filters[region_level]})
    for field in ("status", "household_type", "main_cause"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("q"):
        qs = qs.filter(search_q(filters["q"], sees_full_id=can(user, Capability.VIEW_ID_NUMBER)))
    return qs.order_by("household_no")


def household_for_user(user, pk: int) -> Household:
    """One household, or 404 when it does not exist *or* lies outside the user's regions: the two
    answers are the same so that a link never reveals that a household exists elsewhere."""
    return get_object_or_404(
        scoped_households(user).select_related("county", "town", "village", "hamlet", "helper__unit"),
        pk=pk,
    )


GROUPS = ("town_id", "status", "household_type", "main_cause")


def _grouped(qs, prefix: str = "") -> list[dict]:
    """One GROUP BY over (town, status, type, cause); the home page's tables are sums of it, so
    that the registry is read twice (households, people) however many tables the page shows."""
    fields = [prefix + f for f in GROUPS]
    rows = qs.values(*fields).annotate(n=Count("id")).order_by()
    return [{g: row[prefix + g] for g in GROUPS} | {"n": row["n"]} for row in rows]


def _sum_by(rows: list[dict], key: str) -> dict:
    out: dict = {}
    for row in rows:
        out[row[key]] = out.get(row[key], 0) + row["n"]
    return out


#: A county's overview (150,000 households) takes a few hundred milliseconds to count, so it is
#: kept for a short while; small scopes (a town, a village, every test) are always counted live.
OVERVIEW_CACHE_SECONDS = 120
OVERVIEW_CACHE_MIN_HOUSEHOLDS = 20_000


def registry_version() -> str:
    """What a cached overview depends on: the last import that wrote. Read from the database, not
    from the cache, because imports run in the worker process while each web process keeps its own
    cache. (Web edits of households, when they come, must add their own marker here.)"""
    last = (
        RegistryImport.objects.filter(state=RegistryImport.State.DONE)
        .order_by("-finished_at").values_list("pk", "finished_at").first()
    )
    return f"{last[0]}-{last[1].timestamp()}" if last else "0"


def _scope_key(user) -> str:
    if user.is_superuser:
        return "all"
    return ".".join(map(str, sorted(user.regions.values_list("id", flat=True))))


def registry_overview(user) -> dict:
    """The home page's numbers over the user's scope: households and living people, in total and
    by status, type, main cause and town."""
    key = f"overview:{registry_version()}:{_scope_key(user)}"
    overview = cache.get(key)
    if overview is None:
        overview = _count_overview(user)
        if overview["households"] >= OVERVIEW_CACHE_MIN_HOUSEHOLDS:
            cache.set(key, overview, OVERVIEW_CACHE_SECONDS)
    return overview


def _count_overview(user) -> dict:
    households = _grouped(scoped_households(user))
    people = _grouped(scoped_people(user).filter(deceased=False), prefix="household__")
    overview = {"households": sum(r["n"] for r in households), "people": sum(r["n"] for r in people)}
    for key, group in (("status", "status"), ("type", "household_type"), ("cause", "main_cause"),
                       ("town", "town_id")):
        overview[f"households_by_{key}"] = _sum_by(households, group)
        overview[f"people_by_{key}"] = _sum_by(people, group)
    return overview


PAGE_SIZE = 50


def list_page(queryset, page_number, per_page: int = PAGE_SIZE):
    """One page of households, fetched as a deferred join: the count and the page's ids come from
    narrow queries the indexes answer (deep pages skip index entries, not whole rows), then the
    page's 50 rows are read by primary key with their regions and helper (no N+1)."""
    paginator = Paginator(queryset.values_list("pk", flat=True), per_page)
    page = paginator.get_page(page_number)
    ids = list(page.object_list)
    rows = Household.objects.filter(pk__in=ids).select_related("town", "village", "helper")
    by_id = {h.pk: h for h in rows}
    page.object_list = [by_id[pk] for pk in ids if pk in by_id]
    return page


def page_window(page, around: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last, and a few around the current one; None is a gap."""
    last = page.paginator.num_pages
    wanted = {1, last} | set(range(max(1, page.number - around), min(last, page.number + around) + 1))
    numbers, previous = [], 0
    for n in sorted(wanted):
        if n - previous > 1:
            numbers.append(None)
        numbers.append(n)
        previous = n
    return numbers
