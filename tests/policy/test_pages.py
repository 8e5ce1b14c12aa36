"""The policy pages: who may read, who may change, validation, history, YAML upload."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from huitoukan.policy.models import DEFAULTS, PolicyProfile

pytestmark = pytest.mark.django_db

EDITORS = ["county_admin"]
READERS_ONLY = ["town_cadre", "village_cadre", "helper", "inspector", "leader"]
NO_ACCESS = ["data_provider"]


def form_data(**overrides):
    data = {"year": 2021, "change_reason": "2021 年省定标准"} | {k: v for k, v in DEFAULTS.items()}
    data.update(overrides)
    return data


# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EDITORS + READERS_ONLY)
def test_list_and_history_are_readable_with_view_registry(as_user, users, profile, role):
    client = as_user(users[role])
    listing = client.get(reverse("policy:profile_list"))
    assert listing.status_code == 200
    assert b"2020" in listing.content
    history = client.get(reverse("policy:profile_history", args=[profile.pk]))
    assert history.status_code == 200
    edit_url = reverse("policy:profile_edit", args=[profile.pk]).encode()
    assert (edit_url in listing.content) == (role in EDITORS)


@pytest.mark.parametrize("role", NO_ACCESS)
def test_roles_without_view_registry_get_403(as_user, users, profile, role):
    client = as_user(users[role])
    assert client.get(reverse("policy:profile_list")).status_code == 403
    assert client.get(reverse("policy:profile_history", args=[profile.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, profile):
    for url in (reverse("policy:profile_list"), reverse("policy:profile_create"),
                reverse("policy:profile_edit", args=[profile.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_list_speaks_chinese_by_default(as_user, users, profile):
    page = as_user(users["leader"], language=None).get(reverse("policy:profile_list")).content.decode()
    assert "贫困线" in page and "政策标准" in page


# --- creating and editing -------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS_ONLY + NO_ACCESS)
def test_only_policy_editors_may_create_edit_or_upload(as_user, users, profile, role):
    client = as_user(users[role])
    create = reverse("policy:profile_create")
    edit = reverse("policy:profile_edit", args=[profile.pk])
    upload = reverse("policy:profile_upload")
    assert client.get(create).status_code == 403
    assert client.post(create, form_data()).status_code == 403
    assert client.get(edit).status_code == 403
    assert client.post(edit, form_data(year=2020, poverty_line=1)).status_code == 403
    assert client.get(upload).status_code == 403
    yaml_file = SimpleUploadedFile("p.yaml", b"year: 2020\npoverty_line: 1\n")
    assert client.post(upload, {"file": yaml_file}).status_code == 403
    profile.refresh_from_db()
    assert profile.poverty_line == 4000
    assert not PolicyProfile.objects.filter(year=2021).exists()


def test_county_admin_creates_a_profile(as_user, users):
    client = as_user(users["county_admin"])
    assert client.get(reverse("policy:profile_create")).status_code == 200
    response = client.post(reverse("policy:profile_create"), form_data(poverty_line="4200.50"))
    assert response.status_code == 302, response.content.decode()
    created = PolicyProfile.objects.get(year=2021)
    assert created.poverty_line == Decimal("4200.50")
    record = created.history.get()
    assert record.history_user == users["county_admin"]
    assert record.history_change_reason == "2021 年省定标准"


def test_create_starts_from_the_latest_year(as_user, users, profile):
    profile.poverty_line = 4100
    profile.save()
    form = as_user(users["county_admin"]).get(reverse("policy:profile_create")).context["form"]
    assert form.initial["year"] == 2021
    assert form.initial["poverty_line"] == 4100


def test_validation_error_is_shown_and_nothing_saved(as_user, users):
    client = as_user(users["county_admin"])
    response = client.post(
        reverse("policy:profile_create"), form_data(poverty_line=5000, borderline_upper=4000),
    )
    assert response.status_code == 200
    assert "The borderline upper bound cannot be below the poverty line." in response.content.decode()
    assert response.context["form"].errors["borderline_upper"]
    assert not PolicyProfile.objects.exists()


def test_validation_error_in_chinese(as_user, users):
    response = as_user(users["county_admin"], language=None).post(
        reverse("policy:profile_create"), form_data(poverty_line=5000, borderline_upper=4000)
    )
    assert "边缘" in str(response.context["form"].errors["borderline_upper"])


def test_duplicate_year_and_out_of_range_year_are_refused(as_user, users, profile):
    client = as_user(users["county_admin"])
    assert client.post(reverse("policy:profile_create"), form_data(year=2020)).status_code == 200
    assert client.post(reverse("policy:profile_create"), form_data(year=202)).status_code == 200
    assert PolicyProfile.objects.count() == 1


def test_county_admin_edits_a_profile_with_a_reason(as_user, users, profile):
    client = as_user(users["county_admin"])
    url = reverse("policy:profile_edit", args=[profile.pk])
    assert client.get(url).status_code == 200
    # the year is fixed once the profile exists; a posted year is ignored
    response = client.post(url, form_data(year=2030, poverty_line=4300, change_reason="省里调整"))
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.year, profile.poverty_line) == (2020, 4300)
    latest = profile.history.latest()
    assert latest.history_user == users["county_admin"] and latest.history_change_reason == "省里调整"


def test_edit_requires_a_reason(as_user, users, profile):
    client = as_user(users["county_admin"])
    url = reverse("policy:profile_edit", args=[profile.pk])
    response = client.post(url, form_data(year=2020, poverty_line=4300, change_reason=""))
    assert response.status_code == 200
    assert response.context["form"].errors["change_reason"]
    profile.refresh_from_db()
    assert profile.poverty_line == 4000


# --- history ------------------------------------------------------------------------------------


def test_history_shows_who_when_and_what_changed(as_user, users, profile):
    client = as_user(users["county_admin"])
    client.post(reverse("policy:profile_edit", args=[profile.pk]),
                form_data(year=2020, poverty_line=4300, dibao_line=4100, change_reason="省里调整"))
    page = as_user(users["leader"]).get(
        reverse("policy:profile_history", args=[profile.pk])
    )
    html = page.content.decode()
    assert "u_county_admin" in html and "省里调整" in html
    entries = page.context["entries"]
    assert len(entries) == 2  # newest first: the edit, then the creation
    changed = {str(label): (old, new) for label, old, new in entries[0]["changes"]}
    assert set(changed) == {"poverty line (yuan per capita)", "dibao line (yuan per capita)"}
    assert changed["poverty line (yuan per capita)"] == (Decimal(4000), Decimal(4300))
    assert "fixture" in html  # the creation's reason
    assert "(command line or system)" in html  # the fixture saved without a user


# --- YAML upload -----------------------------------------------------------------------------


def upload(client, content: bytes, name="standards.yaml"):
    return client.post(reverse("policy:profile_upload"), {"file": SimpleUploadedFile(name, content)})


def test_upload_creates_then_updates(as_user, users):
    client = as_user(users["county_admin"])
    assert client.get(reverse("policy:profile_upload")).status_code == 200
    response = upload(client, b"year: 2022\npoverty_line: 4500\nborderline_upper: 6500\n")
    assert response.status_code == 302
    profile = PolicyProfile.objects.get(year=2022)
    assert (profile.poverty_line, profile.borderline_upper, profile.visit_interval_days) == (4500, 6500, 92)
    response = upload(client, b"year: 2022\nvisit_interval_days: 60\n", name="update.yml")
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.poverty_line, profile.visit_interval_days) == (4500, 60)
    latest = profile.history.latest()
    assert latest.history_user == users["county_admin"]
    assert "update.yml" in latest.history_change_reason


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"year: 2020\npoverty_lin: 4100\n", "Unknown keys: poverty_lin"),
        (b"year: 2020\npoverty_line: lots\n", "poverty_line is not a number"),
        (b"year: 2020\npoverty_line: -1\n", "poverty_line cannot be negative"),
        (b"year: 2020\nvisit_interval_days: 92.5\n", "visit_interval_days must be a whole number"),
        (b"year: 2020\npoverty_line: 7000\n", "borderline upper bound cannot be below the poverty line"),
        (b"poverty_line: 4100\n", "The year is missing"),
        (b"year: [2020\n", "This is not valid YAML"),
        ("year: 2020\npoverty_line: 四千\n".encode("gbk"), "The file is not UTF-8 text"),
    ],
)
def test_upload_errors_are_shown_and_change_nothing(as_user, users, profile, content, message):
    client = as_user(users["county_admin"])
    before = profile.history.count()
    response = upload(client, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    profile.refresh_from_db()
    assert (profile.poverty_line, profile.borderline_upper, profile.visit_interval_days) == (4000, 6000, 92)
    assert profile.history.count() == before
