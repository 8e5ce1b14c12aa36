"""A real browser (Debian's Chromium through Playwright) against the live server: log in, search,
open the household file, and see what the role allows — the masked ID number for a town cadre, the
full one for the county administrator. Screenshots land in test-results/."""

import re

import pytest

from huitoukan.accounts.masking import mask_id_number
from huitoukan.accounts.roles import Role
from huitoukan.registry.choices import Health, HouseholdStatus
from huitoukan.registry.models import Household
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def search_and_open(page, live_server, query):
    page.goto(f"{live_server.url}/registry/households/")
    page.fill("#id_q", query)
    page.click("form.filters button[type=submit]")
    page.wait_for_function("document.querySelectorAll('#results tbody tr td a').length === 2")
    page.click("#results tbody tr td a >> nth=0")
    page.wait_for_url(re.compile(r".*/registry/households/\d+/$"))


def make_history(household, person, user):
    """Two changes through the ORM, as an edit in the web or an import would leave them."""
    household._history_user = person._history_user = user
    household.status = HouseholdStatus.NOT_LIFTED
    household.save()
    household.status, household.exit_year = HouseholdStatus.LIFTED, 2019
    household.save()
    person.save()
    person.health, person.disability_grade = Health.DISABLED, "三级"
    person.save()


@pytest.mark.parametrize("role, full_id", [(Role.TOWN_CADRE, False), (Role.COUNTY_ADMIN, True)])
def test_search_and_open_household(role, full_id, county, users, live_server, page, results_dir):
    household = Household.objects.filter(town=county.towns[0]).order_by("household_no").first()
    person = household.members.order_by("pk").first()
    make_history(household, person, users[Role.COUNTY_ADMIN])

    page.goto(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "回头看"
    page.screenshot(path=results_dir / "login.png")
    log_in(page, live_server, users[role])
    assert "建档立卡总览" in page.locator("h1").inner_text()
    page.wait_for_selector("#chart-status svg")  # ECharts drew
    page.screenshot(path=results_dir / f"home-{role}.png", full_page=True)

    search_and_open(page, live_server, person.id_number)
    page.screenshot(path=results_dir / f"household-{role}.png", full_page=True)
    assert household.household_no in page.locator("h1").inner_text()
    members = page.locator("table.members").inner_text()
    assert person.name in members
    if full_id:
        assert person.id_number in members
    else:
        assert person.id_number not in members
        assert mask_id_number(person.id_number) in members
    history = page.locator("#history + table").inner_text()
    assert "户状态：未脱贫 → 已脱贫" in history and "测试county_admin" in history
    assert ("残疾" in history) is True  # town cadres and administrators both see health
    page.locator("section.history").screenshot(path=results_dir / f"history-{role}.png")
    # Print: the A4 text width (210 mm less two 15 mm margins is 680 CSS pixels).
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 680, "height": 960})
    page.screenshot(path=results_dir / f"household-{role}-print.png", full_page=True)
    assert not page.locator("header.topbar").is_visible()
    page.pdf(path=results_dir / f"household-{role}.pdf", format="A4", prefer_css_page_size=True)


def test_user_management_pages(county, users, live_server, page, results_dir):
    log_in(page, live_server, users[Role.COUNTY_ADMIN])
    page.click("nav.mainnav >> text=用户")
    page.wait_for_url(f"{live_server.url}/accounts/users/")
    assert page.locator("table.data tbody tr").count() == len(users)
    page.screenshot(path=results_dir / "users.png", full_page=True)
    page.click("text=新建用户")
    page.fill("#id_username", "newcadre")
    page.fill("#id_full_name", "新干部")
    page.select_option("#id_role", Role.VILLAGE_CADRE)
    page.fill("#id_password1", "a-long-enough-passphrase")
    page.fill("#id_password2", "a-long-enough-passphrase")
    page.select_option("#id_regions", [str(county.villages[0].pk)])
    page.screenshot(path=results_dir / "user-new.png", full_page=True)
    page.click("button[type=submit] >> text=保存")
    page.wait_for_url(f"{live_server.url}/accounts/users/")
    assert "已创建用户 newcadre" in page.locator(".messages").inner_text()


def test_live_filtering_and_out_of_scope(county, other_county, users, live_server, page, results_dir):
    log_in(page, live_server, users[Role.TOWN_CADRE])
    page.goto(f"{live_server.url}/registry/households/")
    page.screenshot(path=results_dir / "list-town-cadre.png", full_page=True)
    rows = page.locator("#results tbody tr")
    total = rows.count()
    assert total == len(county.households_of(county.towns[0]))
    # htmx: choosing a status refreshes the results without a page load and pushes the URL.
    status = Household.objects.filter(town=county.towns[0]).values_list("status", flat=True).first()
    page.select_option("#id_status", status)
    page.wait_for_url(re.compile(rf".*status={status}.*"))
    page.wait_for_function(f"document.querySelectorAll('#results tbody tr').length < {total}")
    expected = Household.objects.filter(town=county.towns[0], status=status).count()
    assert page.locator("#results tbody tr").count() == expected
    # Another county's household: not found by its exact number, and 404 by link.
    outsider = other_county.households[0]
    page.fill("#id_q", outsider.household_no)
    page.press("#id_q", "Enter")
    page.wait_for_selector("td.empty")
    response = page.goto(f"{live_server.url}/registry/households/{outsider.pk}/")
    assert response.status == 404
    page.screenshot(path=results_dir / "not-found.png")
