"""The problems API: who sees which problems, what is masked, the filters, bulk assignment, the schema.

The steps, evidence and downloads are in test_problems_steps.py, which reuses the fixtures here."""

import datetime as dt

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from huitoukan.accounts.masking import mask_id_number
from huitoukan.accounts.roles import Role
from huitoukan.rectification.models import Notice, Problem, ProblemEvent
from tests.factories import make_user
from tests.rectification.test_pages import id_problem, make_problem
from tests.scope_fixtures import *

pytestmark = pytest.mark.django_db
# What test_problems_steps.py takes from here (a star import of a test module must not bring its tests).
__all__ = ["api", "media", "problems", "snapshot"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def problems(county, other_county):
    """Problems in both towns of the county (two villages of the first town) and one next door."""
    t1, t2 = county.towns
    h1, h2 = county.households_of(t1)[0], county.households_of(t1)[-1]
    h3 = county.households_of(t2)[0]
    return {
        "id_t1": id_problem(h1.members.order_by("pk").first()),  # the village cadre's village
        "helper_t1": make_problem("NO_HELPER", household=h2, source="self_check"),  # the town's other village
        "house_t1": make_problem("GUARANTEE_HOUSING", household=h1, severity="serious", status="in_progress"),
        "housing_t2": make_problem("GUARANTEE_HOUSING", household=h3, severity="serious"),
        "next_door": make_problem("NO_HELPER", household=other_county.households[0]),
    }


@pytest.fixture
def api():
    """api(user): a client logged in as `user` (a session, as the web pages set it)."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


def named(problems, *names) -> set[str]:
    return {problems[name].number for name in names}


def snapshot(problem: Problem) -> tuple:
    problem.refresh_from_db()
    return (problem.status, problem.responsible_unit, problem.responsible_person_id, problem.deadline,
            problem.fixed_at, problem.closed_at, problem.events.count(), problem.evidence.count())


# ---- scope ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, expected", [
    (Role.COUNTY_ADMIN, {"id_t1", "helper_t1", "house_t1", "housing_t2"}),
    (Role.INSPECTOR, {"id_t1", "helper_t1", "house_t1", "housing_t2"}),
    (Role.LEADER, {"id_t1", "helper_t1", "house_t1", "housing_t2"}),
    (Role.TOWN_CADRE, {"id_t1", "helper_t1", "house_t1"}),
    (Role.VILLAGE_CADRE, {"id_t1", "house_t1"}),
])
def test_each_role_lists_its_regions_problems_only(role, expected, api, users, problems):
    client = api(users[role])
    assert numbers(client.get("/api/problems/")) == named(problems, *expected)
    for name, problem in problems.items():
        assert client.get(f"/api/problems/{problem.pk}/").status_code == (200 if name in expected else 404), name


def test_out_of_scope_and_missing_problems_answer_alike(api, users, problems):
    client = api(users[Role.TOWN_CADRE])
    other_town = client.get(f"/api/problems/{problems['housing_t2'].pk}/")
    missing = client.get("/api/problems/99999999/")
    assert other_town.status_code == missing.status_code == 404
    assert other_town.json() == missing.json()


def test_data_provider_and_anonymous_are_refused(api, users, problems):
    assert api(users[Role.DATA_PROVIDER]).get("/api/problems/").status_code == 403
    assert api(users[Role.DATA_PROVIDER]).get(f"/api/problems/{problems['id_t1'].pk}/").status_code == 403
    assert Client().get("/api/problems/").status_code == 401
    assert Client().get(f"/api/problems/{problems['id_t1'].pk}/").status_code == 401


def test_a_user_without_regions_sees_nothing(api, county, problems):
    nowhere = make_user("nowhere", Role.COUNTY_ADMIN, [])
    assert numbers(api(nowhere).get("/api/problems/")) == set()


# ---- fields and masking -----------------------------------------------------------------------


def test_list_fields(api, users, problems):
    problem = problems["house_t1"]
    problem.responsible_unit = "松林乡人民政府"
    problem.responsible_person = users[Role.TOWN_CADRE]
    problem.deadline = timezone.localdate() - dt.timedelta(days=1)
    problem.save()
    rows = {r["id"]: r for r in api(users[Role.COUNTY_ADMIN]).get("/api/problems/").json()["results"]}
    row = rows[problem.pk]
    household = problem.household
    assert row["number"] == problem.number and row["code"] == "GUARANTEE_HOUSING"
    assert row["status"] == "in_progress" and row["severity"] == "serious" and row["category"] == "guarantee"
    assert row["household"] == {"id": household.pk, "household_no": household.household_no,
                                "head_name": household.head_name}
    assert row["person"] is None
    assert row["town"] == {"code": household.town.code, "name": household.town.name}
    assert row["village"]["code"] == household.village.code
    assert row["responsible_unit"] == "松林乡人民政府"
    assert row["responsible_person"]["id"] == users[Role.TOWN_CADRE].pk
    assert row["overdue"] is True
    assert rows[problems["helper_t1"].pk]["overdue"] is False  # no deadline
    assert set(row) >= {"recurring", "recurrence_count", "first_found_at", "last_found_at", "still_found",
                        "fixed_at", "closed_at", "deadline", "target_type", "target_key", "description", "title"}
    # A person's problem names the person's household.
    person_row = rows[problems["id_t1"].pk]
    assert person_row["household"]["household_no"] == problems["id_t1"].person.household.household_no


@pytest.mark.parametrize("role, masked", [(Role.COUNTY_ADMIN, False), (Role.INSPECTOR, False),
                                          (Role.TOWN_CADRE, True), (Role.VILLAGE_CADRE, True),
                                          (Role.LEADER, True)])
def test_id_numbers_in_person_and_description_follow_the_role(role, masked, api, users, problems):
    problem = problems["id_t1"]
    full = problem.person.id_number
    client = api(users[role])
    row = next(r for r in client.get("/api/problems/").json()["results"] if r["id"] == problem.pk)
    detail = client.get(f"/api/problems/{problem.pk}/").json()
    for shown in (row, detail):
        assert shown["person"]["name"] == problem.person.name
        assert shown["person"]["id_number"] == (mask_id_number(full) if masked else full)
        assert (full in shown["description"]) is not masked
        assert (mask_id_number(full) in shown["description"]) is masked
    assert (full in str(detail)) is not masked  # nowhere else in the detail either


def test_detail_masks_id_numbers_in_notes_and_sources(api, users, problems):
    problem = problems["id_t1"]
    full = problem.person.id_number
    source = problem.sources.get()
    source.description = f"核查发现{full}号码有误"
    source.save()
    ProblemEvent.objects.create(problem=problem, action="progress", from_status="open", to_status="in_progress",
                                note=f"已核对{full}", details={"said": f"号码{full}"}, actor_name="x",
                                at=timezone.now())
    detail = api(users[Role.TOWN_CADRE]).get(f"/api/problems/{problem.pk}/").json()
    assert full not in str(detail)
    assert detail["sources"][0]["description"] == f"核查发现{mask_id_number(full)}号码有误"
    assert detail["events"][0]["note"] == f"已核对{mask_id_number(full)}"
    assert detail["events"][0]["details"] == {"said": f"号码{mask_id_number(full)}"}
    admin = api(users[Role.COUNTY_ADMIN]).get(f"/api/problems/{problem.pk}/").json()
    assert admin["events"][0]["note"] == f"已核对{full}"


def test_detail_has_sources_events_evidence_and_the_callers_steps(api, users, problems):
    problem = problems["id_t1"]
    detail = api(users[Role.VILLAGE_CADRE]).get(f"/api/problems/{problem.pk}/").json()
    assert detail["sources"] == [{"source": "lookback", "source_display": detail["sources"][0]["source_display"],
                                  "round": "", "found_on": None, "description": "", "run": None}]
    assert detail["events"] == [] and detail["evidence"] == []
    assert [s["action"] for s in detail["allowed_steps"]] == ["started", "progress", "reported_fixed"]
    assert detail["allowed_steps"][2]["evidence_required"] is True
    inspector = api(users[Role.INSPECTOR]).get(f"/api/problems/{problem.pk}/").json()
    assert inspector["allowed_steps"] == []  # inspectors verify; an open problem has nothing to verify
    leader = api(users[Role.LEADER]).get(f"/api/problems/{problem.pk}/").json()
    assert leader["allowed_steps"] == []


# ---- filters ----------------------------------------------------------------------------------


def test_filters(api, users, county, problems):
    client = api(users[Role.COUNTY_ADMIN])
    t1, t2 = county.towns
    village = problems["helper_t1"].village
    assert numbers(client.get("/api/problems/", {"code": "GUARANTEE_HOUSING"})) == named(problems, "house_t1",
                                                                                         "housing_t2")
    assert numbers(client.get("/api/problems/", {"severity": "serious", "status": "open"})) == named(problems,
                                                                                                    "housing_t2")
    assert numbers(client.get("/api/problems/", {"category": "data_quality"})) == named(problems, "id_t1",
                                                                                        "helper_t1")
    assert numbers(client.get("/api/problems/", {"source": "self_check"})) == named(problems, "helper_t1")
    # Regions by code or by id, as the registry API's `region`.
    for value in (t2.code, t2.pk):
        assert numbers(client.get("/api/problems/", {"town": value})) == named(problems, "housing_t2")
    for value in (village.code, village.pk):
        assert numbers(client.get("/api/problems/", {"village": value})) == named(problems, "helper_t1")
    assert numbers(client.get("/api/problems/", {"town": t1.code, "village": village.code})) == named(
        problems, "helper_t1")
    assert numbers(client.get("/api/problems/", {"town": "990000000000"})) == set()  # unknown: nothing
    assert numbers(client.get("/api/problems/", {"town": village.code})) == set()  # not a town
    assert numbers(client.get("/api/problems/", {"search": problems["house_t1"].number})) == named(problems,
                                                                                                  "house_t1")


def test_workflow_filters(api, users, problems):
    today = timezone.localdate()
    Problem.objects.filter(pk=problems["house_t1"].pk).update(deadline=today - dt.timedelta(days=3),
                                                               responsible_person=users[Role.TOWN_CADRE])
    Problem.objects.filter(pk=problems["id_t1"].pk).update(deadline=today + dt.timedelta(days=10),
                                                            recurring=True, recurrence_count=1)
    # Past the deadline but awaiting verification: the county's turn, not overdue.
    Problem.objects.filter(pk=problems["housing_t2"].pk).update(deadline=today - dt.timedelta(days=3),
                                                                 status="fixed")
    admin = api(users[Role.COUNTY_ADMIN])
    assert numbers(admin.get("/api/problems/", {"overdue": "true"})) == named(problems, "house_t1")
    assert numbers(admin.get("/api/problems/", {"recurring": "true"})) == named(problems, "id_t1")
    assert numbers(admin.get("/api/problems/", {"deadline_before": str(today)})) == named(problems, "house_t1",
                                                                                          "housing_t2")
    assert numbers(admin.get("/api/problems/", {"deadline_before": str(today + dt.timedelta(days=10))})) == named(
        problems, "house_t1", "housing_t2", "id_t1")
    assert numbers(admin.get("/api/problems/", {"assigned_to_me": "true"})) == set()
    mine = api(users[Role.TOWN_CADRE]).get("/api/problems/", {"assigned_to_me": "true"})
    assert numbers(mine) == named(problems, "house_t1")


@pytest.mark.parametrize("params", [{"status": "done"}, {"severity": "big"}, {"source": "rumour"},
                                    {"overdue": "maybe"}, {"deadline_before": "31/12/2026"}])
def test_a_bad_filter_value_is_a_400_naming_it(params, api, users, problems):
    response = api(users[Role.COUNTY_ADMIN]).get("/api/problems/", params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_a_town_cadre_cannot_reach_another_town_by_filter(api, users, county, problems):
    client = api(users[Role.TOWN_CADRE])
    t2 = county.towns[1]
    for params in ({"town": t2.code}, {"town": t2.pk}, {"search": problems["housing_t2"].number}):
        assert numbers(client.get("/api/problems/", params)) == set()


def test_list_is_paginated(api, users, problems):
    body = api(users[Role.COUNTY_ADMIN]).get("/api/problems/", {"page_size": 2}).json()
    assert body["count"] == 4 and len(body["results"]) == 2 and body["next"]


# ---- bulk assignment --------------------------------------------------------------------------


def assign(client, body):
    return client.post("/api/problems/assign/", body, content_type="application/json")


def test_county_admin_assigns_in_bulk(api, users, problems):
    Problem.objects.filter(pk=problems["house_t1"].pk).update(status="closed")
    deadline = timezone.localdate() + dt.timedelta(days=30)
    chosen = [problems["id_t1"].pk, problems["helper_t1"].pk, problems["house_t1"].pk]
    response = assign(api(users[Role.COUNTY_ADMIN]), {
        "problems": chosen, "responsible_unit": "松林乡人民政府", "responsible_person": users[Role.TOWN_CADRE].pk,
        "deadline": str(deadline), "note": "请按期整改"})
    assert response.status_code == 200, response.content
    assert response.json() == {"assigned": 2, "skipped_closed": 1}
    for name in ("id_t1", "helper_t1"):
        problem = Problem.objects.get(pk=problems[name].pk)
        assert (problem.responsible_unit, problem.responsible_person_id, problem.deadline) == (
            "松林乡人民政府", users[Role.TOWN_CADRE].pk, deadline)
        assert problem.events.get().action == "assigned"
    assert Notice.objects.filter(user=users[Role.TOWN_CADRE], kind="assigned").count() == 2
    closed = Problem.objects.get(pk=problems["house_t1"].pk)
    assert closed.responsible_unit == "" and closed.events.count() == 0


def test_assigning_without_a_deadline_gives_the_severitys_default(api, users, problems):
    response = assign(api(users[Role.COUNTY_ADMIN]), {"problems": [problems["housing_t2"].pk],
                                                       "responsible_unit": "白沙乡"})
    assert response.status_code == 200, response.content
    assert Problem.objects.get(pk=problems["housing_t2"].pk).deadline > timezone.localdate()


@pytest.mark.parametrize("role", [Role.TOWN_CADRE, Role.INSPECTOR, Role.VILLAGE_CADRE, Role.LEADER])
def test_other_roles_may_not_assign(role, api, users, problems):
    before = snapshot(problems["id_t1"])
    response = assign(api(users[role]), {"problems": [problems["id_t1"].pk], "responsible_unit": "x"})
    assert response.status_code == 403
    assert "detail" in response.json()
    assert snapshot(problems["id_t1"]) == before


def test_assigning_another_countys_problem_reveals_nothing(api, users, problems):
    client = api(users[Role.COUNTY_ADMIN])
    ours, theirs = problems["id_t1"], problems["next_door"]
    before = snapshot(ours), snapshot(theirs)
    foreign = assign(client, {"problems": [ours.pk, theirs.pk], "responsible_unit": "x"})
    missing = assign(client, {"problems": [ours.pk, 99999999], "responsible_unit": "x"})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert theirs.number not in foreign.content.decode()
    assert (snapshot(ours), snapshot(theirs)) == before


def test_assignment_refusals_of_the_request_are_400_and_change_nothing(api, users, problems):
    client = api(users[Role.COUNTY_ADMIN])
    problem = problems["id_t1"]
    before = snapshot(problem)
    yesterday = str(timezone.localdate() - dt.timedelta(days=1))
    # A deadline in the past (the core's refusal), nothing to set, an unknown person, a person who
    # cannot rectify, a malformed body.
    for body in ({"problems": [problem.pk], "deadline": yesterday},
                 {"problems": [problem.pk]},
                 {"problems": [problem.pk], "responsible_person": 99999999},
                 {"problems": [problem.pk], "responsible_person": users[Role.INSPECTOR].pk},
                 {"problems": [], "responsible_unit": "x"},
                 {"problems": ["WT1"], "responsible_unit": "x"},
                 {"problems": [problem.pk], "deadline": "soon"}):
        response = assign(client, body)
        assert response.status_code == 400, (body, response.content)
    # A town cadre of the other town cannot be made responsible for this town's problem.
    other = make_user("cadre_t2", Role.TOWN_CADRE, [problems["housing_t2"].town])
    response = assign(client, {"problems": [problem.pk], "responsible_person": other.pk})
    assert response.status_code == 400 and problem.number in response.json()["detail"]
    assert snapshot(problem) == before


# ---- schema -----------------------------------------------------------------------------------


def test_schema_describes_the_problems_api(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), "--lang", "en")
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    assert set(paths["/api/problems/"]) == {"get"}
    assert set(paths["/api/problems/{id}/"]) == {"get"}
    assert set(paths["/api/problems/{id}/steps/"]) == {"post"}
    assert set(paths["/api/problems/{id}/evidence/"]) == {"post"}
    assert set(paths["/api/problems/assign/"]) == {"post"}
    assert set(paths["/api/evidence/{id}/download/"]) == {"get"}
    params = {p["name"] for p in paths["/api/problems/"]["get"]["parameters"]}
    assert {"code", "category", "severity", "status", "source", "town", "village", "overdue", "recurring",
            "assigned_to_me", "deadline_before", "page"} <= params

    steps = paths["/api/problems/{id}/steps/"]["post"]
    assert set(steps["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert {"201", "400", "403", "404"} <= set(steps["responses"])
    upload = paths["/api/problems/{id}/evidence/"]["post"]["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data"}
    components = schema["components"]["schemas"]
    for name in ("StepUpload", "EvidenceUpload"):
        assert components[name]["properties"]["files"]["items"] == {"type": "string", "format": "binary"}
    download = paths["/api/evidence/{id}/download/"]["get"]["responses"]["200"]["content"]
    assert download["application/octet-stream"]["schema"]["format"] == "binary"
    assert components["StepActionEnum"]["enum"] == ["started", "progress", "reported_fixed", "verified",
                                                    "verification_failed"]
    assert components["ProblemStatusEnum"]["enum"] == ["open", "in_progress", "fixed", "closed"]
    assert "allowed_steps" in components["ProblemDetail"]["properties"]


def test_a_page_of_problems_costs_the_same_queries_whatever_its_size(api, users, county, problems):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(users[Role.COUNTY_ADMIN])

    def cost():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/problems/").status_code == 200
        return len(queries)

    before = cost()
    for household in county.households_of(county.towns[1])[1:]:
        problem = make_problem("NO_HELPER", household=household)
        Problem.objects.filter(pk=problem.pk).update(responsible_person=users[Role.TOWN_CADRE])
    for person in [h.members.first() for h in county.households_of(county.towns[0])[1:3]]:
        id_problem(person)
    assert cost() == before
