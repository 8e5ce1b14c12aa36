"""The intake pages: record a problem by hand, upload → preview (nothing written) → confirm."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from huitoukan.accounts.roles import Role
from huitoukan.rectification.models import Problem, ProblemEvent, ProblemSource
from tests.rectification.test_intake_file import write_xlsx
from tests.scope_fixtures import *

ROUND = "2026年第一轮"
NEW = reverse("rectification:problem_new")
IMPORT = reverse("rectification:problem_import")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def nothing_written():
    return not Problem.objects.exists() and not ProblemSource.objects.exists() and not ProblemEvent.objects.exists()


def test_only_roles_that_record_reach_the_pages(users, client_for):
    for role in (Role.COUNTY_ADMIN, Role.INSPECTOR, Role.TOWN_CADRE):
        client = client_for(users[role])
        assert client.get(NEW).status_code == 200
        assert client.get(IMPORT).status_code == 200
    for role in (Role.VILLAGE_CADRE, Role.HELPER, Role.LEADER, Role.DATA_PROVIDER):
        client = client_for(users[role])
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, {"code": "NO_HELPER"}).status_code == 403
        assert client.get(IMPORT).status_code == 403


def test_a_problem_recorded_by_hand_leads_to_its_page(county, users, client_for):
    household = county.households_of(county.towns[0])[0]
    response = client_for(users[Role.INSPECTOR]).post(NEW, {
        "code": "NO_HELPER", "household_no": household.household_no, "source": "supervision", "round": ROUND,
        "description": "督查发现未落实帮扶人", "severity": "", "found_on": "2026-03-01"})
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("rectification:problem_detail",
                                                                          args=[problem.pk])
    assert (problem.target_key, problem.description) == (household.household_no, "督查发现未落实帮扶人")
    assert problem.sources.get().found_on == dt.date(2026, 3, 1)


def test_town_cadre_form_offers_only_self_check_and_refuses_the_rest(county, users, client_for):
    client = client_for(users[Role.TOWN_CADRE])
    page = client.get(NEW).content.decode()
    assert 'value="self_check"' in page and 'value="census"' not in page
    own = county.households_of(county.towns[0])[0]
    other = county.households_of(county.towns[1])[0]
    base = {"code": "NO_HELPER", "round": ROUND, "description": "x"}
    response = client.post(NEW, base | {"household_no": own.household_no, "source": "census"})
    assert response.status_code == 200 and nothing_written()
    response = client.post(NEW, base | {"household_no": other.household_no, "source": "self_check"})
    assert response.status_code == 200 and "has-error" in response.content.decode() and nothing_written()
    response = client.post(NEW, base | {"household_no": own.household_no, "source": "self_check"})
    assert response.status_code == 302 and Problem.objects.get().town_id == county.towns[0].pk


def upload(client, path, source="census", round=ROUND):
    with open(path, "rb") as handle:
        return client.post(IMPORT, {"file": SimpleUploadedFile(path.name, handle.read()), "source": source,
                                    "round": round})


def test_upload_previews_without_writing_and_confirm_writes(county, users, client_for, tmp_path):
    household = county.households_of(county.towns[0])[0]
    path = write_xlsx(tmp_path / "清单.xlsx", [["NO_HELPER", household.household_no, "", "", "未落实", "", ""]])
    client = client_for(users[Role.COUNTY_ADMIN])

    response = upload(client, path)
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200 and nothing_written()
    assert preview.context["report"].counts["new"] == 1
    token = preview.context["token"]

    # another user cannot see or confirm it
    other = client_for(users[Role.INSPECTOR])
    assert other.get(response["Location"]).status_code == 404
    assert other.post(reverse("rectification:problem_import_confirm", args=[token])).status_code == 404
    assert nothing_written()

    # the confirm trusts nothing the browser sends but the token: source and round are the upload's
    done = client.post(reverse("rectification:problem_import_confirm", args=[token]),
                       {"source": "audit", "round": "别的"})
    assert done.status_code == 302 and "source=census" in done["Location"]
    source = ProblemSource.objects.get()
    assert (source.source, source.round, source.problem.target_key) == ("census", ROUND, household.household_no)
    assert client.get(response["Location"]).status_code == 404  # the upload is gone


def test_a_list_with_errors_shows_them_and_cannot_be_confirmed(county, users, client_for, tmp_path):
    household = county.households_of(county.towns[0])[0]
    path = write_xlsx(tmp_path / "清单.xlsx", [["NO_HELPER", household.household_no, "", "", "未落实", "", ""],
                                              ["NOPE", household.household_no, "", "", "?", "", ""]])
    client = client_for(users[Role.COUNTY_ADMIN])
    location = upload(client, path)["Location"]
    preview = client.get(location)
    assert [(row, column) for row, column, _value, _reason in preview.context["errors"]] == [(4, "问题代码")]
    assert "Confirm" not in preview.content.decode() and "确认" not in preview.content.decode()
    token = preview.context["token"]
    response = client.post(reverse("rectification:problem_import_confirm", args=[token]))
    assert response.status_code == 200 and nothing_written()


def test_town_cadre_may_upload_only_a_self_check(county, users, client_for, tmp_path):
    household = county.households_of(county.towns[0])[0]
    path = write_xlsx(tmp_path / "清单.xlsx", [["NO_HELPER", household.household_no, "", "", "未落实", "", ""]])
    client = client_for(users[Role.TOWN_CADRE])
    assert upload(client, path, source="census").status_code == 200  # not a choice: the form says so
    assert not list((tmp_path / "media").glob("problem_lists/*.xlsx"))
    location = upload(client, path, source="self_check")["Location"]
    token = client.get(location).context["token"]
    client.post(reverse("rectification:problem_import_confirm", args=[token]))
    assert ProblemSource.objects.get().source == "self_check"


def test_masked_roles_see_id_numbers_masked_in_errors(county, users, client_for, tmp_path):
    person = county.households_of(county.towns[1])[0].members.first()  # outside the town cadre's town
    path = write_xlsx(tmp_path / "清单.xlsx", [["GUARANTEE_MEDICAL", "", person.id_number, "", "未参保", "", ""]])
    client = client_for(users[Role.TOWN_CADRE])
    page = client.get(upload(client, path, source="self_check")["Location"]).content.decode()
    assert person.id_number not in page
