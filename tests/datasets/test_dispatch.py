"""Dispatching early-warning signals to towns and recording the visits (datasets/dispatch.py,
signal_identity.py, views_dispatch.py), on test_warnings.py's scenario: the signal's identity (stable
across reloads and months, keyed, never the raw number), dispatch (one, ticked, all filtered; bulk;
a rerun skipped and counted; a town chosen by hand for a record naming none), who may (403), the
towns' scope (another town's dispatch is 404), the visit (validation, once, who and when), and the
status on the warnings page, its counts and the export."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from huitoukan.accounts.models import ExportLog
from huitoukan.accounts.roles import ROLE_CAPABILITIES, Capability, Role
from huitoukan.datasets import dispatch, signal_identity
from huitoukan.datasets.models import WarningDispatch
from huitoukan.datasets.warnings import (
    DEATH,
    HIGH_MEDICAL_COST,
    NEW_DIBAO,
    SEVERE_DISABILITY,
    UNKNOWN_TOWN,
    month_warnings,
)
from tests.factories import make_user

from .test_warnings import MARCH, keyed, scenario  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
APRIL = dt.date(2024, 4, 1)
Outcome = WarningDispatch.Outcome


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def admin_of(a, name="admin_a"):
    return make_user(name, Role.COUNTY_ADMIN, [a.county])


# --- identity -----------------------------------------------------------------------------------

def test_a_signal_keeps_its_key_across_reloads_and_months_and_never_shows_the_number(scenario, settings):  # noqa: F811
    a, _b, _x, _loads = scenario
    admin = admin_of(a)
    march = keyed(month_warnings(admin, MARCH).rows)
    again = keyed(month_warnings(admin, MARCH).rows)
    april = keyed(month_warnings(admin, APRIL).rows)
    assert {k: r["signal_key"] for k, r in march.items()} == {k: r["signal_key"] for k, r in again.items()}
    # The disability and the year's costs are signals every month: the same signals.
    for key in ((SEVERE_DISABILITY, a.people[2].name), (SEVERE_DISABILITY, "李外三"), (HIGH_MEDICAL_COST, "周外四")):
        assert april[key]["signal_key"] == march[key]["signal_key"]
    keys = [r["signal_key"] for r in march.values()]
    assert len(set(keys)) == len(keys) and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)
    for row in march.values():  # keyed: no ID number inside, nor its plain SHA-256
        import hashlib

        number = row["id_number"] or ""
        assert number not in row["signal_key"] and number not in row["person_key"]
        assert row["person_key"] != hashlib.sha256(number.encode()).hexdigest()
    # The secret keys them: another secret, other keys.
    settings.PSEUDONYM_KEY = "another"
    assert month_warnings(admin, MARCH).rows[0]["signal_key"] not in keys


def test_the_identity_rules():
    key = signal_identity.signal_key
    linked = {"signal": SEVERE_DISABILITY, "id_number": "43990119500615001x", "person_id": 7,
              "person_id_number": "43990119500615001X", "source_key": "P1", "load_id": 1, "row_number": 2}
    unlinked = {**linked, "person_id": None, "person_id_number": None, "source_key": None, "load_id": 9,
                "row_number": 40}
    # Found outside the registry, then brought in (linked, same number): the same signal, the same person.
    assert key(linked) == key(unlinked)
    assert signal_identity.person_key(linked) == signal_identity.person_key(unlinked)
    # A probabilistic link with a mistyped record number: the registry person's number decides.
    assert key({**linked, "id_number": "439901195006150000"}) == key(linked)
    # No number anywhere: the registry person's source key; else the load's row only.
    no_number = {**linked, "id_number": None, "person_id_number": ""}
    assert key(no_number) == key({**no_number, "load_id": 5}) != key({**no_number, "source_key": "P2"})
    stray = {**no_number, "person_id": None, "source_key": None}
    assert key(stray) != key({**stray, "row_number": 41}) and key(stray) != key({**stray, "load_id": 10})
    # New dibao: one signal per start date; medical costs: per year; disability, death: one per person.
    dibao = {**linked, "signal": NEW_DIBAO, "event_date": dt.date(2024, 3, 5)}
    assert key(dibao) != key({**dibao, "event_date": dt.date(2024, 4, 5)})
    cost = {**linked, "signal": HIGH_MEDICAL_COST, "year": 2024}
    assert key(cost) != key({**cost, "year": 2025}) and key(cost) != key(linked)
    death = {**linked, "signal": DEATH, "event_date": dt.date(2024, 3, 1)}
    assert key(death) == key({**death, "event_date": dt.date(2024, 3, 2)})


# --- dispatch -----------------------------------------------------------------------------------

def test_only_the_county_administrator_may_dispatch():
    assert {role for role, caps in ROLE_CAPABILITIES.items() if Capability.DISPATCH_WARNINGS in caps} == {
        Role.COUNTY_ADMIN}


def test_dispatch_all_filtered_is_one_bulk_and_a_rerun_is_skipped(scenario, django_assert_max_num_queries):  # noqa: F811
    a, _b, x, _loads = scenario
    admin = admin_of(a)
    rows = dispatch.attach_status(month_warnings(admin, MARCH).rows)
    assert {r["status"] for r in rows} == {dispatch.OPEN}
    with django_assert_max_num_queries(12):  # set-based: not a query per signal
        result = dispatch.dispatch_rows(admin, rows, MARCH)
    assert (result.created, result.skipped) == (6, 0)
    assert [(r["signal"], r["name"]) for r in result.no_town] == [(SEVERE_DISABILITY, "李外三")]
    assert WarningDispatch.objects.count() == 6
    p = a.people
    d = WarningDispatch.objects.get(name=p[0].name)
    assert (d.town_id, d.village_id, d.household_id, d.person_id) == (
        p[0].household.town_id, p[0].household.village_id, p[0].household_id, p[0].pk)
    assert (d.signal, d.month, d.dispatched_by, d.town_by_hand) == (NEW_DIBAO, MARCH, admin, False)
    assert d.due_on == timezone.localdate() + dt.timedelta(days=15)  # the default HUITOUKAN_WARNING_VISIT_DAYS
    outside = WarningDispatch.objects.get(name="钱外一")
    assert outside.town_id == a.towns[1].pk and outside.person_id is None and outside.id_number_masked != x[1]
    assert outside.id_number_masked == x[1][:6] + "********" + x[1][-4:]

    again = dispatch.dispatch_rows(admin, month_warnings(admin, MARCH).rows, MARCH)
    assert (again.created, again.skipped, len(again.no_town)) == (0, 6, 1)
    assert WarningDispatch.objects.count() == 6

    # The one naming no town goes once a town is chosen, but only a town of the dispatcher's own.
    lost = [r for r in month_warnings(admin, MARCH).rows if r["town_key"] == UNKNOWN_TOWN]
    assert dispatch.dispatch_rows(admin, lost, MARCH, {lost[0]["signal_key"]: _b.towns[0].pk}).created == 0
    done = dispatch.dispatch_rows(admin, lost, MARCH, {lost[0]["signal_key"]: a.towns[0].pk})
    assert done.created == 1 and WarningDispatch.objects.get(name="李外三").town_by_hand


def test_dispatch_through_the_page(scenario):  # noqa: F811
    a, _b, _x, _loads = scenario
    admin = admin_of(a)
    client = client_of(admin)
    url = reverse("datasets:warnings_dispatch")
    rows = keyed(month_warnings(admin, MARCH).rows)
    one = rows[(DEATH, a.people[7].name)]["signal_key"]
    page = client.get(reverse("datasets:warnings"), {"month": "2024-03"}).content.decode()
    assert f'name="one" value="{one}"' in page and 'name="key"' in page and "town_for_" in page

    response = client.post(url, {"month": "2024-03", "one": one})
    assert response.status_code == 302 and "month=2024-03" in response["Location"]
    assert list(WarningDispatch.objects.values_list("signal_key", flat=True)) == [one]

    ticked = [rows[(NEW_DIBAO, a.people[0].name)]["signal_key"], one]
    client.post(url, {"month": "2024-03", "action": "ticked", "key": ticked})
    assert WarningDispatch.objects.count() == 2

    # All filtered: the March dibao signals only (the filter is the posted one).
    client.post(url, {"month": "2024-03", "signal": NEW_DIBAO, "action": "all"})
    assert set(WarningDispatch.objects.values_list("signal", flat=True)) == {NEW_DIBAO, DEATH}
    assert WarningDispatch.objects.count() == 3
    # A chosen town for the one naming none, through the page's select.
    lost = rows[(SEVERE_DISABILITY, "李外三")]["signal_key"]
    client.post(url, {"month": "2024-03", "one": lost, f"town_for_{lost}": str(a.towns[1].pk)})
    assert WarningDispatch.objects.get(signal_key=lost).town_id == a.towns[1].pk

    # The status filter and the counts per town.
    page = client.get(reverse("datasets:warnings"), {"month": "2024-03", "status": "dispatched"})
    assert {r["signal_key"] for r in page.context["page"].object_list} == set(
        WarningDispatch.objects.values_list("signal_key", flat=True))
    counts = {e["town_key"]: e for e in page.context["counts"]}
    assert sum(e.get("dispatched", 0) for e in counts.values()) == 4
    assert counts[str(a.towns[1].pk)]["dispatched"] == WarningDispatch.objects.filter(town=a.towns[1]).count()
    open_rows = client.get(reverse("datasets:warnings"), {"month": "2024-03", "status": "open"}).context["page"]
    assert len(open_rows.object_list) == 7 - 4


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.TOWN_CADRE, Role.DATA_PROVIDER, Role.LEADER])
def test_other_roles_may_not_dispatch(scenario, role):  # noqa: F811
    a, _b, _x, _loads = scenario
    key = month_warnings(admin_of(a), MARCH).rows[0]["signal_key"]
    client = client_of(make_user("other", role, [a.county]))
    assert client.post(reverse("datasets:warnings_dispatch"), {"month": "2024-03", "one": key}).status_code == 403
    assert not WarningDispatch.objects.exists()
    if role == Role.INSPECTOR:  # sees the page, without ticks or buttons
        page = client.get(reverse("datasets:warnings"), {"month": "2024-03"}).content.decode()
        assert 'name="one"' not in page and "warnings/dispatch/" not in page


def test_a_key_outside_the_dispatchers_scope_dispatches_nothing(scenario):  # noqa: F811
    a, b, _x, _loads = scenario
    theirs = [r for r in month_warnings(make_user("admin_b", Role.COUNTY_ADMIN, [b.county]), MARCH).rows
              if r["in_registry"]]
    assert theirs
    client_of(admin_of(a)).post(reverse("datasets:warnings_dispatch"),
                                {"month": "2024-03", "one": theirs[0]["signal_key"]})
    assert not WarningDispatch.objects.exists()


# --- the towns' side ----------------------------------------------------------------------------

@pytest.fixture
def dispatched(scenario):  # noqa: F811
    a, _b, _x, _loads = scenario
    admin = admin_of(a)
    rows = month_warnings(admin, MARCH).rows
    lost = next(r for r in rows if r["town_key"] == UNKNOWN_TOWN)
    result = dispatch.dispatch_rows(admin, rows, MARCH, {lost["signal_key"]: a.towns[1].pk})
    assert result.created == 7
    return a, admin


def test_a_town_sees_its_own_dispatches_only(dispatched):
    a, _admin = dispatched
    town0, town1 = a.towns
    cadre = make_user("cadre0", Role.TOWN_CADRE, [town0])
    mine = WarningDispatch.objects.filter(town=town0)
    theirs = WarningDispatch.objects.filter(town=town1)
    assert mine.exists() and theirs.exists()
    client = client_of(cadre)
    listing = client.get(reverse("datasets:dispatch_list"))
    assert listing.status_code == 200
    assert {d.pk for d in listing.context["page"].object_list} == set(mine.values_list("pk", flat=True))
    for d in mine:
        assert client.get(reverse("datasets:dispatch_detail", args=[d.pk])).status_code == 200
    other = theirs.first()
    assert client.get(reverse("datasets:dispatch_detail", args=[other.pk])).status_code == 404
    response = client.post(reverse("datasets:dispatch_visit", args=[other.pk]),
                           {"visited_on": timezone.localdate().isoformat(), "outcome": Outcome.MONITORED})
    assert response.status_code == 404 and WarningDispatch.objects.get(pk=other.pk).visited_on is None
    # A village cadre: their village's linked people, not the town's unplaced records.
    village = mine.exclude(village=None).first().village
    vclient = client_of(make_user("vcadre", Role.VILLAGE_CADRE, [village]))
    shown = {d.pk for d in vclient.get(reverse("datasets:dispatch_list")).context["page"].object_list}
    assert shown == set(WarningDispatch.objects.filter(village=village).values_list("pk", flat=True))
    # Roles without the problem ledger see no dispatches; a helper sees them but records nothing.
    assert client_of(make_user("clerk", Role.DATA_PROVIDER, [a.county])).get(
        reverse("datasets:dispatch_list")).status_code == 403
    helper = client_of(make_user("helper", Role.HELPER, [village]))
    mine_in_village = WarningDispatch.objects.filter(village=village).first()
    assert helper.post(reverse("datasets:dispatch_visit", args=[mine_in_village.pk]),
                       {"visited_on": timezone.localdate().isoformat(), "outcome": "monitored"}).status_code == 403


def test_recording_a_visit(dispatched):
    a, admin = dispatched
    cadre = make_user("cadre0", Role.TOWN_CADRE, [a.towns[0]], first_name="王乡干")
    d = WarningDispatch.objects.filter(town=a.towns[0]).order_by("pk").first()
    client = client_of(cadre)
    url = reverse("datasets:dispatch_visit", args=[d.pk])
    today = timezone.localdate()
    bad = [
        ({"visited_on": (today + dt.timedelta(days=1)).isoformat(), "outcome": "monitored"}, "visited_on"),
        ({"visited_on": (today - dt.timedelta(days=1)).isoformat(), "outcome": "monitored"}, "visited_on"),
        ({"visited_on": today.isoformat(), "outcome": "maybe"}, "outcome"),
        ({"visited_on": "", "outcome": "monitored"}, "visited_on"),
        ({"visited_on": today.isoformat(), "outcome": Outcome.NOT_ELIGIBLE, "note": "  "}, "note"),
    ]
    for data, field_name in bad:
        response = client.post(url, data)
        assert response.status_code == 400 and field_name in response.context["form"].errors, data
    assert WarningDispatch.objects.get(pk=d.pk).visited_on is None

    response = client.post(url, {"visited_on": today.isoformat(), "outcome": Outcome.NOT_ELIGIBLE,
                                 "note": "家庭年人均纯收入高于标准"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.visited_on, d.outcome, d.visit_note, d.visited_by) == (
        today, Outcome.NOT_ELIGIBLE, "家庭年人均纯收入高于标准", cadre)
    assert d.visited_at is not None
    page = client.get(reverse("datasets:dispatch_detail", args=[d.pk])).content.decode()
    assert "王乡干" in page and "家庭年人均纯收入高于标准" in page and 'action="' + url not in page
    # Once: a second recording changes nothing.
    again = client.post(url, {"visited_on": today.isoformat(), "outcome": Outcome.MONITORED})
    assert again.status_code == 400
    d.refresh_from_db()
    assert d.outcome == Outcome.NOT_ELIGIBLE and d.visited_by == cadre

    # Next month the same signal is not open again: it reads visited, not eligible.
    rows = dispatch.attach_status([r for r in month_warnings(admin, APRIL).rows if r["signal_key"] == d.signal_key])
    if rows:  # a March-only signal (a new dibao, a death) does not come back at all
        assert rows[0]["status"] == dispatch.VISITED and rows[0]["dispatch"].outcome == Outcome.NOT_ELIGIBLE


def test_the_county_returns_a_visit_for_another_and_the_returned_visit_is_kept(dispatched):
    a, admin = dispatched
    cadre = make_user("cadre0", Role.TOWN_CADRE, [a.towns[0]], first_name="王乡干")
    d = WarningDispatch.objects.filter(town=a.towns[0]).order_by("pk").first()
    today = timezone.localdate()
    return_url = reverse("datasets:dispatch_return", args=[d.pk])
    # Nothing to return before a visit; the town may not return its own visit.
    assert client_of(admin).post(return_url, {"reason": "再看看"}).status_code == 400
    dispatch.record_visit(d, cadre, visited_on=today, outcome=Outcome.NOT_FOUND, note="无人在家")
    assert client_of(cadre).post(return_url, {"reason": "再看看"}).status_code == 403
    # A reason is required.
    response = client_of(admin).post(return_url, {"reason": "  "})
    assert response.status_code == 400 and "reason" in response.context["return_form"].errors
    assert WarningDispatch.objects.get(pk=d.pk).visited_on == today

    response = client_of(admin).post(return_url, {"reason": "查无此人与户籍信息不符，请再次核实"})
    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.visited_on, d.outcome, d.visit_note, d.visited_by, d.visited_at) == (None, "", "", None, None)
    assert d.due_on == today + dt.timedelta(days=dispatch.visit_days())
    [kept] = d.returned_visits
    assert (kept["visited_on"], kept["outcome"], kept["note"], kept["visited_by"]) == (
        today.isoformat(), Outcome.NOT_FOUND, "无人在家", "王乡干")
    assert kept["reason"] == "查无此人与户籍信息不符，请再次核实" and kept["returned_by"] == admin.username
    # Open again for the town, which records the new visit; the returned one stays on the page.
    visit = client_of(cadre).post(reverse("datasets:dispatch_visit", args=[d.pk]),
                                  {"visited_on": today.isoformat(), "outcome": Outcome.ELIGIBLE})
    assert visit.status_code == 302
    d.refresh_from_db()
    assert d.outcome == Outcome.ELIGIBLE and len(d.returned_visits) == 1
    page = client_of(cadre).get(reverse("datasets:dispatch_detail", args=[d.pk])).content.decode()
    assert "无人在家" in page and "查无此人与户籍信息不符" in page


def test_a_closed_disability_signal_reappears_as_closed_and_a_new_one_shows_the_history(dispatched):
    a, admin = dispatched
    p2 = a.people[2]
    d = WarningDispatch.objects.get(signal=SEVERE_DISABILITY, person=p2)
    dispatch.record_visit(d, admin, visited_on=timezone.localdate(), outcome=Outcome.NOT_ELIGIBLE, note="非本县户籍")
    april = dispatch.attach_status(month_warnings(admin, APRIL).rows)
    row = next(r for r in april if r["signal_key"] == d.signal_key)
    assert row["status"] == dispatch.VISITED and row["dispatch"].outcome == Outcome.NOT_ELIGIBLE
    client = client_of(admin)
    page = client.get(reverse("datasets:warnings"), {"month": "2024-04", "status": "visited"})
    assert [r["signal_key"] for r in page.context["page"].object_list] == [d.signal_key]
    assert "outcome-not_eligible" in page.content.decode()
    # Another signal of the same person (here: a dibao starting in April) is new, with the history beside it.
    other = {**row, "signal": NEW_DIBAO, "event_date": dt.date(2024, 4, 2)}
    other["signal_key"] = signal_identity.signal_key(other)
    [shown] = dispatch.attach_status([other])
    assert shown["status"] == dispatch.OPEN and [e.pk for e in shown["earlier"]] == [d.pk]


def test_overdue_counts_and_the_export_carries_the_status(dispatched):
    a, admin = dispatched
    town0 = a.towns[0]
    late = WarningDispatch.objects.filter(town=town0).order_by("pk")
    first, second = late[0], late[1]
    WarningDispatch.objects.filter(pk=first.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    dispatch.record_visit(second, admin, visited_on=timezone.localdate(), outcome=Outcome.MONITORED)
    client = client_of(admin)
    page = client.get(reverse("datasets:warnings"), {"month": "2024-03"})
    counts = {e["town_key"]: e for e in page.context["counts"]}[str(town0.pk)]
    n = WarningDispatch.objects.filter(town=town0).count()
    assert (counts["dispatched"], counts["visited"], counts["overdue"]) == (n, 1, 1)
    overdue = client.get(reverse("datasets:warnings"), {"month": "2024-03", "status": "overdue"}).context["page"]
    assert [r["signal_key"] for r in overdue.object_list] == [first.signal_key]
    listing = client.get(reverse("datasets:dispatch_list")).context["counts"]
    mine = next(c for c in listing if c["town_id"] == town0.pk)
    assert (mine["dispatched"], mine["visited"], mine["overdue"]) == (n, 1, 1)

    response = client.get(reverse("datasets:warnings_export"), {"month": "2024-03", "town": str(town0.pk)})
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    head = sheet[0]
    status, outcome, visited = head.index("下发状态"), head.index("走访结果"), head.index("走访日期")
    by_name = {r[3]: r for r in sheet[1:]}
    assert by_name[first.name][status] == "已下发逾期未走访"
    assert (by_name[second.name][status], by_name[second.name][outcome]) == ("已走访", "已纳入监测")
    assert by_name[second.name][visited] == timezone.localdate().isoformat()
    log = ExportLog.objects.get()
    assert log.what == "datasets.warnings" and log.row_count == len(sheet) - 1
