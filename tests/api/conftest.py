"""A tiny invented county for the API tests: one county, two towns, a village in each, a few
households. Names and codes are made up (region codes start with 99, which no province has)."""

import pytest

from huitoukan.accounts.models import User
from huitoukan.accounts.roles import Role
from huitoukan.registry.models import AssistingUnit, Helper, Household, Person, Region

COUNTY = "990101000000"
TOWN_A = "990101001000"
TOWN_B = "990101002000"
VILLAGE_A = "990101001001"
VILLAGE_B = "990101002001"
HAMLET_A = "990101001001001"

# Invented 18-character numbers with the invented region prefix; not anyone's.
ID_WANG = "990101198503151234"
ID_LI = "990101198706201228"
ID_ZHAO = "99010119600101003X"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Argon2 is slow on purpose; seven users a test would make it the whole run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def county(db):
    county = Region.objects.create(code=COUNTY, name="示例县", level="county")
    town_a = Region.objects.create(code=TOWN_A, name="东山镇", level="town", parent=county)
    town_b = Region.objects.create(code=TOWN_B, name="西河乡", level="town", parent=county)
    village_a = Region.objects.create(code=VILLAGE_A, name="青松村", level="village", parent=town_a,
                                      is_poor_village=True)
    village_b = Region.objects.create(code=VILLAGE_B, name="白杨村", level="village", parent=town_b)
    hamlet_a = Region.objects.create(code=HAMLET_A, name="一组", level="hamlet", parent=village_a)
    unit = AssistingUnit.objects.create(name="示例县农业农村局")
    helper = Helper.objects.create(name="陈帮扶", phone="13900000001", unit=unit)

    h1 = Household.objects.create(
        household_no="H-A-0001", county=county, town=town_a, village=village_a, hamlet=hamlet_a,
        head_name="王小明", household_size=2, household_type="ordinary", status="lifted",
        main_cause="illness", identified_year=2016, exit_year=2019, per_capita_income="5200.00", helper=helper,
    )
    Person.objects.create(source_key="p1", household=h1, person_no="P1", name="王小明", id_number=ID_WANG,
                          sex="male", relation="head", health="chronic", disability_grade="", labor="ordinary")
    Person.objects.create(source_key="p2", household=h1, person_no="P2", name="李小红", id_number=ID_LI,
                          sex="female", relation="spouse", health="disabled", disability_grade="3")
    h2 = Household.objects.create(
        household_no="H-A-0002", county=county, town=town_a, village=village_a,
        head_name="孙大山", household_size=1, household_type="dibao", status="not_lifted", main_cause="labor",
    )
    Person.objects.create(source_key="p3", household=h2, name="孙大山", id_number="990101195511110011",
                          sex="male", relation="head", health="healthy")
    h3 = Household.objects.create(
        household_no="H-B-0001", county=county, town=town_b, village=village_b,
        head_name="赵秘密", household_size=1, household_type="tekun", status="marginal", main_cause="",
    )
    Person.objects.create(source_key="p4", household=h3, person_no="P4", name="赵秘密", id_number=ID_ZHAO,
                          sex="male", relation="head", health="serious_illness")
    return {
        "county": county, "town_a": town_a, "town_b": town_b, "village_a": village_a,
        "village_b": village_b, "hamlet_a": hamlet_a, "h1": h1, "h2": h2, "h3": h3, "helper": helper,
    }


def make_user(username, role, regions=(), **extra):
    user = User.objects.create_user(username=username, password="correct-horse-battery-9", role=role, **extra)
    user.regions.set(regions)
    return user


@pytest.fixture
def users(county):
    return {
        "county_admin": make_user("admin_wang", Role.COUNTY_ADMIN, [county["county"]]),
        "town_cadre": make_user("cadre_dong", Role.TOWN_CADRE, [county["town_a"]]),
        "village_cadre": make_user("cadre_qing", Role.VILLAGE_CADRE, [county["village_a"]]),
        "inspector": make_user("inspector_zhou", Role.INSPECTOR, [county["county"]]),
        "leader": make_user("leader_liu", Role.LEADER, [county["county"]]),
        "data_provider": make_user("provider_ma", Role.DATA_PROVIDER, [county["county"]]),
        "no_regions": make_user("admin_nowhere", Role.COUNTY_ADMIN, []),
    }


@pytest.fixture
def api(client):
    """A logged-in JSON client: api(user).get(url)."""

    def login(user):
        client.force_login(user)
        return client

    return login
