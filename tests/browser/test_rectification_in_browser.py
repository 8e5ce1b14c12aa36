"""A real browser through the rectification workflow: the county administrator assigns a problem to
the town cadre with a deadline; the town cadre reports it fixed with an explanation and a photo; the
inspector verifies it and it is closed, its history showing the three steps. A second problem
reported fixed is returned by the inspector with a reason and goes back to open. A village cadre
sees no verify button. Screenshots land in /tmp/shots/ (and test-results/)."""

import datetime as dt
import re
import struct
import zlib

import pytest
from django.conf import settings
from django.utils import timezone, translation

from huitoukan.accounts.roles import Role
from huitoukan.rectification import workflow
from huitoukan.rectification.choices import Action, Status
from huitoukan.rectification.models import Evidence, Problem
from huitoukan.registry.models import Household
from tests.browser.steps import log_in, log_out, shot
from tests.rectification.test_pages import make_problem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def real_png(width=4, height=3) -> bytes:
    """A small but genuine PNG (red pixels), as a phone would send one."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xc0\x20\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))








def status_label(status):
    with translation.override(settings.LANGUAGE_CODE):
        return str(Status(status).label)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_assign_report_fixed_verify_and_return(county, users, media, live_server, page, results_dir):
    base = live_server.url
    village = county.villages_of(county.towns[0])[0]
    households = list(Household.objects.filter(village=village).order_by("pk"))
    first = make_problem("NO_HELPER", household=households[0])
    second = make_problem("GUARANTEE_HOUSING", household=households[1], severity="serious")
    admin, town, inspector = users[Role.COUNTY_ADMIN], users[Role.TOWN_CADRE], users[Role.INSPECTOR]
    deadline = timezone.localdate() + dt.timedelta(days=14)

    # The county administrator assigns the first problem to the town cadre with a deadline.
    log_in(page, base, admin)
    page.goto(f"{base}/problems/{first.pk}/")
    page.fill("#id_unit", "松林乡人民政府")
    page.select_option("#id_person", str(town.pk))
    page.fill("#id_deadline", deadline.isoformat())
    page.fill(".wf-assign #id_note", "请于两周内落实帮扶责任人")
    page.click(".wf-assign button[type=submit]")
    page.wait_for_url(f"{base}/problems/{first.pk}/")
    page.wait_for_selector(".messages .message.success")
    assert "松林乡人民政府" in page.locator(".wf-unit").inner_text()
    assert town.first_name in page.locator(".wf-person").inner_text()
    assert deadline.isoformat() in page.locator(".wf-deadline").inner_text()
    shot(page, "rectification-assigned", results_dir)
    log_out(page)

    # The town cadre reports it fixed, with an explanation and a photo.
    log_in(page, base, town)
    page.goto(f"{base}/problems/?assigned=me")
    assert page.locator("#results tbody tr").count() == 1
    page.click(f"#results a >> text={first.number}")
    page.wait_for_url(f"{base}/problems/{first.pk}/")
    assert page.locator("form.step-verified").count() == 0
    form = page.locator("form.step-reported_fixed")
    form.locator("textarea[name=note]").fill("已为该户落实帮扶责任人张三，并入户签字确认")
    form.locator("input[type=file]").set_input_files(
        [{"name": "帮扶责任人签字.png", "mimeType": "image/png", "buffer": real_png()}])
    shot(page, "rectification-report-fixed", results_dir)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages .message.success")
    assert Problem.objects.get(pk=first.pk).status == Status.FIXED
    assert page.locator(".wf-status .badge.pstatus-fixed").inner_text() == status_label(Status.FIXED)
    assert page.locator("form.step-verified").count() == 0  # never one's own fix, nor one's role
    log_out(page)

    # The inspector opens the photo and verifies: closed.
    log_in(page, base, inspector)
    page.goto(f"{base}/problems/{first.pk}/")
    evidence = Evidence.objects.get(problem=first)
    link = page.locator(f".wf-timeline a[href='/problems/evidence/{evidence.pk}/']")
    assert link.inner_text() == "帮扶责任人签字.png"
    download = page.request.get(f"{base}/problems/evidence/{evidence.pk}/")
    assert download.ok and download.headers["content-type"] == "image/png" and download.body() == real_png()
    page.locator("form.step-verified textarea[name=note]").fill("入户核实无误")
    page.click("form.step-verified button[type=submit]")
    page.wait_for_selector(".messages .message.success")
    assert Problem.objects.get(pk=first.pk).status == Status.CLOSED
    closed = status_label(Status.CLOSED)
    assert page.locator(".wf-status .badge.pstatus-closed").inner_text() == closed
    assert closed in page.locator("h1").inner_text()
    steps = page.locator(".wf-timeline li.event")
    assert steps.count() == 3
    assert [steps.nth(i).get_attribute("class").split()[-1] for i in range(3)] == [
        "action-assigned", "action-reported_fixed", "action-verified"]
    assert "已为该户落实帮扶责任人张三" in steps.nth(1).inner_text()
    assert "入户核实无误" in steps.nth(2).inner_text()
    assert page.locator("form.wf-step").count() == 0  # nothing left to do
    shot(page, "rectification-closed", results_dir)

    # The second problem, reported fixed by the town, is returned by the inspector with a reason.
    # The page is parked while the test writes: SQLite's shared-cache test database does not wait.
    page.goto("about:blank")
    workflow.take_step(Problem.objects.get(pk=second.pk), town, Action.REPORTED_FIXED, note="危房已加固",
                       files=[_upload()])
    page.goto(f"{base}/problems/{second.pk}/")
    reason = "加固照片看不出房屋结构，请补充鉴定报告"
    page.locator("form.step-verification_failed textarea[name=note]").fill(reason)
    page.click("form.step-verification_failed button[type=submit]")
    page.wait_for_selector(".messages .message.success")
    assert Problem.objects.get(pk=second.pk).status == Status.OPEN
    assert page.locator(".wf-status .badge.pstatus-open").inner_text() == status_label(Status.OPEN)
    last = page.locator(".wf-timeline li.event").last
    assert "action-verification_failed" in last.get_attribute("class") and reason in last.inner_text()
    shot(page, "rectification-returned", results_dir)
    log_out(page)

    # A village cadre sees the problem awaiting verification, and no verify button.
    page.goto("about:blank")
    workflow.take_step(Problem.objects.get(pk=second.pk), town, Action.REPORTED_FIXED, note="已补充鉴定报告",
                       files=[_upload()])
    log_in(page, base, users[Role.VILLAGE_CADRE])
    page.goto(f"{base}/problems/{second.pk}/")
    assert page.locator(".wf-status .badge.pstatus-fixed").count() == 1
    assert page.locator("form.step-verified").count() == 0
    assert page.locator("form.step-verification_failed").count() == 0
    assert page.locator("button", has_text=re.compile(str(workflow.STEPS[Action.VERIFIED].label))).count() == 0
    shot(page, "rectification-village-cadre", results_dir)


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("加固后.png", real_png(), "image/png")
