"""A real browser through the look-back: start a run on a small synthetic county from the page,
watch it finish (the page polls; the queued run is executed here, as the worker would), read the
counts, open the problem ledger, filter by a code, open a problem and its household. Screenshots of
every page land in /tmp/shots/ (and test-results/)."""

import re
from pathlib import Path

import pytest
from django.utils import timezone

from huitoukan.accounts.roles import Role
from huitoukan.lookback.models import Run
from huitoukan.lookback.service import execute_run
from huitoukan.rectification.models import Problem
from huitoukan.registry.choices import RegionLevel
from huitoukan.registry.models import Region
from tests.factories import PASSWORD, make_user
from tests.synth.conftest import county_factory  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


@pytest.fixture
def synthetic_county(county_factory):  # noqa: F811
    from huitoukan.policy.loading import load_policy_file
    from huitoukan.registry.importing.service import import_registry

    folder = county_factory(households=120, seed=7)
    load_policy_file(folder / "policy.yaml")
    report = import_registry(folder / "registry.csv")
    assert not report.errors
    return Region.objects.get(level=RegionLevel.COUNTY)


def shot(page, name, results_dir, *, full_page=True):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=full_page)
    page.screenshot(path=results_dir / f"{name}.png", full_page=full_page)


def test_start_a_run_and_follow_a_problem_to_its_household(synthetic_county, live_server, page, results_dir):
    admin = make_user("lookback_admin", Role.COUNTY_ADMIN, [synthetic_county], first_name="县扶贫办")
    town = Region.objects.filter(level=RegionLevel.TOWN).order_by("code").first()
    cadre = make_user("town_cadre", Role.TOWN_CADRE, [town], first_name="乡镇干部")

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    shot(page, "home-before-lookback", results_dir)
    assert page.locator("#five-baselines").count() == 1

    # Start the run from the form: the as-of date of the synthetic county, every rule, DuckDB.
    page.click("nav.mainnav >> text=回头看")
    page.wait_for_url(f"{live_server.url}/lookback/")
    assert page.locator("#id_as_of").input_value() == timezone.localdate().isoformat()  # today by default
    page.fill("#id_as_of", "2020-12-31")
    assert page.locator("#id_region").input_value() == str(synthetic_county.pk)
    rule_boxes = page.locator("input[name=rules]")
    assert rule_boxes.count() > 1 and rule_boxes.count() == page.locator("input[name=rules]:checked").count()
    shot(page, "lookback-start", results_dir)
    page.click(".run-start button[type=submit]")
    page.wait_for_url(re.compile(r".*/lookback/runs/\d+/$"))
    run = Run.objects.get()
    assert run.state == Run.State.QUEUED
    page.wait_for_selector("#run-progress progress")
    shot(page, "run-queued", results_dir)

    # The background worker's part, done here. The test database is SQLite's shared-cache memory
    # database, whose table locks do not wait: the page's once-a-second poll could make the run's
    # writes fail, so the page is parked meanwhile (a file database in WAL mode waits instead).
    run_url = page.url
    page.goto("about:blank")
    execute_run(run)
    run.refresh_from_db()
    assert run.state == Run.State.DONE, run.error
    assert run.findings_count > 0
    page.goto(run_url)
    page.wait_for_selector("table.by-rule", timeout=20_000)
    shot(page, "run-done", results_dir)
    footer = page.locator("table.by-rule tfoot").inner_text()
    assert f"{run.findings_count:,}" in footer
    by_town = page.locator("table.by-region tfoot").inner_text()
    assert f"{run.findings_count:,}" in by_town

    # From a rule's count to the ledger, then filter by another code with the select (htmx).
    code, count = max(run.counts_by_rule.items(), key=lambda item: item[1])
    page.click(f"table.by-rule a[href$='code={code}']")
    page.wait_for_url(re.compile(rf".*/problems/\?run={run.pk}&code={code}$"))
    assert page.locator("#results tbody tr").count() == min(count, 50)
    shot(page, "problems-of-a-rule", results_dir)

    other_code, _n = min(((c, n) for c, n in run.counts_by_rule.items() if n and c != code), key=lambda i: i[1])
    page.goto(f"{live_server.url}/problems/")
    page.select_option("#id_code", other_code)
    page.wait_for_url(re.compile(rf".*code={other_code}.*"))
    expected = Problem.objects.filter(code=other_code).count()
    page.wait_for_function(f"document.querySelectorAll('#results tbody tr').length === {min(expected, 50)}")
    codes = page.locator("#results tbody tr .problem-code").all_inner_texts()
    assert set(codes) == {other_code}
    shot(page, "problems-filtered", results_dir)

    # A problem, then its household's file.
    page.click("#results tbody tr >> nth=0 >> a.problem-number")
    page.wait_for_url(re.compile(r".*/problems/\d+/$"))
    problem = Problem.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    household = problem.household or problem.person.household
    assert problem.number in page.locator("h1").inner_text()
    assert household.household_no in page.locator("#household + dl").inner_text()
    assert page.locator("table.findings tbody tr").count() == 1
    shot(page, "problem", results_dir)
    page.click("text=" + household.household_no)
    page.wait_for_url(f"{live_server.url}/registry/households/{household.pk}/")
    assert household.household_no in page.locator("h1").inner_text()

    # The rule catalog and one rule's page; the home page now has its five baselines.
    page.goto(f"{live_server.url}/lookback/rules/")
    shot(page, "rules", results_dir)
    page.click(f"table.rules a >> text={code}")
    page.wait_for_url(f"{live_server.url}/lookback/rules/{code}/")
    assert page.locator("pre.sql").inner_text().strip().upper().startswith(("SELECT", "WITH"))
    shot(page, "rule", results_dir)
    page.goto(f"{live_server.url}/lookback/")
    shot(page, "runs", results_dir)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#chart-status svg")
    assert "2020-12-31" in page.locator("#five-baselines").inner_text()
    shot(page, "home-after-lookback", results_dir)

    # A town cadre: the town's part of the run, masked ID numbers in the ledger.
    page.click(".usermenu button[type=submit]")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", cadre.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/lookback/runs/{run.pk}/")
    town_rows = page.locator("table.by-region tbody th").all_inner_texts()
    in_town = Problem.objects.filter(town=town, findings__run=run).count()
    assert town_rows == ([town.name] if in_town else [])
    assert f"{in_town:,}" in page.locator(".stats .stat >> nth=0").inner_text()
    page.goto(f"{live_server.url}/problems/?code=ID_INVALID")
    shot(page, "problems-town-cadre", results_dir)
    listed = page.locator("#results").inner_text()
    for problem in Problem.objects.filter(code="ID_INVALID", town=town).select_related("person")[:10]:
        if problem.person.id_number and len(problem.person.id_number) > 10:
            assert problem.person.id_number not in listed
