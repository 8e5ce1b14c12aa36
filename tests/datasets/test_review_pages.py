"""The link review pages: who may review (VIEW_DATASETS and VIEW_ID_NUMBER), only candidates in the
reviewer's regions (others are 404), the record and the person side by side, accept or reject by
POST with CSRF, who and when kept, the record's other candidates rejected."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from huitoukan.accounts.models import User
from huitoukan.accounts.roles import Role
from huitoukan.datasets import linking
from huitoukan.datasets.loading.service import load_dataset
from huitoukan.datasets.models import DatasetLoad, LinkReview
from huitoukan.registry.importing.service import import_registry
from huitoukan.registry.models import Person, Region
from huitoukan.synth.datasets import COLUMNS

from .conftest import AS_OF
from .files import write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(county, tmp_path):
    """A death file whose one record carries a number two registry people hold, under a name neither
    has, with a column of its own (经办人): two pending candidates."""
    assert not import_registry(county.paths["registry.csv"]).errors
    numbers: dict[str, list[int]] = {}
    for pk, number in Person.objects.exclude(id_number="").values_list("pk", "id_number"):
        numbers.setdefault(number, []).append(pk)
    shared = min(n for n, pks in numbers.items() if len(pks) > 1)
    path = write_csv(tmp_path / "death.csv", [*COLUMNS["death"], "经办人"],
                     [[shared, "无名氏", "男", "", "2020-03-01", "某县某乡", "张办事"]])
    report = load_dataset(path, "death", as_of=AS_OF)
    linking.link_load(DatasetLoad.objects.get(pk=report.load_id))
    reviews = list(LinkReview.objects.select_related("person__household").order_by("pk"))
    assert len(reviews) >= 2
    return reviews


def user(role, region, name=None) -> User:
    account = User.objects.create(username=name or f"u_{role}", role=role)
    if region is not None:
        account.regions.add(region)
    return account


def client_of(account, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(account)
    return client


def county_region():
    return Region.objects.get(level="county")


@pytest.mark.parametrize("role,status", [
    (Role.COUNTY_ADMIN, 200), (Role.INSPECTOR, 200), (Role.DATA_PROVIDER, 403), (Role.TOWN_CADRE, 403),
    (Role.VILLAGE_CADRE, 403), (Role.HELPER, 403), (Role.LEADER, 403),
])
def test_who_may_review(queue, role, status):
    client = client_of(user(role, county_region()))
    assert client.get(reverse("datasets:review_list")).status_code == status
    assert client.get(reverse("datasets:review_detail", args=[queue[0].pk])).status_code == status
    response = client.post(reverse("datasets:review_decide", args=[queue[0].pk]), {"action": "accept"})
    assert response.status_code == (302 if status == 200 else 403)


def test_anonymous_goes_to_the_login_page(queue):
    response = Client().get(reverse("datasets:review_list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_queue_lists_pending_candidates_with_counts(queue):
    client = client_of(user(Role.COUNTY_ADMIN, county_region()))
    page = client.get(reverse("datasets:review_list")).content.decode()
    for review in queue:
        assert reverse("datasets:review_detail", args=[review.pk]) in page
    assert re.search(rf"count-pending\">[^<]*<strong>{len(queue)}</strong>", page)
    accepted = client.get(reverse("datasets:review_list"), {"status": "accepted", "kind": "death"}).content.decode()
    assert reverse("datasets:review_detail", args=[queue[0].pk]) not in accepted
    other_kind = client.get(reverse("datasets:review_list"), {"kind": "vehicle", "status": "all"}).content.decode()
    assert reverse("datasets:review_detail", args=[queue[0].pk]) not in other_kind


def test_the_pages_of_the_queue_keep_its_filters(queue, monkeypatch):
    from huitoukan.datasets import views_review

    monkeypatch.setattr(views_review, "PAGE_SIZE", 1)
    client = client_of(user(Role.COUNTY_ADMIN, county_region()))
    page = client.get(reverse("datasets:review_list"), {"kind": "death", "status": "pending"}).content.decode()
    assert 'href="?kind=death&amp;status=pending&amp;page=2"' in page
    second = client.get(reverse("datasets:review_list"), {"kind": "death", "status": "pending", "page": 2})
    assert reverse("datasets:review_detail", args=[queue[1].pk]) in second.content.decode()


def test_the_detail_shows_both_sides_and_what_differs(queue):
    review = queue[0]
    page = client_of(user(Role.INSPECTOR, county_region())).get(
        reverse("datasets:review_detail", args=[review.pk])).content.decode()
    person = review.person
    assert person.name in page and person.id_number in page  # full numbers: reviewers may see them
    assert "<mark>无名氏</mark>" in page and f"<mark>{person.name}</mark>" in page  # the names differ
    assert person.household.household_no in page
    assert "经办人" in page and "张办事" in page  # the record's own column (extra)
    for other in queue[1:]:
        assert reverse("datasets:review_detail", args=[other.pk]) in page


def test_accepting_by_post_with_csrf_rejects_the_other_candidates(queue):
    reviewer = user(Role.COUNTY_ADMIN, county_region())
    client = client_of(reviewer, csrf=True)
    url = reverse("datasets:review_decide", args=[queue[1].pk])
    assert client.post(url, {"action": "accept"}).status_code == 403  # no CSRF token
    assert client.get(url).status_code == 405
    client.get(reverse("datasets:review_detail", args=[queue[1].pk]))
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"action": "accept", "note": "派出所核实", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    chosen = LinkReview.objects.get(pk=queue[1].pk)
    assert (chosen.status, chosen.decided_by, chosen.note) == ("accepted", reviewer, "派出所核实")
    assert chosen.decided_at is not None
    others = LinkReview.objects.exclude(pk=chosen.pk)
    assert {r.status for r in others} == {"rejected"} and {r.decided_by for r in others} == {reviewer}
    table = linking.linked_table(chosen.load)
    assert table["link"].to_pylist() == ["reviewed"] and table["person_id"].to_pylist() == [chosen.person_id]


def test_a_bad_action_changes_nothing(queue):
    client = client_of(user(Role.COUNTY_ADMIN, county_region()))
    response = client.post(reverse("datasets:review_decide", args=[queue[0].pk]), {"action": "maybe"})
    assert response.status_code == 302
    assert set(LinkReview.objects.values_list("status", flat=True)) == {"pending"}


def test_candidates_outside_the_reviewers_regions_are_404(queue):
    review = queue[0]
    town_of = {r.person.household.town_id for r in queue}
    elsewhere = Region.objects.filter(level="town").exclude(pk__in=town_of).first()
    assert elsewhere is not None
    for account in (user(Role.INSPECTOR, elsewhere, "far"), user(Role.INSPECTOR, None, "nowhere")):
        client = client_of(account)
        assert client.get(reverse("datasets:review_detail", args=[review.pk])).status_code == 404
        assert client.post(reverse("datasets:review_decide", args=[review.pk]),
                           {"action": "accept"}).status_code == 404
        listing = client.get(reverse("datasets:review_list")).content.decode()
        assert reverse("datasets:review_detail", args=[review.pk]) not in listing
    assert set(LinkReview.objects.values_list("status", flat=True)) == {"pending"}
    # A reviewer of the person's own town sees it.
    own = user(Role.INSPECTOR, review.person.household.town, "near")
    assert client_of(own).get(reverse("datasets:review_detail", args=[review.pk])).status_code == 200
