"""Assignment through the pages (one problem from its page, many from the list: the ticked rows or
all the filters match), refused with the data unchanged; the list's new columns and filters
(overdue, recurring, assigned to me, unassigned); the run page's count of problems found again."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from huitoukan.accounts.roles import Role
from huitoukan.rectification.choices import Action, Status
from huitoukan.rectification.models import Problem, ProblemEvent
from tests.factories import make_user
from tests.rectification.test_pages import list_url, make_problem, make_run, rows
from tests.scope_fixtures import *

TODAY = timezone.localdate


@pytest.fixture
def problems(county):
    t1, t2 = county.towns
    h1 = county.households_of(t1)
    h2 = county.households_of(t2)
    return {
        "a": make_problem("NO_HELPER", household=h1[0]),
        "b": make_problem("HEAD_MISSING", household=h1[1], severity="serious"),
        "c": make_problem("NO_HELPER", household=h1[-1], status=Status.CLOSED),
        "d": make_problem("NO_HELPER", household=h2[0]),
    }


def assign_url(problem):
    return reverse("rectification:problem_assign", args=[problem.pk])


def bulk_url(**filters):
    return reverse("rectification:problems_assign") + ("?" + urlencode(filters) if filters else "")


def in_language(text, **values):
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(text) % values


def snapshot():
    return list(Problem.objects.order_by("pk").values_list("responsible_unit", "responsible_person", "deadline"))


# ---- one problem, from its page -----------------------------------------------------------------

def test_the_page_offers_people_who_could_work_the_problem(problems, users, county, client_for):
    other_town_cadre = make_user("u_town2", Role.TOWN_CADRE, [county.towns[1]])
    response = client_for(users[Role.COUNTY_ADMIN]).get(
        reverse("rectification:problem_detail", args=[problems["a"].pk]))
    people = set(response.context["assign_form"].fields["person"].queryset)
    assert users[Role.TOWN_CADRE] in people and users[Role.COUNTY_ADMIN] in people
    assert other_town_cadre not in people
    assert users[Role.INSPECTOR] not in people and users[Role.HELPER] not in people  # they do not rectify
    html = response.content.decode()
    assert reverse("rectification:problem_assign", args=[problems["a"].pk]) in html

    # No assignment form for those who may not assign, nor for a closed problem.
    for role in (Role.TOWN_CADRE, Role.INSPECTOR):
        page = client_for(users[role]).get(reverse("rectification:problem_detail", args=[problems["a"].pk]))
        assert page.context["assign_form"] is None
    page = client_for(users[Role.COUNTY_ADMIN]).get(reverse("rectification:problem_detail", args=[problems["c"].pk]))
    assert page.context["assign_form"] is None


def test_assign_one_problem(problems, users, client_for):
    deadline = TODAY() + dt.timedelta(days=20)
    client = client_for(users[Role.COUNTY_ADMIN])
    response = client.post(assign_url(problems["a"]), {
        "unit": "松林乡人民政府", "person": users[Role.TOWN_CADRE].pk, "deadline": deadline.isoformat(),
        "note": "限期整改"})
    assert response.status_code == 302
    problem = Problem.objects.get(pk=problems["a"].pk)
    assert (problem.responsible_unit, problem.responsible_person, problem.deadline) == (
        "松林乡人民政府", users[Role.TOWN_CADRE], deadline)
    event = ProblemEvent.objects.get(problem=problem)
    assert event.action == Action.ASSIGNED and event.note == "限期整改"
    page = client.get(response.url)
    assert [str(m) for m in page.context["messages"]] == [
        in_language("%(assigned)d assigned, %(closed)d closed left as they were.", assigned=1, closed=0)]
    html = page.content.decode()
    assert "松林乡人民政府" in html and deadline.isoformat() in html


def test_assignment_refused_by_role_or_scope_changes_nothing(problems, users, client_for):
    before = snapshot()
    data = {"unit": "某单位", "deadline": (TODAY() + dt.timedelta(days=5)).isoformat()}
    for role in (Role.TOWN_CADRE, Role.INSPECTOR, Role.VILLAGE_CADRE):
        assert client_for(users[role]).post(assign_url(problems["a"]), data).status_code == 403
        assert client_for(users[role]).post(bulk_url(), data | {"which": "chosen",
                                                                "problem": [problems["a"].pk]}).status_code == 403
    assert snapshot() == before and not ProblemEvent.objects.exists()


def test_a_bad_assignment_shows_the_reason_and_keeps_the_input(problems, users, county, client_for):
    client = client_for(users[Role.COUNTY_ADMIN])
    before = snapshot()
    past = (TODAY() - dt.timedelta(days=1)).isoformat()
    response = client.post(assign_url(problems["a"]), {"unit": "松林乡", "deadline": past, "note": "请尽快"})
    assert response.status_code == 400
    assert response.context["assign_error"] == in_language("A deadline cannot be in the past.")
    assert response.context["assign_form"]["note"].value() == "请尽快"
    assert "请尽快</textarea>" in response.content.decode()
    # A person outside the problem's regions is not even a choice.
    stranger = make_user("u_town2", Role.TOWN_CADRE, [county.towns[1]])
    response = client.post(assign_url(problems["a"]), {"person": stranger.pk})
    assert response.status_code == 400 and response.context["assign_form"].errors["person"]
    assert snapshot() == before and not ProblemEvent.objects.exists()


# ---- many problems, from the list -------------------------------------------------------------------

def test_bulk_assign_the_ticked_rows(problems, users, client_for):
    client = client_for(users[Role.COUNTY_ADMIN])
    deadline = TODAY() + dt.timedelta(days=15)
    response = client.post(bulk_url(code="NO_HELPER"), {
        "which": "chosen", "problem": [problems["a"].pk, problems["c"].pk], "unit": "松林乡",
        "deadline": deadline.isoformat()})
    assert response.status_code == 302 and response.url == list_url(code="NO_HELPER")
    assert Problem.objects.get(pk=problems["a"].pk).deadline == deadline
    assert Problem.objects.get(pk=problems["c"].pk).deadline is None  # closed: left as it was
    assert Problem.objects.get(pk=problems["b"].pk).deadline is None  # not ticked
    page = client.get(response.url)
    assert [str(m) for m in page.context["messages"]] == [
        in_language("%(assigned)d assigned, %(closed)d closed left as they were.", assigned=1, closed=1)]


def test_bulk_assign_all_matching_the_filters(problems, users, client_for):
    client = client_for(users[Role.COUNTY_ADMIN])
    page = client.get(list_url(code="NO_HELPER"))
    assert page.context["matching"] == 3
    html = page.content.decode()
    assert 'name="which" value="all"' in html and 'form="bulk-assign"' in html
    assert bulk_url(code="NO_HELPER") in html.replace("&amp;", "&")

    response = client.post(bulk_url(code="NO_HELPER"), {"which": "all", "matching": "3", "unit": "县民政局"})
    assert response.status_code == 302
    units = dict(Problem.objects.values_list("pk", "responsible_unit"))
    assert units[problems["a"].pk] == units[problems["d"].pk] == "县民政局"
    assert units[problems["b"].pk] == ""  # another code
    assert units[problems["c"].pk] == ""  # closed
    # Every open one got its severity's default deadline.
    assert Problem.objects.get(pk=problems["d"].pk).deadline is not None


def test_bulk_all_refuses_when_the_filters_match_other_problems_now(problems, users, client_for):
    before = snapshot()
    response = client_for(users[Role.COUNTY_ADMIN]).post(bulk_url(code="NO_HELPER"),
                                                         {"which": "all", "matching": "2", "unit": "县民政局"})
    assert response.status_code == 400 and "3" in response.context["bulk_error"]
    assert snapshot() == before


def test_bulk_refuses_a_person_whose_regions_do_not_hold_every_problem(problems, users, client_for):
    before = snapshot()
    client = client_for(users[Role.COUNTY_ADMIN])
    response = client.post(bulk_url(), {"which": "chosen", "problem": [problems["a"].pk, problems["d"].pk],
                                        "person": users[Role.TOWN_CADRE].pk, "note": "统一交办"})
    assert response.status_code == 400
    assert problems["d"].number in response.context["bulk_error"]
    html = response.content.decode()
    assert problems["d"].number in html and "统一交办</textarea>" in html
    assert response.context["ticked"] == {problems["a"].pk, problems["d"].pk}
    assert f'value="{problems["a"].pk}" form="bulk-assign" aria-label="{problems["a"].number}" checked' in html
    assert snapshot() == before and not ProblemEvent.objects.exists()


def test_bulk_without_ticked_rows_or_outside_the_regions(problems, users, county, client_for):
    before = snapshot()
    client = client_for(users[Role.COUNTY_ADMIN])
    response = client.post(bulk_url(), {"which": "chosen", "unit": "松林乡"})
    assert response.status_code == 400 and response.context["bulk_form"].non_field_errors()
    other = make_problem("NO_HELPER", household=_other_county_household())
    response = client.post(bulk_url(), {"which": "chosen", "problem": [problems["a"].pk, other.pk], "unit": "x"})
    assert response.status_code == 403 and other.number in response.context["bulk_error"]
    assert snapshot()[: len(before)] == before and not ProblemEvent.objects.exists()


def _other_county_household():
    from tests.factories import build_county

    return build_county(towns=1, villages_per_town=1, households_per_village=1, seed=3, code="439903",
                        name="远县").households[0]


# ---- the list: columns and filters ----------------------------------------------------------------

def test_list_shows_responsible_deadline_overdue_and_recurring(problems, users, client_for):
    Problem.objects.filter(pk=problems["a"].pk).update(
        responsible_unit="松林乡", responsible_person=users[Role.TOWN_CADRE], deadline=TODAY() - dt.timedelta(days=2))
    Problem.objects.filter(pk=problems["b"].pk).update(recurring=True, recurrence_count=2)
    response = client_for(users[Role.COUNTY_ADMIN]).get(list_url())
    html = response.content.decode()
    assert '<tr class="overdue">' in html
    assert 'class="badge overdue"' in html and 'class="badge recurring"' in html
    assert in_language("recurring ×%(n)s", n=2) in html
    with translation.override(settings.LANGUAGE_CODE):
        assert translation.ngettext("%(n)s day overdue", "%(n)s days overdue", 2) % {"n": 2} in html
    assert "松林乡" in html and (TODAY() - dt.timedelta(days=2)).isoformat() in html
    # The town cadre sees the columns but no bulk form, and no ticks.
    response = client_for(users[Role.TOWN_CADRE]).get(list_url())
    assert response.context["bulk_form"] is None and 'form="bulk-assign"' not in response.content.decode()


def test_overdue_recurring_and_assignment_filters(problems, users, client_for):
    town = users[Role.TOWN_CADRE]
    Problem.objects.filter(pk=problems["a"].pk).update(responsible_person=town, deadline=TODAY() - dt.timedelta(days=1))
    Problem.objects.filter(pk=problems["b"].pk).update(responsible_unit="县民政局", deadline=TODAY() + dt.timedelta(days=1))
    Problem.objects.filter(pk=problems["c"].pk).update(deadline=TODAY() - dt.timedelta(days=9), recurring=True,
                                                       recurrence_count=1)  # closed: not overdue
    Problem.objects.filter(pk=problems["d"].pk).update(recurring=True, recurrence_count=1)
    admin = client_for(users[Role.COUNTY_ADMIN])
    ids = {name: p.pk for name, p in problems.items()}
    assert rows(admin.get(list_url(overdue="yes"))) == {ids["a"]}
    assert rows(admin.get(list_url(recurring="yes"))) == {ids["c"], ids["d"]}
    assert rows(admin.get(list_url(assigned="none"))) == {ids["c"], ids["d"]}
    assert rows(admin.get(list_url(assigned="me"))) == set()
    assert rows(client_for(town).get(list_url(assigned="me"))) == {ids["a"]}
    assert rows(admin.get(list_url(recurring="yes", town=problems["d"].town_id))) == {ids["d"]}
    assert rows(admin.get(list_url(overdue="maybe"))) == set(ids.values())  # an invalid filter is dropped
    # htmx live filtering answers the results with the new filters too.
    response = admin.get(list_url(overdue="yes"), HTTP_HX_REQUEST="true")
    assert response.templates[0].name == "rectification/problem_list_results.html"
    assert rows(response) == {ids["a"]}


def test_the_export_follows_the_new_filters(problems, users, client_for):
    Problem.objects.filter(pk=problems["d"].pk).update(recurring=True, recurrence_count=1)
    response = client_for(users[Role.COUNTY_ADMIN]).get(
        reverse("rectification:problem_export", args=["csv"]) + "?recurring=yes")
    body = response.content.decode("utf-8-sig")
    assert problems["d"].number in body and problems["a"].number not in body


def test_the_run_page_links_to_the_problems_it_found_again(users, county, client_for):
    run = make_run(region=county.county, user=users[Role.COUNTY_ADMIN], counts={"NO_HELPER": 1}, reopened=4)
    html = client_for(users[Role.COUNTY_ADMIN]).get(reverse("lookback:run_detail", args=[run.pk])).content.decode()
    assert f"{list_url()}?run={run.pk}&amp;recurring=yes" in html
