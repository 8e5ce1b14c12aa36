"""一户一档: ages from ID numbers, the guarantees, income recomputation, the change history."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from stdnum.cn import ric

from huitoukan.accounts.roles import Role
from huitoukan.registry.choices import HouseRating, Relation, Schooling
from huitoukan.registry.household_file import age_on, birth_date_from_id, guarantees, income, members_of
from huitoukan.registry.models import Household, Person
from tests.factories import make_id_number


def test_birth_date_and_age_from_id_number():
    number = make_id_number(datetime.date(2012, 3, 15), 7, "male", prefix="430524")
    assert ric.is_valid(number)  # same check digit as python-stdnum
    assert birth_date_from_id(number) == datetime.date(2012, 3, 15)
    assert age_on(birth_date_from_id(number), datetime.date(2024, 3, 14)) == 11
    assert age_on(birth_date_from_id(number), datetime.date(2024, 3, 15)) == 12
    assert birth_date_from_id(number[:-1] + ("0" if number[-1] != "0" else "1")) is None  # check digit
    assert birth_date_from_id("430524201302301234") is None  # 30 February
    assert birth_date_from_id("4305241990") is None
    assert birth_date_from_id("") is None


@pytest.fixture
def household(county):
    return Household.objects.get(pk=county.households[0].pk)


def test_guarantees(household):
    today = datetime.date.today()
    child = Person.objects.filter(household=household).first()
    child.id_number = make_id_number(today.replace(year=today.year - 10) - datetime.timedelta(days=40), 999, "male")
    child.schooling = Schooling.DROPPED_OUT
    child.medical_insured = False
    child.save()
    household.house_rating, household.house_renovated = HouseRating.D, False
    household.food_clothing, household.water_safe = True, None
    household.save()
    members = members_of(household, today)
    result = {g.code: g for g in guarantees(household, members)}
    assert result["food_clothing"].ok is True
    assert result["water"].ok is None
    assert result["housing"].ok is False
    assert result["education"].ok is False
    assert child.pk in [m.person.pk for m in result["education"].members if m.out_of_school]
    assert result["medical"].ok is False and child.pk in [m.person.pk for m in result["medical"].members]
    household.house_renovated = True
    assert {g.code: g for g in guarantees(household, members)}["housing"].ok is True


def test_members_head_first(household):
    members = members_of(household, datetime.date.today())
    assert members[0].person.relation == Relation.HEAD


def test_income_recomputed_beside_recorded(household):
    household.wage, household.business, household.business_expense = Decimal(10000), Decimal(3000), Decimal(1000)
    household.property, household.transfer = Decimal(0), Decimal(2000)
    household.net_income, household.per_capita_income, household.household_size = Decimal(14000), Decimal(4000), 4
    result = income(household, 4)
    assert result["computed_net_income"] == Decimal("14000.00") and not result["net_differs"]
    assert result["computed_per_capita_income"] == Decimal("3500.00") and result["per_capita_differs"]


def test_history_shows_who_what_from_to(county, users, client_for):
    admin = users[Role.COUNTY_ADMIN]
    household = Household.objects.get(pk=county.households[0].pk)
    household.status = "lifted" if household.status != "lifted" else "not_lifted"
    household._history_user = admin
    household.save()
    household.phone = "13800000000"
    household.save()
    response = client_for(admin).get(reverse("registry:household_detail", args=[household.pk]))
    history = response.context["history"]
    changed = [e for e in history if e.kind == "changed"]
    assert len(changed) == 1  # the first save has no predecessor: "first recorded here"
    labels = [str(label) for label, _old, _new in changed[0].changes]
    assert labels == ["联系电话"]
    assert changed[0].changes[0][2] == "13800000000"
    html = response.content.decode()
    assert "变更记录" in html


def test_history_names_foreign_keys(county, users):
    from huitoukan.registry.household_file import history
    from huitoukan.registry.models import Helper

    household = Household.objects.get(pk=county.households[0].pk)
    household.save()
    old_helper = household.helper
    household.helper = Helper.objects.exclude(pk=old_helper.pk).first()
    household.save()
    entry = history(household, users[Role.COUNTY_ADMIN])[0]
    assert entry.changes[0][1:] == (old_helper.name, household.helper.name)


def test_print_stylesheet_is_a4():
    from django.contrib.staticfiles import finders

    with open(finders.find("css/app.css"), encoding="utf-8") as f:
        css = f.read()
    assert "@page { size: A4; margin: 15mm; }" in css
    assert "@media print" in css
