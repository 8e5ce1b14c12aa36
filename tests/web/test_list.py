"""The household list: search forms, filters, pagination, htmx partials, query count."""

import pytest
from django.urls import reverse

from huitoukan.accounts.roles import Role
from huitoukan.registry.models import Household
from huitoukan.registry.queries import normalise_query, page_window

LIST = reverse("registry:household_list")


def pks(response):
    return [h.pk for h in response.context["page"]]


@pytest.fixture
def admin_client(users, client_for):
    return client_for(users[Role.COUNTY_ADMIN])


def test_full_width_and_spaced_queries_are_normalised():
    assert normalise_query("４３０５２４ １９９００１０１１２３ｘ") == "43052419900101123X"
    assert normalise_query("  张三 ") == "张三"


def test_search_by_exact_id_number_finds_one_household(county, admin_client):
    person = county.people[5]
    response = admin_client.get(LIST, {"q": person.id_number})
    assert pks(response) == [person.household_id]


def test_search_by_id_suffix_needs_four_digits(county, admin_client):
    person = county.people[5]
    assert person.household_id in pks(admin_client.get(LIST, {"q": person.id_number[-4:]}))
    # Three digits are too few to mean an ID number: they only match household numbers.
    three = admin_client.get(LIST, {"q": person.id_number[-3:]})
    assert all(Household.objects.get(pk=pk).household_no.startswith(person.id_number[-3:]) for pk in pks(three))


def test_search_by_member_name_finds_non_head_members(county, admin_client):
    from huitoukan.registry.choices import Relation

    member = next(p for p in county.people if p.relation != Relation.HEAD)
    assert member.household_id in pks(admin_client.get(LIST, {"q": member.name}))


def test_filters_combine(county, admin_client):
    town = county.towns[1]
    household = next(h for h in county.households if h.town_id == town.pk)
    response = admin_client.get(LIST, {"town": town.pk, "status": household.status,
                                       "household_type": household.household_type,
                                       "main_cause": household.main_cause})
    expected = Household.objects.filter(town=town, status=household.status, household_type=household.household_type,
                                        main_cause=household.main_cause)
    assert set(pks(response)) == set(expected.values_list("pk", flat=True))


def test_village_choices_follow_the_town(county, admin_client):
    town = county.towns[1]
    form = admin_client.get(LIST, {"town": town.pk}).context["form"]
    assert {v.pk for v in form.fields["village"].queryset} == {v.pk for v in county.villages_of(town)}
    # A village of another town left in the URL is dropped, not an error page.
    stale = county.villages_of(county.towns[0])[0]
    response = admin_client.get(LIST, {"town": town.pk, "village": stale.pk})
    assert response.status_code == 200
    assert {Household.objects.get(pk=pk).town_id for pk in pks(response)} == {town.pk}


def test_htmx_request_gets_results_and_village_select_only(county, admin_client):
    response = admin_client.get(LIST, {"town": county.towns[0].pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert '<section id="results"' in html and "<html" not in html
    assert 'id="village-field" hx-swap-oob="true"' in html
    assert "HX-Request" in response["Vary"]
    full = admin_client.get(LIST).content.decode()
    assert "<html" in full and "hx-swap-oob" not in full


def test_pagination_and_bad_page_numbers(db, client_for):
    from tests.factories import build_county, make_user

    big = build_county(towns=1, villages_per_town=2, households_per_village=60, seed=3)
    client = client_for(make_user("padmin", Role.COUNTY_ADMIN, [big.county]))
    first = client.get(LIST)
    assert len(pks(first)) == 50 and first.context["page"].paginator.num_pages == 3
    last = client.get(LIST, {"page": 3})
    assert len(pks(last)) == 20
    assert pks(client.get(LIST, {"page": 999})) == pks(last)
    assert pks(client.get(LIST, {"page": "x"})) == pks(first)
    ordered = Household.objects.order_by("household_no").values_list("pk", flat=True)
    assert pks(first) + pks(client.get(LIST, {"page": 2})) + pks(last) == list(ordered)
    html = first.content.decode()
    assert 'href="?page=2"' in html


def test_page_links_keep_the_filters(county, admin_client):

    response = admin_client.get(LIST, {"status": "lifted", "page": 1})
    assert response.context["query_string"] == "status=lifted"


def test_page_window():
    class P:
        def __init__(self, number, last):
            self.number = number
            self.paginator = type("X", (), {"num_pages": last})()

    assert page_window(P(1, 1)) == [1]
    assert page_window(P(5, 3000)) == [1, None, 3, 4, 5, 6, 7, None, 3000]
    assert page_window(P(2, 4)) == [1, 2, 3, 4]


def test_list_query_count_does_not_grow_with_rows(db, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import build_county, make_user

    big = build_county(towns=2, villages_per_town=2, households_per_village=20, seed=4)
    client = client_for(make_user("qadmin", Role.COUNTY_ADMIN, [big.county]))
    counts = {}
    for label, params in (("one row", {"q": big.households[0].household_no}), ("fifty rows", {})):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST, params)
        counts[label] = len(ctx.captured_queries)
        assert len(pks(response)) == (1 if label == "one row" else 50)
    # The search itself adds its own lookups (one per branch); the 49 extra rows add none.
    assert counts["fifty rows"] <= counts["one row"]
    assert counts["fifty rows"] <= 18


def test_broad_search_stays_a_subquery(county, users, client_for, monkeypatch):
    from huitoukan.registry import queries

    monkeypatch.setattr(queries, "MAX_LISTED_MATCHES", 1)
    client = client_for(users[Role.COUNTY_ADMIN])
    surname = county.people[0].name[0]
    expected = {p.household_id for p in county.people if p.name.startswith(surname)}
    expected |= {h.pk for h in county.households if h.head_name.startswith(surname)}
    assert len(expected) > 1
    assert set(pks(client.get(LIST, {"q": surname}))) == expected
