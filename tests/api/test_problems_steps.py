"""The problems API's workflow: every step for a role that may take it and one that may not, evidence
uploads (real bytes, checked by content), downloads in and out of scope, token authentication."""

import io
import zipfile

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from huitoukan.accounts.models import ExportLog
from huitoukan.accounts.roles import Role
from huitoukan.rectification.models import Evidence, Problem
from tests.factories import make_user
from tests.scope_fixtures import *

from .test_problems_api import *  # its fixtures and `snapshot` (its __all__), not its tests

pytestmark = pytest.mark.django_db

# A real 1×1 PNG.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def upload(name, content):
    handle = io.BytesIO(content)
    handle.name = name  # what the test client sends as the file's name
    return handle


def png(name="现场照片.png", content=PNG):
    return upload(name, content)


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def step(client, problem, action, note="", files=None, **extra):
    url = f"/api/problems/{problem.pk}/steps/"
    if files is None:
        return client.post(url, {"action": action, "note": note}, content_type="application/json", **extra)
    return client.post(url, {"action": action, "note": note, "files": files}, **extra)  # multipart


def stored_files(media):
    root = media / "evidence"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def set_status(problem, status, fixed_by=None):
    Problem.objects.filter(pk=problem.pk).update(status=status, fixed_by=fixed_by)
    problem.refresh_from_db()


# ---- every step: allowed and refused ----------------------------------------------------------

# (action, status before, allowed role, refused role, note, needs a file, status after)
STEPS = [
    ("started", "open", Role.VILLAGE_CADRE, Role.INSPECTOR, "", False, "in_progress"),
    ("progress", "open", Role.TOWN_CADRE, Role.LEADER, "已入户核实", False, "in_progress"),
    ("reported_fixed", "in_progress", Role.COUNTY_ADMIN, Role.INSPECTOR, "已整改", True, "fixed"),
    ("verified", "fixed", Role.INSPECTOR, Role.VILLAGE_CADRE, "核实到位", False, "closed"),
    ("verification_failed", "fixed", Role.COUNTY_ADMIN, Role.TOWN_CADRE, "照片不清", False, "open"),
]


@pytest.mark.parametrize("action, before, allowed, refused, note, needs_file, after", STEPS)
def test_every_step_for_an_allowed_and_a_refused_role(action, before, allowed, refused, note, needs_file, after,
                                                      api, users, problems, media):
    problem = problems["id_t1"]  # in the village cadre's village
    set_status(problem, before, fixed_by=users[Role.TOWN_CADRE] if before == "fixed" else None)
    files = [png()] if needs_file else None

    unchanged = snapshot(problem)
    response = step(api(users[refused]), problem, action, note, files=[png()] if needs_file else None)
    assert response.status_code == 403, response.content
    assert response.json()["detail"]
    assert snapshot(problem) == unchanged
    assert stored_files(media) == []

    response = step(api(users[allowed]), problem, action, note, files=files)
    assert response.status_code == 201, response.content
    event = response.json()
    problem.refresh_from_db()
    assert problem.status == after
    assert (event["action"], event["from_status"], event["to_status"]) == (action, before, after)
    assert event["note"] == note
    assert users[allowed].username in event["actor_name"]
    assert len(event["evidence"]) == (1 if needs_file else 0)
    assert problem.events.get().pk == event["id"]


def test_helper_and_data_provider_take_no_step(api, users, problems):
    problem = problems["id_t1"]
    unchanged = snapshot(problem)
    assert step(api(users[Role.HELPER]), problem, "started").status_code == 403
    assert step(api(users[Role.DATA_PROVIDER]), problem, "started").status_code == 403
    assert snapshot(problem) == unchanged


def test_a_town_cadre_cannot_act_on_another_towns_problem(api, users, problems, media):
    problem = problems["housing_t2"]
    unchanged = snapshot(problem)
    client = api(users[Role.TOWN_CADRE])
    for action, note, files in (("started", "", None), ("progress", "x", None), ("reported_fixed", "x", [png()])):
        response = step(client, problem, action, note, files=files)
        assert response.status_code == 404, (action, response.content)
    assert client.post(f"/api/problems/{problem.pk}/evidence/", {"note": "x", "files": [png()]}).status_code == 404
    assert snapshot(problem) == unchanged
    assert stored_files(media) == []


def test_another_county_is_404_even_for_a_county_administrator(api, users, problems):
    problem = problems["next_door"]
    unchanged = snapshot(problem)
    assert step(api(users[Role.COUNTY_ADMIN]), problem, "started").status_code == 404
    assert snapshot(problem) == unchanged


def test_a_fix_is_not_verified_by_who_reported_it(api, users, problems):
    problem = problems["id_t1"]
    admin = api(users[Role.COUNTY_ADMIN])
    assert step(admin, problem, "reported_fixed", "已整改", files=[png()]).status_code == 201
    unchanged = snapshot(problem)
    for action, note in (("verified", ""), ("verification_failed", "不行")):
        response = step(admin, problem, action, note)
        assert response.status_code == 403
        assert response.json()["detail"]
    assert snapshot(problem) == unchanged
    assert step(api(users[Role.INSPECTOR]), problem, "verified").status_code == 201
    problem.refresh_from_db()
    assert problem.status == "closed" and problem.closed_by == users[Role.INSPECTOR]


@pytest.mark.parametrize("action, status, note", [
    ("reported_fixed", "in_progress", "已整改"),  # no evidence
    ("progress", "open", ""),  # no explanation
    ("verification_failed", "fixed", ""),  # no reason
    ("verified", "open", ""),  # the wrong status for it
    ("started", "in_progress", ""),  # the wrong status for it
])
def test_a_step_without_what_it_needs_is_400_and_changes_nothing(action, status, note, api, users, problems):
    problem = problems["id_t1"]
    set_status(problem, status, fixed_by=users[Role.TOWN_CADRE] if status == "fixed" else None)
    unchanged = snapshot(problem)
    role = Role.INSPECTOR if action in ("verified", "verification_failed") else Role.VILLAGE_CADRE
    response = step(api(users[role]), problem, action, note)
    assert response.status_code == 400, response.content
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]
    assert snapshot(problem) == unchanged


def test_a_malformed_step_is_400(api, users, problems):
    problem = problems["id_t1"]
    unchanged = snapshot(problem)
    client = api(users[Role.VILLAGE_CADRE])
    for body in ({"action": "closed"}, {"note": "x"}, {"action": "started", "files": "x"}):
        response = client.post(f"/api/problems/{problem.pk}/steps/", body, content_type="application/json")
        assert response.status_code == 400, body
    assert snapshot(problem) == unchanged


def test_the_whole_path_with_a_png_and_a_failed_verification(api, users, problems, media):
    problem = problems["id_t1"]
    village, inspector = api(users[Role.VILLAGE_CADRE]), api(users[Role.INSPECTOR])
    assert step(village, problem, "started").status_code == 201
    response = step(village, problem, "reported_fixed", "已补录", files=[png("门牌.png"), png("表格.png")])
    assert response.status_code == 201, response.content
    assert len(response.json()["evidence"]) == 2
    assert step(inspector, problem, "verification_failed", "照片看不清").status_code == 201
    problem.refresh_from_db()
    assert problem.status == "open" and problem.fixed_by is None
    # The earlier evidence came before the return: a new report of fixed needs new evidence.
    unchanged = snapshot(problem)
    assert step(village, problem, "reported_fixed", "再次整改").status_code == 400
    assert snapshot(problem) == unchanged
    response = village.post(f"/api/problems/{problem.pk}/evidence/", {"note": "补拍照片", "files": [png("新.png")]})
    assert response.status_code == 201, response.content
    assert response.json()["action"] == "progress"
    assert step(village, problem, "reported_fixed", "再次整改").status_code == 201
    assert step(inspector, problem, "verified").status_code == 201
    problem.refresh_from_db()
    assert problem.status == "closed"

    detail = village.get(f"/api/problems/{problem.pk}/").json()
    assert [e["action"] for e in detail["events"]] == [
        "started", "reported_fixed", "verification_failed", "progress", "reported_fixed", "verified"]
    assert [e["original_name"] for e in detail["evidence"]] == ["门牌.png", "表格.png", "新.png"]
    assert detail["events"][1]["evidence"] == [e["id"] for e in detail["evidence"][:2]]
    assert detail["allowed_steps"] == []
    assert len(stored_files(media)) == 3


# ---- evidence ---------------------------------------------------------------------------------


def test_evidence_upload_stores_the_file_and_records_a_progress_report(api, users, problems, media):
    problem = problems["id_t1"]
    response = api(users[Role.VILLAGE_CADRE]).post(f"/api/problems/{problem.pk}/evidence/",
                                                   {"note": "入户照片", "files": [png()]})
    assert response.status_code == 201, response.content
    item = Evidence.objects.get(problem=problem)
    assert (item.original_name, item.content_type, item.size) == ("现场照片.png", "image/png", len(PNG))
    assert item.event_id == response.json()["id"]
    assert item.uploaded_by == users[Role.VILLAGE_CADRE]
    assert stored_files(media)[0].read_bytes() == PNG
    problem.refresh_from_db()
    assert problem.status == "in_progress"


def test_evidence_upload_needs_a_note_and_a_file(api, users, problems, media):
    problem = problems["id_t1"]
    client = api(users[Role.VILLAGE_CADRE])
    unchanged = snapshot(problem)
    assert client.post(f"/api/problems/{problem.pk}/evidence/", {"files": [png()]}).status_code == 400
    assert client.post(f"/api/problems/{problem.pk}/evidence/", {"note": "x"}).status_code == 400
    assert snapshot(problem) == unchanged and stored_files(media) == []


def test_evidence_upload_is_refused_to_roles_that_do_not_rectify(api, users, problems, media):
    problem = problems["id_t1"]
    unchanged = snapshot(problem)
    response = api(users[Role.INSPECTOR]).post(f"/api/problems/{problem.pk}/evidence/",
                                               {"note": "x", "files": [png()]})
    assert response.status_code == 403
    assert snapshot(problem) == unchanged and stored_files(media) == []


@pytest.mark.parametrize("name, content", [
    ("照片.png", b"just some text, not an image\n"),  # a .png that is really text
    ("report.exe", b"MZ\x90\x00"),  # a kind that is never evidence
    ("empty.pdf", b""),
    ("fake.docx", b"PK\x03\x04 not really a zip"),
])
def test_a_file_that_cannot_be_evidence_is_400_and_nothing_is_stored(name, content, api, users, problems, media):
    problem = problems["id_t1"]
    unchanged = snapshot(problem)
    client = api(users[Role.VILLAGE_CADRE])
    response = client.post(f"/api/problems/{problem.pk}/evidence/", {"note": "x", "files": [upload(name, content)]})
    assert response.status_code == 400, response.content
    assert name in response.json()["detail"]
    # With a good file alongside: still all or nothing.
    response = step(client, problem, "reported_fixed", "已整改", files=[png(), upload(name, content)])
    assert response.status_code == 400
    assert snapshot(problem) == unchanged
    assert Evidence.objects.count() == 0 and stored_files(media) == []


def test_too_many_files_are_refused(api, users, problems, media, settings):
    settings.HUITOUKAN_EVIDENCE_MAX_FILES = 2
    problem = problems["id_t1"]
    unchanged = snapshot(problem)
    response = api(users[Role.VILLAGE_CADRE]).post(f"/api/problems/{problem.pk}/evidence/",
                                                   {"note": "x", "files": [png("1.png"), png("2.png"), png("3.png")]})
    assert response.status_code == 400
    assert snapshot(problem) == unchanged and stored_files(media) == []


def test_a_file_over_the_size_limit_is_refused(api, users, problems, media, settings):
    settings.HUITOUKAN_EVIDENCE_MAX_BYTES = 100
    problem = problems["id_t1"]
    response = api(users[Role.VILLAGE_CADRE]).post(
        f"/api/problems/{problem.pk}/evidence/", {"note": "x", "files": [png(content=PNG + b"\x00" * 200)]})
    assert response.status_code == 400 and "MB" in response.json()["detail"]
    assert stored_files(media) == []


# ---- downloads --------------------------------------------------------------------------------


@pytest.fixture
def evidence_item(api, users, problems):
    problem = problems["id_t1"]
    response = api(users[Role.VILLAGE_CADRE]).post(f"/api/problems/{problem.pk}/evidence/",
                                                   {"note": "入户照片", "files": [png()]})
    assert response.status_code == 201, response.content
    return Evidence.objects.get(pk=response.json()["evidence"][0])


@pytest.mark.parametrize("role", [Role.VILLAGE_CADRE, Role.TOWN_CADRE, Role.INSPECTOR, Role.LEADER])
def test_evidence_downloads_for_users_who_see_the_problem(role, api, users, evidence_item):
    client = api(users[role])
    detail = client.get(f"/api/problems/{evidence_item.problem_id}/").json()
    url = detail["evidence"][0]["download_url"]
    assert url.endswith(f"/api/evidence/{evidence_item.pk}/download/")
    response = client.get(url, HTTP_ACCEPT="image/avif,image/webp,image/*")  # what an <img> asks for
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    log = ExportLog.objects.get(user=users[role])
    assert log.what == "rectification.evidence" and log.row_count == 1
    assert log.filters == {"evidence": evidence_item.pk, "problem": evidence_item.problem_id}


def test_evidence_is_404_outside_the_scope(api, users, county, other_county, evidence_item):
    other_town = make_user("cadre_t2", Role.TOWN_CADRE, [county.towns[1]])
    next_door = make_user("admin_next", Role.COUNTY_ADMIN, [other_county.county])
    url = f"/api/evidence/{evidence_item.pk}/download/"
    for user in (other_town, next_door):
        response = api(user).get(url)
        assert response.status_code == 404
        assert response.json() == api(user).get("/api/evidence/99999999/download/").json()
    assert api(users[Role.DATA_PROVIDER]).get(url).status_code == 403
    assert Client().get(url).status_code == 401
    assert not ExportLog.objects.exists()


def test_office_documents_download_as_attachments(api, users, problems):
    problem = problems["id_t1"]
    client = api(users[Role.TOWN_CADRE])
    response = client.post(f"/api/problems/{problem.pk}/evidence/",
                           {"note": "整改报告", "files": [upload("整改报告.docx", docx())]})
    assert response.status_code == 201, response.content
    download = client.get(f"/api/evidence/{response.json()['evidence'][0]}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A.docx" in download["Content-Disposition"]
    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# ---- authentication ---------------------------------------------------------------------------


def test_a_step_with_a_token(users, problems):
    problem = problems["id_t1"]
    token = Token.objects.create(user=users[Role.VILLAGE_CADRE])
    # A token needs no CSRF token: a client that enforces CSRF checks still gets through.
    client = Client(enforce_csrf_checks=True)
    response = step(client, problem, "started", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 201, response.content
    response = step(client, problem, "progress", "已入户", files=[png()], HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 201, response.content
    problem.refresh_from_db()
    assert problem.status == "in_progress" and problem.evidence.count() == 1
    unchanged = snapshot(problem)
    assert step(client, problem, "progress", "x", HTTP_AUTHORIZATION="Token wrong").status_code == 401
    assert snapshot(problem) == unchanged


def test_a_session_post_needs_the_csrf_token(users, problems):
    problem = problems["id_t1"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.VILLAGE_CADRE])
    unchanged = snapshot(problem)
    assert step(client, problem, "started").status_code == 403
    assert snapshot(problem) == unchanged
