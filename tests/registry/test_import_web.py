"""The import pages: upload → preview (every error) → confirm → background task → result."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from huitoukan.accounts.models import User
from huitoukan.accounts.roles import Role
from huitoukan.registry import views_import
from huitoukan.registry.models import Household, Person, RegistryImport

from .conftest import registry_checksum
from .files import PEOPLE, people, write_csv

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def admin(client):
    user = User.objects.create_user("admin_wang", password="correct-horse-battery-9", role=Role.COUNTY_ADMIN)
    client.force_login(user)
    return user


def upload(client, tmp_path, rows, name="登记表.csv", **kwargs):
    data = write_csv(tmp_path / "upload.csv", rows, **kwargs).read_bytes()
    return client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile(name, data, "text/csv")})


def latest():
    return RegistryImport.objects.latest("created_at")


def test_upload_page(client, admin):
    response = client.get(reverse("registry:import_upload"))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_a_file_with_errors_shows_every_error_and_cannot_be_confirmed(client, admin, tmp_path):
    before = registry_checksum()
    rows = people({}, {"脱贫属性": "未脱贫"}, {"与户主关系": "邻居", "人均纯收入": "很多"})
    response = upload(client, tmp_path, rows, titles=["示例县明细表"])
    record = latest()
    assert response.status_code == 302 and response["Location"] == reverse("registry:import_detail", args=[record.pk])
    assert record.state == RegistryImport.State.INVALID and record.error_count == 3
    assert record.created_by == admin and record.file_name == "登记表.csv"

    page = client.get(response["Location"]).content.decode()
    for row, column in ((4, "脱贫属性"), (5, "与户主关系"), (5, "人均纯收入")):
        assert f"<td>{row}</td><td>{column}</td>" in page
    assert "不一致" in page and "无法识别的值" in page  # the interface speaks zh-hans
    assert 'disabled aria-disabled="true"' in page

    response = client.post(reverse("registry:import_confirm", args=[record.pk]))
    assert response.status_code == 302
    assert latest().state == RegistryImport.State.INVALID
    assert registry_checksum() == before


@override_settings(TASKS=IMMEDIATE)
def test_a_clean_file_is_previewed_then_imported_by_the_task(client, admin, tmp_path):
    upload(client, tmp_path, PEOPLE, titles=["示例县明细表"])
    record = latest()
    assert record.state == RegistryImport.State.PREVIEWED and record.dry_run
    assert not Household.objects.exists()

    page = client.get(reverse("registry:import_detail", args=[record.pk])).content.decode()
    assert "确认导入" in page and "disabled" not in page.split("确认导入")[0].rsplit("<button", 1)[1]
    assert "张三丰" in page and "李小梅" in page  # the first rows as read
    assert "head of household" in page or "户主" in page  # choices shown by their labels

    response = client.post(reverse("registry:import_confirm", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == RegistryImport.State.DONE and not record.dry_run
    assert record.summary["households_created"] == 2 and record.summary["people_created"] == 3
    assert Household.objects.count() == 2 and Person.objects.count() == 3
    history = Person.history.get(person_no="P001")
    assert history.history_user == admin and "登记表.csv" in history.history_change_reason

    page = client.get(reverse("registry:import_detail", args=[record.pk])).content.decode()
    assert "导入完成" in page
    assert client.get(reverse("registry:import_list")).content.decode().count("登记表.csv") == 1


def test_confirm_queues_the_import_for_the_worker(client, admin, tmp_path):
    upload(client, tmp_path, PEOPLE)
    record = latest()
    client.post(reverse("registry:import_confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.state == RegistryImport.State.QUEUED and not record.dry_run
    assert not Household.objects.exists()  # the database backend waits for `db_worker`
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("run_registry_import") and task.args_kwargs["args"][0] == record.pk

    page = client.get(reverse("registry:import_detail", args=[record.pk])).content.decode()
    assert f'hx-get="{reverse("registry:import_progress", args=[record.pk])}"' in page
    assert "htmx.min.js" in page and "<progress" in page
    partial = client.get(reverse("registry:import_progress", args=[record.pk]))
    assert partial.status_code == 200 and "<progress" in partial.content.decode()

    # The worker's run, as `db_worker` would do it; then the poll tells the page to reload.
    from huitoukan.registry.importing.tasks import run_registry_import

    run_registry_import.call(record.pk, admin.pk, "en")
    assert Household.objects.count() == 2
    partial = client.get(reverse("registry:import_progress", args=[record.pk]))
    assert partial["HX-Refresh"] == "true"


@override_settings(TASKS=IMMEDIATE)
def test_large_files_are_checked_in_the_background(client, admin, tmp_path, monkeypatch):
    monkeypatch.setattr(views_import, "CHECK_INLINE_BYTES", 10)
    upload(client, tmp_path, PEOPLE)
    record = latest()
    assert record.state == RegistryImport.State.PREVIEWED and record.row_count == 3


def test_large_files_wait_for_the_worker_with_a_progress_bar(client, admin, tmp_path, monkeypatch):
    monkeypatch.setattr(views_import, "CHECK_INLINE_BYTES", 10)
    upload(client, tmp_path, PEOPLE)
    record = latest()
    assert record.state == RegistryImport.State.QUEUED and record.dry_run
    page = client.get(reverse("registry:import_detail", args=[record.pk])).content.decode()
    assert "<progress" in page and "确认导入" not in page


def test_uploads_are_stored_outside_the_web_root_under_a_random_name(client, admin, tmp_path, settings):
    upload(client, tmp_path, PEOPLE, name="../../etc/登记表.csv")
    record = latest()
    stored = Path(record.stored_path)
    assert stored.parent == Path(settings.MEDIA_ROOT) / "imports" and stored.exists()
    assert "登记表" not in stored.name and record.file_name == "登记表.csv"


@pytest.mark.parametrize("name, data", [("r.txt", b"a,b"), ("r.csv", b"")])
def test_bad_uploads_are_refused_with_the_form(client, admin, name, data):
    response = client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200 and not RegistryImport.objects.exists()


def test_every_import_page_is_refused_to_a_town_cadre(client, tmp_path):
    owner = User.objects.create_user("admin_wang", role=Role.COUNTY_ADMIN)
    record = RegistryImport.objects.create(file_name="r.csv", sha256="", created_by=owner)
    cadre = User.objects.create_user("cadre_dong", password="correct-horse-battery-9", role=Role.TOWN_CADRE)
    client.force_login(cadre)
    for name, args in (("import_list", []), ("import_upload", []), ("import_detail", [record.pk]),
                       ("import_progress", [record.pk]), ("import_issues", [record.pk])):
        assert client.get(reverse(f"registry:{name}", args=args)).status_code == 403, name
    data = write_csv(tmp_path / "r.csv", PEOPLE).read_bytes()
    response = client.post(reverse("registry:import_upload"), {"file": SimpleUploadedFile("r.csv", data)})
    assert response.status_code == 403
    assert client.post(reverse("registry:import_confirm", args=[record.pk])).status_code == 403
    assert RegistryImport.objects.count() == 1 and not Household.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("registry:import_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_more_issues_than_the_page_shows_can_be_downloaded(client, admin, tmp_path, monkeypatch):
    from huitoukan.registry.importing import report, tasks

    monkeypatch.setattr(report, "STORED_ISSUES", 2)
    monkeypatch.setattr(tasks, "STORED_ISSUES", 2)
    rows = [dict(PEOPLE[0], 户编号=f"H{i:03d}", 人编号=f"P{i:03d}", 脱贫属性="??") for i in range(5)]
    upload(client, tmp_path, rows)
    record = latest()
    assert record.error_count == 5 and len(record.errors) == 2
    page = client.get(reverse("registry:import_detail", args=[record.pk])).content.decode()
    assert reverse("registry:import_issues", args=[record.pk]) in page
    response = client.get(reverse("registry:import_issues", args=[record.pk]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.count("??") == 5
    from huitoukan.accounts.models import ExportLog

    logged = ExportLog.objects.get(what="registry.import_issues")
    assert logged.username == admin.username and logged.filters == {"import": record.pk}


def test_a_command_line_dry_run_cannot_be_confirmed_from_the_web(client, admin, tmp_path):
    from huitoukan.registry.importing.service import import_registry

    report = import_registry(write_csv(tmp_path / "r.csv", PEOPLE), dry_run=True)
    page = client.get(reverse("registry:import_detail", args=[report.record_id])).content.decode()
    assert 'disabled aria-disabled="true"' in page
    client.post(reverse("registry:import_confirm", args=[report.record_id]))
    assert RegistryImport.objects.get(pk=report.record_id).state == RegistryImport.State.PREVIEWED
    assert not Household.objects.exists()


def test_progress_written_during_the_transaction_is_read_from_the_side_file(client, admin):
    from huitoukan.registry.importing.tasks import progress_file, read_progress

    record = RegistryImport.objects.create(file_name="r.csv", sha256="", state=RegistryImport.State.RUNNING,
                                           progress=60, progress_note="写入")
    assert read_progress(record) == (60, "写入")
    progress_file(record).write_text('{"percent": 80, "note": "正在写入登记库"}')
    assert read_progress(record) == (80, "正在写入登记库")
    page = client.get(reverse("registry:import_progress", args=[record.pk])).content.decode()
    assert 'value="80"' in page
