"""The home page counts what the user may see, and the counts agree with the scoped querysets."""

import pytest
from django.db.models import Count
from django.urls import reverse

from huitoukan.accounts.roles import Role
from huitoukan.accounts.scope import scoped_households, scoped_people
from huitoukan.registry.models import Person
from huitoukan.registry.queries import registry_overview

READERS = [r for r in Role.values if r != Role.DATA_PROVIDER]


@pytest.mark.parametrize("role", READERS)
def test_home_counts_equal_scoped_counts(role, county, other_county, users, client_for):
    user = users[role]
    Person.objects.filter(pk=county.people[0].pk).update(deceased=True)
    response = client_for(user).get(reverse("web:home"))
    assert response.status_code == 200
    overview = response.context["overview"]
    households = scoped_households(user)
    people = scoped_people(user).filter(deceased=False)
    assert overview["households"] == households.count()
    assert overview["people"] == people.count()
    by_status = dict(households.values_list("status").annotate(n=Count("id")))
    assert {k: v for k, v in overview["households_by_status"].items() if v} == by_status
    by_town = dict(people.values_list("household__town").annotate(n=Count("id")))
    assert overview["people_by_town"] == by_town
    assert sum(overview["households_by_cause"].values()) == households.count()
    assert sum(overview["people_by_type"].values()) == people.count()
    # Table rows: one per status, summing to the total.
    assert sum(h for _v, _l, h, _p in response.context["status_rows"]) == households.count()


def test_home_town_cadre_sees_only_their_town(county, other_county, users, client_for):
    response = client_for(users[Role.TOWN_CADRE]).get(reverse("web:home"))
    towns = [town for town, _h, _p in response.context["town_rows"]]
    assert towns == [county.towns[0]]
    html = response.content.decode()
    assert county.towns[1].name not in html and other_county.towns[0].name not in html


def test_overview_is_two_queries(county, users, django_assert_max_num_queries):
    user = users[Role.COUNTY_ADMIN]
    with django_assert_max_num_queries(6):  # the registry version, the user's regions (three times), two GROUP BYs
        overview = registry_overview(user)
    assert overview["households"] == len(county.households)


def test_home_for_data_provider_shows_no_registry_numbers(county, users, client_for):
    response = client_for(users[Role.DATA_PROVIDER]).get(reverse("web:home"))
    assert response.status_code == 200
    assert response.context.get("overview") is None
    assert county.towns[0].name not in response.content.decode()


def test_large_overviews_are_cached_until_the_registry_changes(county, users, monkeypatch):
    from django.core.cache import cache

    from huitoukan.registry import queries

    cache.clear()
    monkeypatch.setattr(queries, "OVERVIEW_CACHE_MIN_HOUSEHOLDS", 1)
    user = users[Role.COUNTY_ADMIN]
    before = registry_overview(user)["households"]
    Household = county.households[0].__class__
    Household.objects.filter(pk=county.households[0].pk).update(status="lifted")
    county.households[0].pk = None
    county.households[0].household_no = "439901999999990001"
    county.households[0].save()
    assert registry_overview(user)["households"] == before  # cached
    # An import that wrote, recorded by whichever process ran it, invalidates every process's cache.
    from django.utils import timezone

    from huitoukan.registry.models import RegistryImport

    RegistryImport.objects.create(file_name="newer.csv", sha256="0" * 64, state=RegistryImport.State.DONE,
                                  finished_at=timezone.now())
    assert registry_overview(user)["households"] == before + 1
    cache.clear()


# ---- the look-back blocks: five baselines and open problems ------------------------------------


def _baselines(run, villages, **counts):
    from huitoukan.lookback.models import Baseline

    for village in villages:
        Baseline.objects.create(run=run, village=village, **counts)


def test_home_says_no_look_back_has_run_yet(county, users, client_for):
    admin = client_for(users[Role.COUNTY_ADMIN]).get(reverse("web:home"))
    assert admin.context["baselines"]["as_of"] is None
    html = admin.content.decode()
    assert 'id="five-baselines"' in html and reverse("lookback:run_list") + "#start" in html
    leader = client_for(users[Role.LEADER]).get(reverse("web:home")).content.decode()
    assert 'id="five-baselines"' in leader and reverse("lookback:run_list") + "#start" not in leader


def test_home_sums_the_five_baselines_of_the_users_villages(county, users, client_for):
    import datetime as dt

    from tests.rectification.test_pages import make_run

    older = make_run(region=county.county, as_of=dt.date(2019, 12, 31))
    _baselines(older, county.villages, not_lifted_people=100)
    latest = make_run(region=county.county, as_of=dt.date(2020, 12, 31))
    _baselines(latest, county.villages, not_lifted_people=5, stably_lifted_people=7, borderline_people=2,
               returned_people=1, newly_identified_people=3)
    for role, villages in ((Role.COUNTY_ADMIN, county.villages), (Role.TOWN_CADRE, county.villages_of(county.towns[0])),
                           (Role.VILLAGE_CADRE, county.villages_of(county.towns[0])[:1])):
        response = client_for(users[role]).get(reverse("web:home"))
        b = response.context["baselines"]
        n = len(villages)
        assert (b["not_lifted_people"], b["stably_lifted_people"], b["borderline_people"], b["returned_and_new"]) == (
            5 * n, 7 * n, 2 * n, 4 * n), role
        assert b["poor_villages"] == sum(v.is_poor_village for v in villages), role
        assert b["as_of"] == dt.date(2020, 12, 31)
        assert "2020-12-31" in response.content.decode()


def test_home_counts_open_problems_in_scope(county, other_county, users, client_for):
    from tests.rectification.test_pages import make_problem

    t1, t2 = county.towns
    make_problem("NO_HELPER", household=county.households_of(t1)[0])
    make_problem("GUARANTEE_HOUSING", household=county.households_of(t1)[0], severity="serious")
    make_problem("NO_HELPER", household=county.households_of(t2)[0])
    make_problem("HEAD_MISSING", household=county.households_of(t2)[0], status="closed")
    make_problem("NO_HELPER", household=other_county.households[0])
    admin = client_for(users[Role.COUNTY_ADMIN]).get(reverse("web:home")).context["problems"]
    assert admin["total"] == 3 and admin["by_category"] == {"data_quality": 2, "guarantee": 1}
    assert [(r["code"], r["n"]) for r in admin["top_codes"]] == [("NO_HELPER", 2), ("GUARANTEE_HOUSING", 1)]
    town = client_for(users[Role.TOWN_CADRE]).get(reverse("web:home")).context["problems"]
    assert town["total"] == 2
    provider = client_for(users[Role.DATA_PROVIDER]).get(reverse("web:home"))
    assert "problems" not in provider.context and 'id="five-baselines"' not in provider.content.decode()
