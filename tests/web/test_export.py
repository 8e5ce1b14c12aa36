"""The CSV export: only for EXPORT_PERSONAL, scoped and filtered like the page, masked per role,
and logged before it is sent."""

import csv
import io

import pytest
from django.urls import reverse

from huitoukan.accounts.masking import mask_id_number
from huitoukan.accounts.models import ExportLog
from huitoukan.accounts.roles import Role
from huitoukan.registry.choices import Relation
from huitoukan.registry.models import Household

EXPORT = reverse("registry:household_export")


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.mark.parametrize("role", [Role.VILLAGE_CADRE, Role.HELPER, Role.INSPECTOR, Role.LEADER, Role.DATA_PROVIDER])
def test_export_refused_without_capability(role, county, users, client_for):
    assert client_for(users[role]).get(EXPORT).status_code == 403
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize("role, masked", [(Role.COUNTY_ADMIN, False), (Role.TOWN_CADRE, True)])
def test_export_is_scoped_masked_and_logged(role, masked, county, other_county, users, client_for):
    user = users[role]
    response = client_for(user).get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    header, data = rows[0], rows[1:]
    assert header[0] == "户编号"
    exported = {row[0] for row in data}
    if role == Role.TOWN_CADRE:
        expected = {h.household_no for h in county.households_of(county.towns[0])}
    else:
        expected = {h.household_no for h in county.households}
    assert exported == expected
    assert not exported & {h.household_no for h in other_county.households}

    heads = {p.household.household_no: p.id_number for p in county.people if p.relation == Relation.HEAD}
    id_column = header.index("户主证件号码")
    for row in data:
        assert row[id_column] == (mask_id_number(heads[row[0]]) if masked else heads[row[0]])

    log = ExportLog.objects.get()
    assert log.user == user and log.username == user.username and log.role == role
    assert log.what == "registry.households"
    assert log.row_count == len(data)
    assert log.id_numbers_masked is masked
    assert log.ip_address == "127.0.0.1"


def test_export_follows_the_filters_and_logs_them(county, users, client_for):
    town = county.towns[1]
    status = Household.objects.filter(town=town).values_list("status", flat=True).first()
    response = client_for(users[Role.COUNTY_ADMIN]).get(EXPORT, {"town": town.pk, "status": status, "page": 3})
    data = read_csv(response)[1:]
    expected = Household.objects.filter(town=town, status=status)
    assert {row[0] for row in data} == set(expected.values_list("household_no", flat=True))
    log = ExportLog.objects.get()
    assert log.filters == {"town": town.pk, "status": status}
    assert log.row_count == expected.count()


def test_export_neutralises_formulas(county, users, client_for):
    Household.objects.filter(pk=county.households[0].pk).update(head_name="=HYPERLINK(1)")
    data = read_csv(client_for(users[Role.COUNTY_ADMIN]).get(EXPORT))[1:]
    row = next(r for r in data if r[0] == county.households[0].household_no)
    assert row[4] == "'=HYPERLINK(1)"


def test_export_link_shown_only_to_exporters(county, users, client_for):
    list_url = reverse("registry:household_list")
    assert EXPORT in client_for(users[Role.TOWN_CADRE]).get(list_url).content.decode()
    assert EXPORT not in client_for(users[Role.LEADER]).get(list_url).content.decode()
