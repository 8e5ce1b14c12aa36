"""Every role sees its regions and nothing else: in the list, by link, by search, in the export."""

import re

import pytest
from django.urls import reverse

from huitoukan.accounts.roles import Capability, Role, can
from huitoukan.accounts.scope import scoped_households
from huitoukan.registry.models import Household

LIST = reverse("registry:household_list")
READERS = [r for r in Role.values if r != Role.DATA_PROVIDER]


def expected_households(role, county):
    town, village = county.towns[0], county.villages_of(county.towns[0])[0]
    if role == Role.TOWN_CADRE:
        return {h.pk for h in county.households if h.town_id == town.pk}
    if role in (Role.VILLAGE_CADRE, Role.HELPER):
        return {h.pk for h in county.households if h.village_id == village.pk}
    return {h.pk for h in county.households}


def listed(client, url=LIST, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return {h.pk for h in response.context["page"]}, response


@pytest.mark.parametrize("role", READERS)
def test_list_shows_exactly_the_scope(role, county, other_county, users, client_for):
    seen, response = listed(client_for(users[role]))
    assert seen == expected_households(role, county)
    assert response.context["page"].paginator.count == len(seen)
    html = response.content.decode()
    for h in other_county.households:
        assert h.household_no not in html


@pytest.mark.parametrize("role", READERS)
def test_out_of_scope_household_is_404_by_link(role, county, other_county, users, client_for):
    client = client_for(users[role])
    inside = expected_households(role, county)
    outside = [h for h in county.households + other_county.households if h.pk not in inside]
    assert outside
    for household in outside:
        assert client.get(reverse("registry:household_detail", args=[household.pk])).status_code == 404
    some = next(iter(inside))
    assert client.get(reverse("registry:household_detail", args=[some])).status_code == 200


def test_missing_household_and_out_of_scope_household_answer_alike(county, other_county, users, client_for):
    client = client_for(users[Role.TOWN_CADRE])
    missing = client.get(reverse("registry:household_detail", args=[10**9]))
    hidden = client.get(reverse("registry:household_detail", args=[other_county.households[0].pk]))
    assert missing.status_code == hidden.status_code == 404
    def page(response):  # the CSRF token differs on every response
        return re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())

    assert page(missing) == page(hidden)


@pytest.mark.parametrize("role", READERS)
def test_search_never_finds_out_of_scope_households(role, county, other_county, users, client_for):
    client = client_for(users[role])
    inside = expected_households(role, county)
    outside_people = [p for p in county.people + other_county.people if p.household_id not in inside]
    for person in outside_people[:6]:
        household = Household.objects.get(pk=person.household_id)
        for query in (person.id_number, person.id_number[-6:], household.household_no, person.name):
            seen, _response = listed(client, q=query)
            assert household.pk not in seen, (role, query)
            assert seen <= inside


def test_search_finds_in_scope_household_by_each_key(county, users, client_for):
    client = client_for(users[Role.TOWN_CADRE])
    person = next(p for p in county.people if p.household_id in expected_households(Role.TOWN_CADRE, county))
    household = Household.objects.get(pk=person.household_id)
    for query in (person.id_number, person.id_number[-4:], person.id_number.lower(), household.household_no,
                  household.household_no[:14], person.name, person.name[:2]):
        seen, _response = listed(client, q=query)
        assert household.pk in seen, query


def test_masked_roles_cannot_probe_hidden_id_digits_by_search(county, users, client_for):
    person = next(p for p in county.people if p.household_id in expected_households(Role.TOWN_CADRE, county))
    fragment = person.id_number[-8:]  # includes hidden birth-date digits
    masked, _response = listed(client_for(users[Role.TOWN_CADRE]), q=fragment)
    assert person.household_id not in masked
    full, _response = listed(client_for(users[Role.COUNTY_ADMIN]), q=fragment)
    assert person.household_id in full, "roles that see full numbers keep fragment search"


def test_region_filter_cannot_widen_scope(county, other_county, users, client_for):
    client = client_for(users[Role.TOWN_CADRE])
    other_town = county.towns[1]
    response = client.get(LIST, {"town": other_town.pk})
    assert {h.pk for h in response.context["page"]} <= expected_households(Role.TOWN_CADRE, county)
    # The other town is not even offered.
    assert other_town.pk not in [r.pk for r in response.context["form"].fields["town"].queryset]
    response = client.get(LIST, {"county": other_county.county.pk})
    assert {h.pk for h in response.context["page"]} <= expected_households(Role.TOWN_CADRE, county)


def test_data_provider_and_anonymous_have_no_registry(county, users, client_for, client):
    provider = client_for(users[Role.DATA_PROVIDER])
    assert provider.get(LIST).status_code == 403
    assert provider.get(reverse("registry:household_detail", args=[county.households[0].pk])).status_code == 403
    response = client.get(LIST)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_user_without_regions_sees_nothing(county, client_for):
    from tests.factories import make_user

    nobody = make_user("noregion", Role.COUNTY_ADMIN, [])
    assert scoped_households(nobody).count() == 0
    seen, _response = listed(client_for(nobody))
    assert seen == set()


def test_deactivated_user_sees_nothing(county, users):
    user = users[Role.COUNTY_ADMIN]
    user.is_active = False
    assert scoped_households(user).count() == 0
    assert not can(user, Capability.VIEW_REGISTRY)
