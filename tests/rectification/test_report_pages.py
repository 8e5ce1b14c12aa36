"""The report pages: self-check vs census (and its drill-down and export), rates, notices, the nav
badge and the home page's rectification figures."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from python_calamine import CalamineWorkbook

from huitoukan.accounts.masking import mask_id_number
from huitoukan.accounts.models import ExportLog
from huitoukan.accounts.roles import Role
from huitoukan.rectification import notices
from huitoukan.rectification.choices import NoticeKind, Source, Status
from huitoukan.rectification.models import Notice, Problem, ProblemSource
from tests.rectification.test_pages import id_problem
from tests.rectification.test_reports import ROUND, scenario  # noqa: F401  (a fixture)
from tests.scope_fixtures import *

pytestmark = pytest.mark.django_db


def test_selfcheck_page_numbers_and_drill_down(scenario, users, client_for):  # noqa: F811
    client = client_for(users[Role.COUNTY_ADMIN])
    page = client.get(reverse("rectification:report_selfcheck"), {"round": ROUND})
    assert page.status_code == 200
    report = page.context["report"]
    assert [(r.town, r.outside_found, r.missed, r.missed_percent) for r in report.rows] == [
        (scenario.a, 3, 2, "66.7%"), (scenario.b, 0, 0, "—")]
    assert page.context["rounds"] == [ROUND, "2019年"] and page.context["missed_page"] is None

    drill = client.get(reverse("rectification:report_selfcheck"), {"round": ROUND, "town": scenario.a.pk})
    listed = [p for p, _s in drill.context["missed_page"].object_list]
    assert set(listed) == {scenario.p[2], scenario.p[3]}
    assert scenario.p[2].number in drill.content.decode()

    # An unknown round falls back to the latest; the page never errs.
    assert client.get(reverse("rectification:report_selfcheck"), {"round": "没有"}).context["round"] == ROUND


def test_selfcheck_drill_down_masks_and_the_export(scenario, users, client_for, county):  # noqa: F811
    person = county.households_of(scenario.a)[0].members.order_by("pk").first()
    problem = id_problem(person)
    ProblemSource.objects.filter(problem=problem).update(source=Source.CENSUS, round=ROUND)
    cadre = users[Role.TOWN_CADRE]
    page = client_for(cadre).get(reverse("rectification:report_selfcheck"), {"round": ROUND, "missed": "all"})
    html = page.content.decode()
    assert person.id_number not in html and mask_id_number(person.id_number) in html
    assert [r.town for r in page.context["report"].rows] == [scenario.a]

    response = client_for(cadre).get(reverse("rectification:report_selfcheck_export"), {"round": ROUND})
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    summary = book.get_sheet_by_name("汇总").to_python()
    assert summary[1][:4] == ["乡镇", "外部检查发现", "自查未发现", "漏查比例"]
    assert summary[2][:3] == [scenario.a.name, 4, 3]
    missed = book.get_sheet_by_name("自查未发现").to_python()
    assert missed[1] == ["问题编号", "乡镇", "村", "户编号", "问题代码", "问题描述", "来源", "轮次"]
    rows = {r[0]: r for r in missed[2:]}
    assert set(rows) == {scenario.p[2].number, scenario.p[3].number, problem.number}
    assert mask_id_number(person.id_number) in rows[problem.number][5]
    with translation.override("zh-hans"):
        both = "、".join(str(Source(s).label) for s in (Source.CENSUS, Source.SUPERVISION))
    assert rows[scenario.p[3].number][6] == both
    assert ExportLog.objects.get(what="rectification.selfcheck").row_count == 3

    # A village cadre may view but not export personal data: refused, nothing logged.
    assert client_for(users[Role.VILLAGE_CADRE]).get(
        reverse("rectification:report_selfcheck_export"), {"round": ROUND}).status_code == 403
    assert ExportLog.objects.filter(what="rectification.selfcheck").count() == 1


def test_rates_page(county, users, client_for):
    from tests.rectification.test_pages import make_problem

    a = county.towns[0]
    make_problem("NO_HELPER", household=county.households_of(a)[0], status=Status.CLOSED)
    make_problem("NO_HELPER", household=county.households_of(a)[1], status=Status.FIXED)
    client = client_for(users[Role.LEADER])
    page = client.get(reverse("rectification:report_rates"))
    assert page.status_code == 200
    towns = page.context["towns"]
    assert [(r.region, r.total, r.rectified_percent, r.closed_percent) for r in towns] == [
        (a, 2, "100.0%", "50.0%"), (county.towns[1], 0, "—", "—")]
    assert page.context["villages"] is None
    page = client.get(reverse("rectification:report_rates"), {"town": a.pk})
    assert [(r.region.name, r.total) for r in page.context["villages"]] == [
        (v.name, 2 if i == 0 else 0) for i, v in enumerate(county.villages_of(a))]
    # A town outside the user's regions is not offered.
    village_user = client_for(users[Role.VILLAGE_CADRE])
    assert village_user.get(reverse("rectification:report_rates"), {"town": county.towns[1].pk}).context["town"] is None
    assert client_for(users[Role.DATA_PROVIDER]).get(reverse("rectification:report_rates")).status_code == 403


@pytest.fixture
def noticed(county, users):
    cadre = users[Role.TOWN_CADRE]
    h = county.households_of(county.towns[0])
    from tests.rectification.test_pages import make_problem

    problems = [make_problem("NO_HELPER", household=h[i]) for i in range(3)]
    Problem.objects.filter(pk__in=[p.pk for p in problems]).update(
        responsible_person=cadre, deadline=timezone.localdate() - datetime.timedelta(days=1))
    notices.reset_refresh_clock()
    return problems


def test_badge_notices_page_and_mark_read(noticed, users, client_for):
    cadre = users[Role.TOWN_CADRE]
    client = client_for(cadre)
    page = client.get(reverse("rectification:problem_list"))  # the lazy refresh runs on a page
    assert Notice.objects.filter(user=cadre, kind=NoticeKind.OVERDUE).count() == 3
    html = page.content.decode()
    assert 'class="badge notice-count"' in html and ">3</span>" in html

    listing = client.get(reverse("rectification:notice_list"))
    assert [n.problem for n in listing.context["page"]] and listing.context["unread"] == 3
    assert listing.content.decode().count('class="unread"') == 3
    assert client.get(reverse("rectification:notices_read")).status_code == 405  # only POST marks
    one = listing.context["page"][0]
    client.post(reverse("rectification:notices_read"), {"id": one.pk})
    assert notices.unread_count(cadre) == 2
    client.post(reverse("rectification:notices_read"), {"all": "1"})
    assert notices.unread_count(cadre) == 0
    assert 'class="badge notice-count"' not in client.get(reverse("rectification:notice_list")).content.decode()

    # Nobody else's notices change, and a user without the ledger has no badge.
    admin = client_for(users[Role.COUNTY_ADMIN]).get(reverse("rectification:notice_list"))
    assert list(admin.context["page"]) == []
    home = client_for(users[Role.DATA_PROVIDER]).get(reverse("web:home")).content.decode()
    assert "notice-count" not in home and reverse("rectification:notice_list") not in home


def test_home_page_rectification_figures(noticed, users, client_for):
    notices.refresh_deadline_notices()
    Problem.objects.filter(pk=noticed[0].pk).update(status=Status.CLOSED)
    page = client_for(users[Role.TOWN_CADRE]).get(reverse("web:home"))
    r = page.context["rectification"]
    assert (r["total"], r["closed"], r["overdue"], r["mine"], r["closed_rate"], r["unread"]) == (
        3, 1, 2, 2, "33.3%", 3)
    assert "?overdue=yes" in page.content.decode()
