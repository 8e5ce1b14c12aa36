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
        return Q(**{f"{prefix}pk__in": []})
    levels = user_region_ids(user)
    if levels is None:
        return Q()
    q = Q(**{f"{prefix}pk__in": []})
    for level in (RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.HAMLET):
        if levels[level]:
            q |= Q(**{f"{prefix}{level}_id__in": levels[level]})
    return q


def scoped_households(user):
    return Household.objects.filter(household_scope_q(user))


def scoped_people(user):
    return Person.objects.filter(household_scope_q(user, prefix="household__"))


def _descendant_ids(root_ids: set[int]) -> set[int]:
    ids, frontier = set(root_ids), set(root_ids)
    while frontier:  # county → towns → villages → hamlets: at most four steps
        frontier = set(Region.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    return ids


def _own_region_ids(user) -> set[int] | None:
    """The ids of the user's own regions; None for "everything" (superusers)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    levels = user_region_ids(user)
    return None if levels is None else set().union(*levels.values())


def managed_regions(user):
    """The user's own regions and everything below them: what they answer for, and what an
    administrator may hand to the users they create."""
    own = _own_region_ids(user)
    if own is None:
        return Region.objects.all()
    return Region.objects.filter(id__in=_descendant_ids(own)) if own else Region.objects.none()


def scoped_regions(user):
    """Regions the user may see: the managed ones and their ancestors (so that a town cadre sees
    the county's name above their town)."""
    own = _own_region_ids(user)
    if own is None:
        return Region.objects.all()
    if not own:
        return Region.objects.none()
    ids = _descendant_ids(own)
    for region in Region.objects.filter(id__in=own).select_related("parent__parent__parent"):
        node = region.parent
        while node is not None:
            ids.add(node.id)
            node = node.parent
    return Region.objects.filter(id__in=ids)


def manageable_users(admin):
    """Accounts an administrator may see and change: not superusers, not themselves twice, and
    only those whose every region lies inside the administrator's own regions. Accounts with no
    region yet (just created, or stripped) are listed so that they can be given one."""
    from .models import User

    users = User.objects.filter(is_superuser=False)
    if admin.is_superuser:
        return users
    inside = managed_regions(admin).values("id")
    outside = User.regions.through.objects.exclude(region_id__in=inside).values("user_id")
    return users.exclude(pk__in=outside)
