"""A page of households or people costs a constant number of queries, however many rows it holds."""

import pytest

from huitoukan.registry.models import Household, Person

pytestmark = pytest.mark.django_db


def grow(county, n):
    """n more households of two members each, in town A, with helpers and hamlets set."""
    start = Household.objects.count()
    households = Household.objects.bulk_create(
        Household(
            household_no=f"H-Q-{start + i:05d}", county=county["county"], town=county["town_a"],
            village=county["village_a"], hamlet=county["hamlet_a"], head_name=f"测试户{i}",
            status="lifted", household_type="ordinary", main_cause="skills", helper=county["helper"],
        )
        for i in range(n)
    )
    Person.objects.bulk_create(
        Person(source_key=f"q-{h.household_no}-{k}", household=h, name=f"成员{k}", relation="head" if k == 0 else "son",
               id_number=f"990101200001{k:02d}{i % 10000:04d}", health="healthy")
        for i, h in enumerate(households)
        for k in range(2)
    )


@pytest.mark.parametrize("role", ["county_admin", "town_cadre", "leader"])
def test_household_page_of_fifty_is_a_constant_number_of_queries(
    api, users, county, django_assert_max_num_queries, role
):
    client = api(users[role])
    grow(county, 60)
    # session, user, the user's regions (scope), count, page; then the session save that
    # SESSION_SAVE_EVERY_REQUEST costs (savepoint, update, release). Nothing per row.
    with django_assert_max_num_queries(8):
        response = client.get("/api/households/")
    assert len(response.json()["results"]) == 50
    # One more for looking up the region filter; the search is a subquery inside the same query.
    with django_assert_max_num_queries(9):
        response = client.get("/api/households/", {"region": county["town_a"].code, "search": "成员"})
    assert len(response.json()["results"]) == 50


def test_query_count_does_not_grow_with_page_size(api, users, county, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(users["county_admin"])
    grow(county, 120)
    with CaptureQueriesContext(connection) as small:
        client.get("/api/households/", {"page_size": 5})
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/households/", {"page_size": 120}).json()["results"]) == 120
    assert len(large) == len(small)
    with CaptureQueriesContext(connection) as people_small:
        client.get("/api/people/", {"page_size": 5})
    with CaptureQueriesContext(connection) as people_large:
        client.get("/api/people/", {"page_size": 200})
    assert len(people_large) == len(people_small)


def test_household_detail_with_members_is_constant(api, users, county, django_assert_max_num_queries):
    client = api(users["county_admin"])
    household = county["h1"]
    Person.objects.bulk_create(
        Person(source_key=f"d-{k}", household=household, name=f"成员{k}", relation="other") for k in range(30)
    )
    # session, user, scope, household, its members; session save (3).
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/households/{household.pk}/")
    assert len(response.json()["members"]) == 32
