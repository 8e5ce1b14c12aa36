"""accounts.scope, accounts.masking and accounts.roles on their own."""

import pytest

from huitoukan.accounts import masking
from huitoukan.accounts.models import User
from huitoukan.accounts.roles import ROLE_CAPABILITIES, Capability, Role, can, capability_matrix
from huitoukan.accounts.scope import manageable_users, managed_regions, scoped_people, scoped_regions
from tests.factories import make_user


def test_mask_id_number():
    assert masking.mask_id_number("430524199001011234") == "430524********1234"
    assert masking.mask_id_number("") == ""
    assert masking.mask_id_number("12345") == "*****"


@pytest.mark.parametrize("role", Role.values)
def test_field_for_follows_capabilities(role, db):
    user = User(username="x", role=role)
    caps = ROLE_CAPABILITIES[role]
    shown_id = masking.field_for(user, "id_number", "430524199001011234")
    assert (shown_id == "430524199001011234") == (Capability.VIEW_ID_NUMBER in caps)
    assert (masking.field_for(user, "health", "残疾") == "残疾") == (Capability.VIEW_HEALTH in caps)
    assert masking.field_for(user, "disability_grade", "") == ""
    assert masking.field_for(user, "name", "张三") == "张三"


def test_scoped_regions_include_ancestors_and_descendants(county):
    town = county.towns[0]
    user = make_user("t", Role.TOWN_CADRE, [town])
    seen = set(scoped_regions(user).values_list("pk", flat=True))
    assert seen == {county.county.pk, town.pk} | {v.pk for v in county.villages_of(town)}
    assert set(managed_regions(user).values_list("pk", flat=True)) == seen - {county.county.pk}


def test_scoped_people_follow_households(county):
    village = county.villages[0]
    user = make_user("v", Role.VILLAGE_CADRE, [village])
    assert set(scoped_people(user).values_list("household__village", flat=True)) == {village.pk}


def test_manageable_users(county, other_county):
    admin = make_user("a", Role.COUNTY_ADMIN, [county.county])
    inside = make_user("in", Role.TOWN_CADRE, [county.towns[0]])
    mixed = make_user("mixed", Role.TOWN_CADRE, [county.towns[0], other_county.towns[0]])
    outside = make_user("out", Role.TOWN_CADRE, [other_county.towns[0]])
    fresh = make_user("fresh", Role.LEADER, [])
    found = set(manageable_users(admin))
    assert inside in found and fresh in found and admin in found
    assert mixed not in found and outside not in found


def test_capability_matrix_is_the_enforced_table():
    from huitoukan.accounts.roles import CAPABILITY_LABELS, ROLE_CAPABILITIES

    labels, rows = capability_matrix()
    # Every capability any role holds is named on the form; none is left out.
    assert set(CAPABILITY_LABELS) == set().union(*ROLE_CAPABILITIES.values())
    assert len(labels) == len(CAPABILITY_LABELS) and len(rows) == len(Role.values)
    admin_row = dict(rows)[Role.COUNTY_ADMIN.label]
    assert all(admin_row)


def test_anonymous_and_inactive_have_no_capability(db):
    from django.contrib.auth.models import AnonymousUser

    assert not can(AnonymousUser(), Capability.VIEW_REGISTRY)
    assert not can(User(username="x", role=Role.COUNTY_ADMIN, is_active=False), Capability.VIEW_REGISTRY)
