"""The rectification workflow through its pages (Django test client): every step by a role allowed
to take it and a refusal per step, with the data unchanged; out-of-town problems are 404 by link
(page, step, evidence); evidence downloads' headers, scope and log; the history in words; the
overdue and recurring badges."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from huitoukan.accounts.models import ExportLog
from huitoukan.accounts.roles import Role
from huitoukan.rectification import assignment, recurrence, workflow
from huitoukan.rectification.choices import Action, Source, Status
from huitoukan.rectification.models import Evidence, Problem, ProblemEvent
from huitoukan.registry.models import Household
from tests.rectification.test_pages import make_problem, make_run
from tests.scope_fixtures import *

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64
OLE_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def village_problem(county):
    """A problem of the first village of the first town: every rectifying role of `users` has it."""
    village = county.villages_of(county.towns[0])[0]
    return make_problem("NO_HELPER", household=Household.objects.filter(village=village).order_by("pk").first())


@pytest.fixture
def other_town_problem(county):
    return make_problem("NO_HELPER", household=county.households_of(county.towns[1])[0])


def step_url(problem):
    return reverse("rectification:problem_step", args=[problem.pk])


def page_url(problem):
    return reverse("rectification:problem_detail", args=[problem.pk])


def png(name="照片.png"):
    return SimpleUploadedFile(name, PNG, "image/png")


def post_step(client, problem, action, note="", files=()):
    data = {"action": action, "note": note}
    if files:
        data["files"] = list(files)
    return client.post(step_url(problem), data)


def status_of(problem):
    return Problem.objects.values_list("status", flat=True).get(pk=problem.pk)


def events(problem):
    return list(ProblemEvent.objects.filter(problem=problem).values_list("action", flat=True))


# ---- the page shows what may be done -----------------------------------------------------------

def test_page_offers_the_steps_of_the_role(village_problem, users, client_for):
    html = client_for(users[Role.TOWN_CADRE]).get(page_url(village_problem)).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'value="reported_fixed"' in html and 'type="file" id="files-reported_fixed" name="files" multiple' in html
    assert 'value="verified"' not in html  # nothing to verify, and not theirs to verify
    assert "csrfmiddlewaretoken" in html
    village_problem.status = Status.FIXED
    village_problem.save()
    for role in (Role.VILLAGE_CADRE, Role.TOWN_CADRE, Role.HELPER, Role.LEADER):
        html = client_for(users[role]).get(page_url(village_problem)).content.decode()
        assert 'value="verified"' not in html, role
    html = client_for(users[Role.INSPECTOR]).get(page_url(village_problem)).content.decode()
    assert 'value="verified"' in html and 'value="verification_failed"' in html


# ---- every step, allowed --------------------------------------------------------------------------

def test_the_whole_path_through_the_pages(village_problem, users, client_for):
    village = client_for(users[Role.VILLAGE_CADRE])
    response = post_step(village, village_problem, Action.STARTED)
    assert response.status_code == 302 and response.url == page_url(village_problem)
    assert status_of(village_problem) == Status.IN_PROGRESS

    response = post_step(village, village_problem, Action.PROGRESS, "已联系帮扶责任人", [png("进展.png")])
    assert response.status_code == 302
    assert status_of(village_problem) == Status.IN_PROGRESS

    town = client_for(users[Role.TOWN_CADRE])
    response = post_step(town, village_problem, Action.REPORTED_FIXED, "已落实帮扶责任人")  # evidence sent earlier
    assert response.status_code == 302
    assert status_of(village_problem) == Status.FIXED

    inspector = client_for(users[Role.INSPECTOR])
    response = post_step(inspector, village_problem, Action.VERIFIED, "入户核实")
    assert response.status_code == 302
    assert status_of(village_problem) == Status.CLOSED

    page = inspector.get(response.url)
    html = page.content.decode()
    with translation.override(settings.LANGUAGE_CODE):
        done = gettext("%(step)s: done.") % {"step": workflow.STEPS[Action.VERIFIED].label}
    assert [str(m) for m in page.context["messages"]] == [done]
    assert events(village_problem) == [Action.STARTED, Action.PROGRESS, Action.REPORTED_FIXED, Action.VERIFIED]
    timeline = page.context["timeline"]
    assert [e.actor_name for e in timeline][1].startswith("测试village_cadre")
    assert "已联系帮扶责任人" in html and "入户核实" in html and "进展.png" in html
    evidence = Evidence.objects.get(problem=village_problem)
    assert reverse("rectification:evidence_download", args=[evidence.pk]) in html


def test_a_failed_verification_returns_the_problem_with_its_reason(village_problem, users, client_for):
    workflow.take_step(village_problem, users[Role.TOWN_CADRE], Action.REPORTED_FIXED, note="已整改", files=[png()])
    admin = client_for(users[Role.COUNTY_ADMIN])
    response = post_step(admin, village_problem, Action.VERIFICATION_FAILED, "照片不能说明问题，请补充")
    assert response.status_code == 302
    assert status_of(village_problem) == Status.OPEN
    html = admin.get(page_url(village_problem)).content.decode()
    assert "照片不能说明问题，请补充" in html


# ---- every step, refused: 403 or 400, the note kept, nothing changed --------------------------

@pytest.mark.parametrize("action, status, role, expected", [
    (Action.STARTED, Status.OPEN, Role.INSPECTOR, 403),  # inspectors verify, they do not rectify
    (Action.PROGRESS, Status.OPEN, Role.HELPER, 403),
    (Action.REPORTED_FIXED, Status.OPEN, Role.LEADER, 403),
    (Action.VERIFIED, Status.FIXED, Role.VILLAGE_CADRE, 403),  # a village cannot close
    (Action.VERIFICATION_FAILED, Status.FIXED, Role.TOWN_CADRE, 403),
    (Action.VERIFIED, Status.OPEN, Role.INSPECTOR, 400),  # nothing reported fixed to verify
])
def test_a_refused_step_changes_nothing(action, status, role, expected, village_problem, users, client_for):
    village_problem.status = status
    village_problem.save()
    client = client_for(users[role])
    response = post_step(client, village_problem, action, "我写的说明")
    assert response.status_code == expected
    assert status_of(village_problem) == status
    assert events(village_problem) == []
    if role != Role.LEADER and role != Role.HELPER:  # roles without a step form see the error above the panel
        assert "我写的说明" in response.content.decode()
    assert response.context["panel_error"] or any(f["error"] for f in response.context["step_forms"])


def test_a_refusal_of_what_was_sent_keeps_the_note_in_its_form(village_problem, users, client_for):
    client = client_for(users[Role.TOWN_CADRE])
    response = post_step(client, village_problem, Action.REPORTED_FIXED, "已整改，照片后补")  # no evidence
    assert response.status_code == 400
    form = next(f for f in response.context["step_forms"] if f["step"].action == Action.REPORTED_FIXED)
    assert ("evidence" in form["error"] or "佐证" in form["error"]) and form["note"] == "已整改，照片后补"
    assert "已整改，照片后补</textarea>" in response.content.decode()
    assert status_of(village_problem) == Status.OPEN and events(village_problem) == []

    response = post_step(client, village_problem, Action.PROGRESS, "")  # a note is needed
    assert response.status_code == 400 and status_of(village_problem) == Status.OPEN


def test_a_bad_file_is_refused_and_nothing_is_stored(village_problem, users, client_for, tmp_path):
    client = client_for(users[Role.TOWN_CADRE])
    fake = SimpleUploadedFile("整改照片.png", b"MZ\x90\x00 not a picture", "image/png")
    response = post_step(client, village_problem, Action.REPORTED_FIXED, "已整改", [fake])
    assert response.status_code == 400
    form = next(f for f in response.context["step_forms"] if f["step"].action == Action.REPORTED_FIXED)
    assert "整改照片.png" in form["error"] and form["files_sent"] and form["note"] == "已整改"
    assert status_of(village_problem) == Status.OPEN
    assert not Evidence.objects.exists()
    assert not any(p.is_file() for p in (tmp_path / "evidence").rglob("*")) if (tmp_path / "evidence").exists() else True


def test_steps_need_post_and_csrf(village_problem, users):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.TOWN_CADRE])
    assert client.get(step_url(village_problem)).status_code == 405
    assert client.post(step_url(village_problem), {"action": Action.STARTED}).status_code == 403
    assert status_of(village_problem) == Status.OPEN


# ---- another town's problem, by link -------------------------------------------------------------

def test_another_towns_problem_is_404_by_link(other_town_problem, users, client_for):
    evidence = workflow.take_step(other_town_problem, users[Role.COUNTY_ADMIN], Action.PROGRESS, note="县里核查",
                                  files=[png()]).evidence.get()
    client = client_for(users[Role.TOWN_CADRE])
    assert client.get(page_url(other_town_problem)).status_code == 404
    assert post_step(client, other_town_problem, Action.STARTED).status_code == 404
    assert status_of(other_town_problem) == Status.IN_PROGRESS
    assert events(other_town_problem) == [Action.PROGRESS]
    url = reverse("rectification:evidence_download", args=[evidence.pk])
    assert client.get(url).status_code == 404
    assert client_for(users[Role.VILLAGE_CADRE]).get(url).status_code == 404
    assert not ExportLog.objects.filter(what="rectification.evidence").exists()


# ---- evidence downloads -------------------------------------------------------------------------

def _evidence(problem, user, upload):
    event = workflow.take_step(problem, user, Action.PROGRESS, note="材料", files=[upload])
    return event.evidence.get()


def test_an_image_opens_inline_with_safe_headers_and_is_logged(village_problem, users, client_for):
    item = _evidence(village_problem, users[Role.VILLAGE_CADRE], png("整改后照片.png"))
    client = client_for(users[Role.TOWN_CADRE])
    response = client.get(reverse("rectification:evidence_download", args=[item.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=utf-8''%E6%95%B4%E6%94%B9%E5%90%8E%E7%85%A7%E7%89%87.png" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "private, no-store"
    log = ExportLog.objects.get(what="rectification.evidence")
    assert log.user == users[Role.TOWN_CADRE] and log.filters == {"evidence": item.pk}
    assert log.row_count == 1 and log.file_format == "png"


@pytest.mark.parametrize("name, content, content_type, inline", [
    ("核查表.pdf", PDF, "application/pdf", True),
    ("整改报告.doc", OLE_DOC, "application/msword", False),
])
def test_documents_inline_or_attachment_by_kind(name, content, content_type, inline, village_problem, users,
                                                client_for):
    item = _evidence(village_problem, users[Role.TOWN_CADRE], SimpleUploadedFile(name, content, content_type))
    response = client_for(users[Role.INSPECTOR]).get(reverse("rectification:evidence_download", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline;" if inline else "attachment;")


def test_evidence_needs_the_problem_in_scope_and_a_role_that_sees_problems(village_problem, users, client_for):
    item = _evidence(village_problem, users[Role.TOWN_CADRE], png())
    url = reverse("rectification:evidence_download", args=[item.pk])
    assert client_for(users[Role.DATA_PROVIDER]).get(url).status_code == 403
    assert client_for(users[Role.HELPER]).get(url).status_code == 200  # the helper's village holds it
    assert client_for(users[Role.TOWN_CADRE]).get(reverse("rectification:evidence_download",
                                                          args=[item.pk + 1000])).status_code == 404


# ---- the page in words: assignment, overdue, recurrence --------------------------------------------

def test_history_says_what_assignment_and_recurrence_changed(village_problem, users, client_for):
    admin, inspector, town = users[Role.COUNTY_ADMIN], users[Role.INSPECTOR], users[Role.TOWN_CADRE]
    assignment.assign([village_problem.pk], admin, unit="松林乡人民政府", person=town,
                      deadline=timezone.localdate() + dt.timedelta(days=10))
    workflow.take_step(village_problem, town, Action.REPORTED_FIXED, note="已整改", files=[png()])
    workflow.take_step(village_problem, inspector, Action.VERIFIED)
    problem = Problem.objects.get(pk=village_problem.pk)
    closed_at = problem.closed_at
    recurrence.found_again(problem, admin, {"source": "census", "round": "2021年普查"})

    response = client_for(admin).get(page_url(village_problem))
    html = response.content.decode()
    lines = [text for e in response.context["timeline"] for text, _link in e.lines]
    with translation.override(settings.LANGUAGE_CODE):  # the page's language, whatever the catalogue says
        unit, person = gettext("responsible unit"), gettext("responsible person")
        census = gettext("Found by %(source)s") % {"source": Source.CENSUS.label}
        census += gettext(", round %(round)s") % {"round": "2021年普查"}
        closure = gettext("The closure it undid: verified by %(name)s on %(time)s.") % {
            "name": workflow.actor_name(inspector), "time": timezone.localtime(closed_at).strftime("%Y-%m-%d %H:%M")}
        recurring = gettext("recurring ×%(n)s") % {"n": 1}
    assert f"{unit}: — → 松林乡人民政府" in lines
    assert f"{person}: — → {workflow.actor_name(town)}" in lines
    assert census in lines
    assert closure in lines
    assert recurring in html and 'class="badge recurring"' in html


def test_a_run_that_found_it_again_is_a_link(village_problem, users, client_for):
    run = make_run(counts={"NO_HELPER": 1})
    workflow.record_event(village_problem, Action.REOPENED, None, to_status=Status.OPEN,
                          details={"run": run.pk, "closed_at": "2020-12-01 10:00:00", "closed_by": None})
    response = client_for(users[Role.COUNTY_ADMIN]).get(page_url(village_problem))
    assert reverse("lookback:run_detail", args=[run.pk]) in response.content.decode()
    assert any("2020-12-01 10:00" in text for e in response.context["timeline"] for text, _ in e.lines)


def test_an_overdue_problem_stands_out(village_problem, users, client_for):
    Problem.objects.filter(pk=village_problem.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    response = client_for(users[Role.TOWN_CADRE]).get(page_url(village_problem))
    assert response.context["overdue_days"] == 3
    html = response.content.decode()
    with translation.override(settings.LANGUAGE_CODE):
        badge = translation.ngettext("%(n)s day overdue", "%(n)s days overdue", 3) % {"n": 3}
    assert 'class="badge overdue"' in html and badge in html
    Problem.objects.filter(pk=village_problem.pk).update(status=Status.FIXED)  # the county's turn: not overdue
    response = client_for(users[Role.TOWN_CADRE]).get(page_url(village_problem))
    assert response.context["overdue_days"] == 0 and 'class="badge overdue"' not in response.content.decode()
