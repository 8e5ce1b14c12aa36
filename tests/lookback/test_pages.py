"""The look-back pages: who may start a run and over which regions, the run page in each state,
the rule catalog. Starting a run goes through the real service, snapshot and DuckDB engine (the
task runs at once with django-tasks' immediate backend)."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from huitoukan.accounts.roles import Role
from huitoukan.lookback.models import Run
from huitoukan.lookback.service import available_rules
from huitoukan.policy.models import PolicyProfile
from huitoukan.rectification.models import Problem
from huitoukan.registry.models import Person
from tests.rectification.test_pages import make_problem, make_run
from tests.scope_fixtures import *

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
RUNS = reverse("lookback:run_list")


@pytest.fixture
def profile(db):
    return PolicyProfile.objects.create(year=timezone.localdate().year, poverty_line=4000, borderline_upper=6000)


def start(client, **data):
    form = {"as_of": timezone.localdate().isoformat(), "engine": "duckdb",
            "rules": [r.code for r in available_rules()]} | data
    return client.post(RUNS, {k: v for k, v in form.items() if v is not None})


# ---- who may start a run --------------------------------------------------------------------


def test_the_form_offers_the_users_regions_and_every_rule(county, other_county, users, client_for):
    response = client_for(users[Role.COUNTY_ADMIN]).get(RUNS)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["region"] == str(county.county.pk)
    offered = {value for value, _label in form.fields["region"].choices}
    assert offered == {str(r.pk) for r in [county.county, *county.towns, *county.villages]}
    codes = {r.code for r in available_rules()}
    assert set(form.initial["rules"]) == codes
    html = response.content.decode()
    assert all(f'value="{code}" checked' in html for code in codes)
    assert other_county.county.name not in html


@pytest.mark.parametrize("role", [Role.TOWN_CADRE, Role.VILLAGE_CADRE, Role.HELPER, Role.LEADER])
def test_roles_without_run_lookback_read_runs_but_cannot_start_one(role, county, profile, users, client_for):
    client = client_for(users[role])
    response = client.get(RUNS)
    assert response.status_code == 200 and response.context["form"] is None
    assert 'name="rules"' not in response.content.decode()
    assert start(client, region=str(county.county.pk)).status_code == 403
    assert not Run.objects.exists()


def test_data_providers_see_no_look_back(users, client_for):
    client = client_for(users[Role.DATA_PROVIDER])
    assert client.get(RUNS).status_code == 403
    assert client.get(reverse("lookback:rule_list")).status_code == 403


@override_settings(TASKS=IMMEDIATE)
def test_inspector_starts_a_run_and_lands_on_its_result(county, profile, users, client_for):
    # A check digit gone wrong: ID_INVALID must find it.
    Person.objects.filter(pk=county.people[0].pk).update(id_number="439901199001010000")
    client = client_for(users[Role.INSPECTOR])
    response = start(client, region=str(county.towns[0].pk))
    run = Run.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("lookback:run_detail", args=[run.pk])
    assert run.state == Run.State.DONE, run.error
    assert (run.region, run.created_by, run.requested_rules) == (county.towns[0], users[Role.INSPECTOR], [])
    page = client.get(response["Location"])
    assert page.status_code == 200
    rows = {row["code"]: row for row in page.context["rule_rows"]}
    ran = {r.code for r in available_rules() if not set(r.inputs) - {"person", "household", "region"}}
    assert set(rows) == ran  # no department data loaded: the cross-comparison rules were not run
    assert set(run.skipped_rules) == {r.code for r in available_rules()} - ran
    assert "DECEASED_UNMARKED" in page.content.decode()  # …and the page says so
    assert sum(row["count"] for row in rows.values()) == run.findings_count == Problem.objects.count()
    html = page.content.decode()
    assert rows["ID_INVALID"]["count"] >= 1
    assert f"?run={run.pk}&amp;code=ID_INVALID" in html
    assert [r["town"] for r in page.context["regions"]["rows"]] == [county.towns[0]]


@override_settings(TASKS=IMMEDIATE)
def test_a_chosen_subset_of_rules_is_recorded(county, profile, users, client_for):
    response = start(client_for(users[Role.COUNTY_ADMIN]), region=str(county.county.pk), rules=["ID_INVALID"])
    assert response.status_code == 302
    run = Run.objects.get()
    assert run.requested_rules == ["ID_INVALID"] and list(run.rule_versions) == ["ID_INVALID"]


@pytest.mark.parametrize("bad, message", [
    ({"rules": []}, "请至少选择一条规则。"),  # the page speaks Chinese
    ({"as_of": "2020-02-30"}, None),
    ({"engine": "oracle"}, None),
])
def test_bad_input_is_refused_on_the_form(bad, message, county, profile, users, client_for):
    response = start(client_for(users[Role.COUNTY_ADMIN]), region=str(county.county.pk), **bad)
    assert response.status_code == 400 and not Run.objects.exists()
    assert response.context["form"].errors
    if message:
        assert message in response.content.decode()


def test_a_region_outside_the_users_scope_is_refused(county, other_county, profile, users, client_for):
    response = start(client_for(users[Role.INSPECTOR]), region=str(other_county.county.pk))
    assert response.status_code == 400 and "region" in response.context["form"].errors
    assert not Run.objects.exists()


def test_without_a_policy_profile_the_service_says_why(county, users, client_for):
    response = start(client_for(users[Role.COUNTY_ADMIN]), region=str(county.county.pk))
    assert response.status_code == 400 and not Run.objects.exists()
    errors = response.context["form"].non_field_errors()
    assert errors and str(timezone.localdate().year) in errors[0]


# ---- the run page in each state -----------------------------------------------------------------


def test_a_queued_run_polls_its_progress(county, users, client_for):
    run = make_run(region=county.county, state=Run.State.QUEUED)
    client = client_for(users[Role.COUNTY_ADMIN])
    html = client.get(reverse("lookback:run_detail", args=[run.pk])).content.decode()
    progress_url = reverse("lookback:run_progress", args=[run.pk])
    assert f'hx-get="{progress_url}"' in html and 'http-equiv="refresh"' in html  # htmx, or a reload without JS
    Run.objects.filter(pk=run.pk).update(state=Run.State.RUNNING, progress=42, progress_note="正在检查 ID_INVALID")
    partial = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "HX-Refresh" not in partial
    text = partial.content.decode()
    assert 'value="42"' in text and "正在检查 ID_INVALID" in text and "<html" not in text
    Run.objects.filter(pk=run.pk).update(state=Run.State.DONE)
    done = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    assert 'http-equiv="refresh"' not in client.get(reverse("lookback:run_detail", args=[run.pk])).content.decode()


def test_a_failed_run_shows_its_error(county, users, client_for):
    run = make_run(region=county.county, state=Run.State.FAILED, error="ID_INVALID: the SQL does not parse")
    html = client_for(users[Role.COUNTY_ADMIN]).get(reverse("lookback:run_detail", args=[run.pk])).content.decode()
    assert "ID_INVALID: the SQL does not parse" in html
    assert "rule_rows" not in client_for(users[Role.COUNTY_ADMIN]).get(
        reverse("lookback:run_detail", args=[run.pk])).context


def test_a_done_run_shows_inputs_counts_by_rule_and_by_town(county, users, client_for):
    profile = PolicyProfile.objects.create(year=2020)
    run = make_run(region=county.county, counts={"NO_HELPER": 2, "ID_INVALID": 0}, policy=profile,
                   parameters={"year": 2020, "as_of": "2020-12-31", "poverty_line": "4000.00",
                               "borderline_upper": "6000.00"},
                   snapshot_fingerprint="ab12" * 16, households=12, people=30, new_problems=2, no_longer_found=1)
    t1, t2 = county.towns
    make_problem("NO_HELPER", household=county.households_of(t1)[0], run=run)
    make_problem("NO_HELPER", household=county.households_of(t2)[0], run=run)
    response = client_for(users[Role.COUNTY_ADMIN]).get(reverse("lookback:run_detail", args=[run.pk]))
    html = response.content.decode()
    assert "ab12ab12ab12" in html and "ab12" * 16 not in html.replace(f'title="{"ab12" * 16}"', "")
    assert "4000.00" in html and "6000.00" in html
    assert {r["code"]: r["count"] for r in response.context["rule_rows"]} == {"NO_HELPER": 2, "ID_INVALID": 0}
    regions = response.context["regions"]
    assert [(row["town"], row["total"]) for row in regions["rows"]] == [(t1, 1), (t2, 1)]
    assert regions["total"] == 2
    assert f"?run={run.pk}&amp;town={t1.pk}" in html
    listing = client_for(users[Role.COUNTY_ADMIN]).get(RUNS)
    (shown,) = listing.context["runs"]
    assert (shown.findings_count, shown.new_problems, shown.no_longer_found, shown.partial) == (2, 2, 1, False)


def test_runs_of_another_county_are_not_found(county, other_county, users, client_for):
    run = make_run(region=other_county.county)
    client = client_for(users[Role.COUNTY_ADMIN])
    assert client.get(reverse("lookback:run_detail", args=[run.pk])).status_code == 404
    assert client.get(reverse("lookback:run_progress", args=[run.pk])).status_code == 404
    assert client.get(RUNS).context["runs"] == []


# ---- the rule catalog --------------------------------------------------------------------------


def test_rule_catalog_lists_every_rule_with_its_basis_and_current_values(users, client_for, db):
    PolicyProfile.objects.create(year=timezone.localdate().year, poverty_line=4321)
    response = client_for(users[Role.LEADER]).get(reverse("lookback:rule_list"))
    assert response.status_code == 200
    html = response.content.decode()
    rules = available_rules()
    for rule in rules:
        assert rule.code in html and rule.title in html
        for basis in rule.basis:
            assert basis["seed"] in html
    if any("poverty_line" in r.parameters for r in rules):
        assert "4321" in html


def test_rule_page_shows_sql_and_test_cases(users, client_for, db):
    rule = next(r for r in available_rules() if r.code == "ID_INVALID")
    response = client_for(users[Role.TOWN_CADRE]).get(reverse("lookback:rule_detail", args=["ID_INVALID"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "FROM person" in html and rule.fingerprint in html
    for case in rule.tests:
        assert case.name in html
        for key in case.flagged:
            assert key in html
    assert client_for(users[Role.TOWN_CADRE]).get(
        reverse("lookback:rule_detail", args=["NO_SUCH_RULE"])).status_code == 404


def test_the_nav_shows_look_back_and_ledger_by_capability(county, users, client_for):
    for role, shown in ((Role.COUNTY_ADMIN, True), (Role.LEADER, True), (Role.DATA_PROVIDER, False)):
        html = client_for(users[role]).get(reverse("web:home")).content.decode()
        assert (f'href="{RUNS}"' in html) is shown, role
        assert (f'href="{reverse("rectification:problem_list")}"' in html) is shown, role


def test_as_of_default_is_today(county, users, client_for):
    response = client_for(users[Role.COUNTY_ADMIN]).get(RUNS)
    assert response.context["form"].initial["as_of"] == timezone.localdate()
    # A date input takes ISO dates only, whatever the language's date format.
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in response.content.decode()
