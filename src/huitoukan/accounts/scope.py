"""Region scope: the one place that decides which rows a user may see.

Every view, API endpoint, search and export starts from `scoped_households(user)` or
`scoped_people(user)`; nothing reads Household or Person unfiltered on a user's behalf.
"""

from django.db.models import Q

from huitoukan.registry.choices import RegionLevel
from huitoukan.registry.models import Household, Person, Region


def user_region_ids(user) -> dict[str, set[int]] | None:
    """Region ids by level, or None for "everything" (superusers)."""
    if user.is_superuser:
        return None
    by_level: dict[str, set[int]] = {lvl: set() for lvl in RegionLevel.values}
    for rid, level in user.regions.values_list("id", "level"):
        by_level[level].add(rid)
    return by_level


def household_scope_q(user, prefix: str = "") -> Q:
    """A Q limiting households (or rows reached through `prefix`, e.g. "household__") to the
    user's regions. A user without regions sees nothing."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    levels = user_region_ids(user)
    if levels is None:
        return Q()
    q = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
    for level in (RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.HAMLET):
        if levels[level]:
            q |= Q(**{f"{prefix}{level}_id__in": levels[level]})
    return q


def scoped_households(user):
    return Household.objects.filter(household_scope_q(user))


def scoped_people(user):
    return Person.objects.filter(household_scope_q(user, prefix="household__"))


def scoped_regions(user):
    """Regions the user may see: their own regions, everything below them, and the ancestors
    (so that a town cadre sees the county's name above their town)."""
    levels = user_region_ids(user)
    if levels is None:
        return Region.objects.all()
    own = set().union(*levels.values())
    if not own:
        return Region.objects.none()
    ids = set(own)
    frontier = set(own)
    while frontier:  # descend: county → towns → villages → hamlets (at most four steps)
        frontier = set(Region.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    for region in Region.objects.filter(id__in=own).select_related("parent__parent__parent"):
        node = region.parent
        while node is not None:
            ids.add(node.id)
            node = node.parent
    return Region.objects.filter(id__in=ids)
