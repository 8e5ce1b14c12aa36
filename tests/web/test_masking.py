"""ID numbers and health data appear in clear only for the roles that need them, on every page
that shows them: the household file, its change history, the export."""

import pytest
from django.urls import reverse

from huitoukan.accounts.masking import mask_id_number
from huitoukan.accounts.roles import Role
from huitoukan.registry.choices import Health
from huitoukan.registry.models import Person

FULL_ID = {Role.COUNTY_ADMIN, Role.INSPECTOR}
HEALTH = {Role.COUNTY_ADMIN, Role.TOWN_CADRE, Role.VILLAGE_CADRE, Role.HELPER, Role.INSPECTOR}
READERS = [r for r in Role.values if r != Role.DATA_PROVIDER]


def first_village_household(county):
    village = county.villages_of(county.towns[0])[0]
    return next(h for h in county.households if h.village_id == village.pk)


@pytest.fixture
def sick_member(county):
    household = first_village_household(county)
    person = Person.objects.filter(household=household).order_by("pk").first()
    person.health = Health.SERIOUS_ILLNESS
    person.disability_grade = "二级"
    person.save()
    return person


@pytest.mark.parametrize("role", READERS)
def test_household_file_masks_per_role(role, county, users, client_for, sick_member):
    response = client_for(users[role]).get(reverse("registry:household_detail", args=[sick_member.household_id]))
    assert response.status_code == 200
    html = response.content.decode()
    if role in FULL_ID:
        assert sick_member.id_number in html
    else:
        assert sick_member.id_number not in html
        assert mask_id_number(sick_member.id_number) in html
    if role in HEALTH:
        assert "患有大病" in html and "二级" in html
    else:
        assert "患有大病" not in html and "二级" not in html
        assert "***" in html


@pytest.mark.parametrize("role", READERS)
def test_history_masks_per_role(role, county, users, client_for, sick_member):
    old_id = sick_member.id_number
    sick_member.id_number = old_id[:-4] + "9999"
    sick_member.health = Health.DISABLED
    sick_member.save()
    response = client_for(users[role]).get(reverse("registry:household_detail", args=[sick_member.household_id]))
    history = response.content.decode().split('id="history"')[1]
    assert "证件号码" in history
    if role in FULL_ID:
        assert old_id in history and sick_member.id_number in history
    else:
        assert old_id not in history and sick_member.id_number not in history
        assert mask_id_number(old_id) in history
    if role in HEALTH:
        assert "<ins>残疾</ins>" in history and "<del>患有大病</del>" in history
    else:
        assert "<ins>残疾</ins>" not in history and "患有大病" not in history and "二级" not in history
        assert "<ins>***</ins>" in history


def test_no_full_id_number_in_list_pages(county, users, client_for):
    html = client_for(users[Role.LEADER]).get(reverse("registry:household_list")).content.decode()
    for person in county.people:
        assert person.id_number not in html
