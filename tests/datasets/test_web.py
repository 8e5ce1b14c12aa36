"""The dataset pages: who may load and see; upload → check (nothing stored) → confirm → loaded by
the background task; a load's page with ID numbers and health data masked per the viewer."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from huitoukan.accounts.masking import mask_id_number
from huitoukan.accounts.models import User
from huitoukan.accounts.roles import Role
from huitoukan.datasets import tables
from huitoukan.datasets.loading.service import load_dataset
from huitoukan.datasets.models import DatasetLoad, DatasetUpload
from huitoukan.synth.datasets import COLUMNS

from .conftest import AS_OF, nothing_stored
from .files import write_csv

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


class People(dict):
    """One user per role, made when first asked for (without a password: Argon2 costs a second)."""

    def __missing__(self, role):
        user = self[role] = User.objects.create(username=f"u_{role}", role=role)
        return user


@pytest.fixture
def people():
    return People()


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_upload(client, path, kind, name=None, as_of="2020-12-31"):
    data = {"kind": kind, "as_of": as_of, "provider": "",
            "file": SimpleUploadedFile(name or path.name, path.read_bytes(), "text/csv")}
    return client.post(reverse("datasets:upload"), data)


@pytest.mark.parametrize("role,status", [
    (Role.COUNTY_ADMIN, 200), (Role.DATA_PROVIDER, 200), (Role.INSPECTOR, 403), (Role.TOWN_CADRE, 403),
    (Role.VILLAGE_CADRE, 403), (Role.HELPER, 403), (Role.LEADER, 403),
])
def test_who_may_upload(people, role, status):
    client = client_of(people[role])
    assert client.get(reverse("datasets:upload")).status_code == status


@pytest.mark.parametrize("role,status", [
    (Role.COUNTY_ADMIN, 200), (Role.DATA_PROVIDER, 200), (Role.INSPECTOR, 200), (Role.TOWN_CADRE, 403),
    (Role.VILLAGE_CADRE, 403), (Role.HELPER, 403), (Role.LEADER, 403),
])
def test_who_may_see_the_loads(people, county, role, status):
    report = load_dataset(county.paths["death.csv"], "death", as_of=AS_OF)
    client = client_of(people[role])
    assert client.get(reverse("datasets:load_list")).status_code == status
    assert client.get(reverse("datasets:load_detail", args=[report.load_id])).status_code == status


def test_anonymous_goes_to_the_login_page():
    response = Client().get(reverse("datasets:load_list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_town_cadre_cannot_post_a_file(people, county, data_dir):
    client = client_of(people[Role.TOWN_CADRE])
    assert post_upload(client, county.paths["death.csv"], "death").status_code == 403
    assert not DatasetUpload.objects.exists() and nothing_stored(data_dir)


@override_settings(TASKS=IMMEDIATE)
def test_data_provider_uploads_checks_and_confirms(people, county, data_dir):
    provider = people[Role.DATA_PROVIDER]
    client = client_of(provider)
    response = post_upload(client, county.paths["vehicle.csv"], "vehicle", name="车管所2020年.csv")
    upload = DatasetUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("datasets:upload_detail", args=[upload.pk])
    assert upload.state == DatasetUpload.State.CHECKED and upload.created_by == provider
    assert nothing_stored(data_dir)  # a check writes nothing

    page = client.get(response["Location"]).content.decode()
    assert "确认" in page and 'disabled aria-disabled' not in page
    # The preview shows the first rows, ID numbers masked for a data provider.
    first_id = upload.report["preview"]["rows"][0][1][0]
    assert first_id not in page and mask_id_number(first_id) in page

    response = client.post(reverse("datasets:upload_confirm", args=[upload.pk]))
    assert response.status_code == 302
    upload.refresh_from_db()
    assert upload.state == DatasetUpload.State.LOADED and upload.load is not None
    load = upload.load
    assert (load.kind, load.file_name, load.loaded_by, str(load.as_of)) == ("vehicle", "车管所2020年.csv", provider,
                                                                             "2020-12-31")
    assert load.row_count == county.rows["vehicle.csv"] and load.provider == "车管"
    assert tables.load_table(load).num_rows == load.row_count
    assert not (data_dir.parent / "uploads").exists() or not any((data_dir.parent / "uploads").rglob("*.csv"))

    # The same file again: checked as already loaded, nothing new.
    post_upload(client, county.paths["vehicle.csv"], "vehicle")
    again = DatasetUpload.objects.latest("created_at")
    assert again.state == DatasetUpload.State.UNCHANGED and again.load == load
    assert DatasetLoad.objects.count() == 1


def test_a_file_with_errors_shows_them_and_cannot_be_confirmed(people, county, tmp_path, data_dir):
    header = COLUMNS["medical_cost"]
    rows = [["522628195001010016", "张三", "2020", "100", "50", "青石县"],
            ["522628195001010016", "张三", "2020", "100", "五十", "青石县"]]
    client = client_of(people[Role.COUNTY_ADMIN])
    post_upload(client, write_csv(tmp_path / "c.csv", header, rows), "medical_cost")
    upload = DatasetUpload.objects.get()
    assert upload.state == DatasetUpload.State.INVALID and upload.report["error_count"] == 1
    page = client.get(reverse("datasets:upload_detail", args=[upload.pk])).content.decode()
    assert "<td>3</td><td>个人自付金额</td>" in page and 'disabled aria-disabled="true"' in page
    response = client.post(reverse("datasets:upload_confirm", args=[upload.pk]))
    assert response.status_code == 302 and nothing_stored(data_dir)
    upload.refresh_from_db()
    assert upload.state == DatasetUpload.State.INVALID


def test_the_load_page_masks_per_viewer(people, county):
    report = load_dataset(county.paths["disability.csv"], "disability", as_of=AS_OF)
    load = DatasetLoad.objects.get(pk=report.load_id)
    record = tables.load_table(load).slice(0, 1).to_pylist()[0]
    url = reverse("datasets:load_detail", args=[load.pk])

    admin = client_of(people[Role.COUNTY_ADMIN]).get(url).content.decode()
    assert record["id_number"] in admin and record["disability_kind"] in admin
    assert "使用中" in admin or "in use" in admin

    provider = client_of(people[Role.DATA_PROVIDER]).get(url).content.decode()
    assert record["id_number"] not in provider and mask_id_number(record["id_number"]) in provider
    assert record["disability_kind"] not in provider.split("<table class=\"data preview\">")[1]

    inspector = client_of(people[Role.INSPECTOR]).get(url).content.decode()
    assert record["id_number"] in inspector


def test_the_list_marks_the_load_in_use(people, county, tmp_path):
    newer = load_dataset(county.paths["death.csv"], "death", as_of=AS_OF)
    header = COLUMNS["death"]
    older_file = write_csv(tmp_path / "旧.csv", header, [["522628195001010016", "张三", "男", "1950-01-01",
                                                          "2020-01-01", "青石县"]])
    older = load_dataset(older_file, "death", as_of=AS_OF.replace(month=6, day=30))
    page = client_of(people[Role.INSPECTOR]).get(reverse("datasets:load_list")).content.decode()
    in_use = page.split('class="in-use"')[1].split("</tr>")[0]
    assert reverse("datasets:load_detail", args=[newer.load_id]) in in_use
    assert reverse("datasets:load_detail", args=[older.load_id]) in page
    assert reverse("datasets:upload") not in page  # inspectors do not load


@override_settings(TASKS=IMMEDIATE)
def test_a_large_file_is_checked_by_the_background_task(people, county, monkeypatch, data_dir):
    from huitoukan.datasets import views

    monkeypatch.setattr(views, "CHECK_INLINE_BYTES", 0)
    client = client_of(people[Role.COUNTY_ADMIN])
    post_upload(client, county.paths["school.csv"], "school")
    upload = DatasetUpload.objects.get()
    assert upload.state == DatasetUpload.State.CHECKED and upload.report["row_count"] == county.rows["school.csv"]
    assert upload.progress == 100 and nothing_stored(data_dir)


def test_the_upload_list_and_the_empty_load_list(people, county, tmp_path):
    client = client_of(people[Role.DATA_PROVIDER])
    page = client.get(reverse("datasets:load_list")).content.decode()
    assert page.count("尚未导入。") == 10 and reverse("datasets:upload") in page
    post_upload(client, county.paths["death.csv"], "death", name="死亡名单.csv")
    page = client.get(reverse("datasets:upload_list")).content.decode()
    upload = DatasetUpload.objects.get()
    assert "死亡名单.csv" in page and "死亡人员" in page
    assert reverse("datasets:upload_detail", args=[upload.pk]) in page
