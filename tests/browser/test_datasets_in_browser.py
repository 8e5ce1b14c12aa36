"""A real browser through the department-data pages:

(a) the link review queue: a reviewer opens /datasets/review/, opens a candidate and sees the death
    record and the registry person side by side, accepts it (the record's other candidate is
    rejected with it), rejects a candidate of another record, and the list then shows the decisions,
    who made them, and the counts;
(b) the early warning: the county administrator dispatches a signal to its town, the town cadre logs
    in, finds it among the signals sent to the town and records the visit, and the administrator
    sees it visited on the warnings page, counted for the town.

Screenshots land in /tmp/shots/ (and test-results/)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from huitoukan.accounts.roles import Role
from huitoukan.datasets import linking
from huitoukan.datasets.loading.service import load_dataset
from huitoukan.datasets.models import DatasetLoad, LinkReview, WarningDispatch
from huitoukan.datasets.warnings import NEW_DIBAO, month_warnings
from huitoukan.registry.models import Person
from tests.browser.steps import log_in, log_out, shot
from tests.datasets.files import write_csv
from tests.datasets.test_warnings import MARCH, scenario  # noqa: F401  (the fixture)
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Parquet files of the loads and links in the test's own folder, never in var/."""
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "uploads"








# --- (a) the review queue ------------------------------------------------------------------------

@pytest.fixture
def review_queue(county, tmp_path):
    """Two pairs of registry people sharing an ID number (as a mistyped export would have it), and a
    death file naming each number under a name nobody has: two records, two candidates each, all
    in the review band's reason `id_number_shared` (as test_review_pages.py's queue)."""
    people = list(Person.objects.exclude(id_number="").order_by("pk")[:4])
    Person.objects.filter(pk=people[1].pk).update(id_number=people[0].id_number)
    Person.objects.filter(pk=people[3].pk).update(id_number=people[2].id_number)
    path = write_csv(tmp_path / "death.csv", ["证件号码", "姓名", "死亡日期", "户籍地址"],
                     [[people[0].id_number, "无名氏", "2024-03-01", ""], [people[2].id_number, "某某", "2024-03-02", ""]])
    report = load_dataset(path, "death", as_of=MARCH)
    assert not report.errors
    linking.link_load(DatasetLoad.objects.get(pk=report.load_id))
    reviews = list(LinkReview.objects.order_by("row_number", "person_id"))
    assert [(r.row_number, r.status) for r in reviews] == [(2, "pending"), (2, "pending"), (3, "pending"), (3, "pending")]
    return reviews


def count_of(page, status) -> int:
    return int(page.locator(f".counts .count-{status} strong").inner_text())


def test_review_accept_and_reject_side_by_side(county, review_queue, live_server, page, results_dir):
    base = live_server.url
    reviewer = make_user("reviewer", Role.COUNTY_ADMIN, [county.county], first_name="审核员甲")
    accepted, auto_rejected = review_queue[:2]
    log_in(page, base, reviewer)
    page.goto(f"{base}/datasets/review/")
    assert count_of(page, "pending") == 4 and count_of(page, "accepted") == 0
    assert page.locator("table.reviews tbody tr").count() == 4
    shot(page, "review-queue", results_dir)

    # Open the first candidate: the record and the registry person side by side, the names differing.
    page.click(f"table.reviews a[href='/datasets/review/{accepted.pk}/']")
    page.wait_for_url(f"{base}/datasets/review/{accepted.pk}/")
    comparison = page.locator("table.comparison")
    assert comparison.locator("thead th").nth(1).inner_text() and comparison.locator("thead th").nth(2).inner_text()
    name_row = comparison.locator("tbody tr").first
    assert "differs" in name_row.get_attribute("class")
    cells = name_row.locator("td")
    assert cells.nth(0).inner_text() == "无名氏" and cells.nth(1).inner_text() == accepted.person.name
    number_row = comparison.locator("tbody tr").nth(1).locator("td")
    assert number_row.nth(0).inner_text() == number_row.nth(1).inner_text() == accepted.person.id_number
    shot(page, "review-side-by-side", results_dir)
    page.fill("#review-note", "派出所核实为本人")
    page.click("form.decide button[value=accept]")
    # The next pending candidate of the kind opens: the other record's (row 3).
    page.wait_for_selector(".messages .message.success")
    opened = int(page.url.rstrip("/").rsplit("/", 1)[1])
    rejected = next(r for r in review_queue[2:] if r.pk == opened)
    left = next(r for r in review_queue[2:] if r.pk != opened)
    assert page.locator("h1").inner_text().endswith(rejected.person.name)
    page.click("form.decide button[value=reject]")
    page.wait_for_selector(".messages .message.success")

    # The list, all statuses: who decided what, and the counts.
    page.goto(f"{base}/datasets/review/?status=all")
    assert (count_of(page, "pending"), count_of(page, "accepted"), count_of(page, "rejected")) == (1, 1, 2)
    listing = page.locator("table.reviews tbody")
    for review, badge in ((accepted, "ok"), (auto_rejected, "bad"), (rejected, "bad"), (left, "muted")):
        row = listing.locator("tr", has=page.locator(f"a[href='/datasets/review/{review.pk}/']"))
        assert row.locator(f".badge.{badge}").count() == 1
        decided = row.locator("td").nth(7).inner_text()
        assert ("审核员甲" in decided) == (review is not left)
    shot(page, "review-decided", results_dir)
    statuses = dict(LinkReview.objects.values_list("pk", "status"))
    assert (statuses[accepted.pk], statuses[auto_rejected.pk], statuses[rejected.pk], statuses[left.pk]) == (
        "accepted", "rejected", "rejected", "pending")
    decided = LinkReview.objects.get(pk=accepted.pk)
    assert decided.decided_by == reviewer and decided.note == "派出所核实为本人"
    assert linking.linked_table(decided.load).to_pylist()[0]["person_id"] == accepted.person_id


# --- (b) the early warning -----------------------------------------------------------------------

def test_dispatch_visit_and_see_it_visited(scenario, live_server, page, results_dir):  # noqa: F811
    a, _b, _x, _loads = scenario
    base = live_server.url
    admin = make_user("county_office", Role.COUNTY_ADMIN, [a.county], first_name="县乡村振兴局")
    person = a.people[0]
    town = person.household.town
    cadre = make_user("town_office", Role.TOWN_CADRE, [town], first_name="乡镇干部乙")
    key = next(r["signal_key"] for r in month_warnings(admin, MARCH).rows
               if r["signal"] == NEW_DIBAO and r["person_id"] == person.pk)

    # The county administrator dispatches the new-dibao signal of a registry person to its town.
    log_in(page, base, admin)
    page.goto(f"{base}/datasets/warnings/?month=2024-03")
    row = page.locator(f"tr[data-key='{key}']")
    assert "status-open" in row.get_attribute("class")
    shot(page, "warnings-before-dispatch", results_dir)
    row.locator("button.dispatch-one").click()
    page.wait_for_selector(".messages .message.success")
    row = page.locator(f"tr[data-key='{key}']")
    assert "status-dispatched" in row.get_attribute("class") and row.locator("button.dispatch-one").count() == 0
    assert town.name in row.locator(".dispatch-status").inner_text()
    counts = page.locator("table.warning-counts tr", has=page.locator(f"a[href*='town={town.pk}']"))
    assert counts.locator(".n-dispatched").inner_text() == "1" and counts.locator(".n-visited").inner_text() == "0"
    shot(page, "warnings-dispatched", results_dir)
    log_out(page)

    # The town cadre sees it among the signals sent to the town and records the visit.
    log_in(page, base, cadre)
    page.click("nav.mainnav a[href='/datasets/dispatches/']")
    page.wait_for_url(f"{base}/datasets/dispatches/")
    listing = page.locator("table.dispatch-list tbody tr")
    assert listing.count() == WarningDispatch.objects.filter(town=town).count() == 1
    assert person.name in listing.first.inner_text()
    assert person.id_number not in page.content()  # a town cadre reads the number masked
    listing.first.locator("a").click()
    page.wait_for_url(f"{base}/datasets/dispatches/*/")
    page.fill("#id_visited_on", timezone.localdate().isoformat())
    page.select_option("#id_outcome", "monitored")
    page.fill("#id_note", "入户核实，已纳入监测对象")
    shot(page, "dispatch-visit-form", results_dir)
    page.click("form.visit button[type=submit]")
    page.wait_for_selector(".messages .message.success")
    assert page.locator(".dispatch-state .outcome-monitored").count() == 1
    assert "乡镇干部乙" in page.locator(".visited-by").inner_text()
    assert page.locator("form.visit").count() == 0  # recorded once
    shot(page, "dispatch-visited", results_dir)
    log_out(page)

    # The county administrator sees it visited, with the outcome, and counted for the town.
    log_in(page, base, admin)
    page.goto(f"{base}/datasets/warnings/?month=2024-03&status=visited")
    row = page.locator(f"tr[data-key='{key}']")
    assert "status-visited" in row.get_attribute("class")
    assert row.locator(".outcome-monitored").count() == 1
    assert page.locator("table.warnings tbody tr").count() == 1
    counts = page.locator("table.warning-counts tr", has=page.locator(f"a[href*='town={town.pk}']"))
    assert counts.locator(".n-visited").inner_text() == "1"
    shot(page, "warnings-visited", results_dir)
    visit = WarningDispatch.objects.get(signal_key=key)
    assert (visit.outcome, visit.visited_by, visit.dispatched_by) == ("monitored", cadre, admin)
