"""A town cadre never sees another town's problems: not in the list, not through a filter or a
search, not by link, not in an export, not in the counts of a run that covered both towns."""

import csv
import io

import pytest
from django.urls import reverse

from huitoukan.accounts.roles import Role
from huitoukan.rectification.queries import scoped_problems
from tests.factories import make_user
from tests.rectification.test_pages import id_problem, list_url, make_problem, make_run, rows
from tests.scope_fixtures import *


@pytest.fixture
def two_towns(county, other_county, users):
    run = make_run(region=None, counts={"NO_HELPER": 3})
    t1, t2 = county.towns
    mine = make_problem("NO_HELPER", household=county.households_of(t1)[0], run=run)
    theirs = make_problem("NO_HELPER", household=county.households_of(t2)[0], run=run)
    elsewhere = make_problem("NO_HELPER", household=other_county.households[0], run=run)
    return {"run": run, "mine": mine, "theirs": theirs, "elsewhere": elsewhere}


def test_the_list_holds_the_users_regions_only(county, two_towns, users, client_for):
    expected = {
        Role.COUNTY_ADMIN: {"mine", "theirs"},
        Role.LEADER: {"mine", "theirs"},
        Role.TOWN_CADRE: {"mine"},
        Role.VILLAGE_CADRE: {"mine"},  # the first village of the first town
        Role.HELPER: {"mine"},
    }
    for role, names in expected.items():
        got = rows(client_for(users[role]).get(list_url()))
        assert got == {two_towns[n].pk for n in names}, role
        assert set(scoped_problems(users[role]).values_list("pk", flat=True)) == got, role


def test_filters_and_search_do_not_reach_another_town(county, two_towns, users, client_for):
    client = client_for(users[Role.TOWN_CADRE])
    other_town = county.towns[1]
    theirs = two_towns["theirs"]
    # The other town is not a choice: the filter is dropped, and the list stays the user's own.
    response = client.get(list_url(town=other_town.pk))
    assert rows(response) == {two_towns["mine"].pk}
    assert other_town.name not in response.content.decode()
    assert rows(client.get(list_url(village=theirs.village_id))) == {two_towns["mine"].pk}
    for query in (theirs.household.household_no, theirs.household.head_name, theirs.number):
        assert theirs.pk not in rows(client.get(list_url(q=query))), query
    assert rows(client.get(list_url(run=two_towns["run"].pk))) == {two_towns["mine"].pk}


def test_another_towns_problem_is_404_by_link(two_towns, users, client_for):
    client = client_for(users[Role.TOWN_CADRE])
    assert client.get(reverse("rectification:problem_detail", args=[two_towns["mine"].pk])).status_code == 200
    for name in ("theirs", "elsewhere"):
        assert client.get(reverse("rectification:problem_detail", args=[two_towns[name].pk])).status_code == 404
    admin = client_for(users[Role.COUNTY_ADMIN])
    assert admin.get(reverse("rectification:problem_detail", args=[two_towns["elsewhere"].pk])).status_code == 404


def test_export_holds_the_users_regions_only(two_towns, users, client_for):
    response = client_for(users[Role.TOWN_CADRE]).get(reverse("rectification:problem_export", args=["csv"]))
    numbers = [r[0] for r in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))][1:]
    assert numbers == [two_towns["mine"].number]


def test_a_user_without_regions_sees_nothing(two_towns, client_for):
    nobody = make_user("nobody", Role.COUNTY_ADMIN, [])
    assert rows(client_for(nobody).get(list_url())) == set()


def test_hamlet_users_see_their_hamlets_problems(county, users, client_for):
    from huitoukan.registry.models import Household, Region

    household = county.households[0]
    hamlet = Region.objects.create(code=household.village.code + "001", name="一组", level="hamlet",
                                   parent=household.village)
    Household.objects.filter(pk=household.pk).update(hamlet=hamlet)
    person = household.members.first()
    inside = id_problem(person)
    outside = make_problem("NO_HELPER", household=county.households[1])
    user = make_user("hamlet", Role.VILLAGE_CADRE, [hamlet])
    assert rows(client_for(user).get(list_url())) == {inside.pk}
    assert client_for(user).get(reverse("rectification:problem_detail", args=[outside.pk])).status_code == 404


def test_run_pages_show_a_town_cadre_their_part_only(county, two_towns, users, client_for):
    """The run covered the whole registry; a town cadre sees it, with the counts of their town."""
    client = client_for(users[Role.TOWN_CADRE])
    run = two_towns["run"]
    listing = client.get(reverse("lookback:run_list"))
    listed = {r.pk: r for r in listing.context["runs"]}
    assert listed[run.pk].findings_count == 1 and listed[run.pk].partial
    page = client.get(reverse("lookback:run_detail", args=[run.pk]))
    assert page.status_code == 200
    assert page.context["total_findings"] == 1
    assert [row["town"] for row in page.context["regions"]["rows"]] == [county.towns[0]]
    html = page.content.decode()
    assert county.towns[1].name not in html
    # A run of the other town is not theirs to see at all.
    other_run = make_run(region=county.towns[1], counts={"NO_HELPER": 1})
    assert client.get(reverse("lookback:run_detail", args=[other_run.pk])).status_code == 404
    assert other_run.pk not in {r.pk for r in client.get(reverse("lookback:run_list")).context["runs"]}
