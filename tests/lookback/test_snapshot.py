"""The registry snapshot: Arrow tables exactly in the engine's schemas, exact money, region scoping,
and a fingerprint that follows the content. The tests that commit their rows read through a second
connection (ADBC on PostgreSQL, sqlite3 on SQLite: the production path); the others read through
Django's connection, inside the test's transaction."""

from decimal import Decimal

import pytest
from django.db import transaction

from huitoukan.lookback import snapshot as snapshot_module
from huitoukan.lookback.engine.schema import SNAPSHOT_SCHEMAS
from huitoukan.lookback.snapshot import postgres_uri, take_snapshot
from huitoukan.registry.choices import RegionLevel
from huitoukan.registry.models import Household, Person, Region

from .runs_support import county_fixture  # noqa: F401

MONEY = {"wage": Decimal("0.10"), "business": Decimal("3999.99"), "business_expense": Decimal("1234567.89"),
         "property": None, "transfer": Decimal("9999999999.99"), "net_income": Decimal("-5.50"),
         "per_capita_income": Decimal(4000)}


def _set_money(household):
    Household.objects.filter(pk=household.pk).update(**MONEY)


def _row(table, key, value):
    rows = [r for r in table.to_pylist() if r[key] == value]
    assert len(rows) == 1, rows
    return rows[0]


def _check_tables(snap, county):
    for name, schema in SNAPSHOT_SCHEMAS.items():
        assert snap.tables[name].schema.equals(schema), name
    assert snap.households == Household.objects.count()
    assert snap.people == Person.objects.count()
    household = Household.objects.order_by("pk").first()
    row = _row(snap.tables["household"], "household_id", household.pk)
    for column, value in MONEY.items():
        assert row[column] == value, column
    assert row["household_no"] == household.household_no
    assert row["county_code"] == county.county.code
    assert row["village_code"] == household.village.code
    assert row["is_poor_village"] is True  # the first village
    assert row["hamlet_code"] is None
    assert row["helper_id"] is None and row["helper_name"] is None
    assert row["water_safe"] is True and row["food_clothing"] is None
    assert row["household_size"] == household.household_size
    person = household.members.order_by("pk").first()
    prow = _row(snap.tables["person"], "person_id", person.pk)
    assert prow["person_key"] == person.source_key and prow["household_no"] == household.household_no
    assert prow["id_number"] == person.id_number and prow["relation"] == "head"
    assert prow["medical_insured"] is False and prow["deceased"] is False
    region = _row(snap.tables["region"], "code", household.village.code)
    assert region["level"] == "village" and region["parent_code"] == household.town.code


def _prepare(county):
    household = Household.objects.order_by("pk").first()
    _set_money(household)
    Household.objects.filter(pk=household.pk).update(helper=None, food_clothing=None)
    Person.objects.filter(pk=household.members.order_by("pk").first().pk).update(medical_insured=False)


@pytest.mark.django_db(transaction=True)
def test_a_second_connection_reads_exact_types_and_values(county):
    _prepare(county)
    assert not snapshot_module._must_use_django(), "committed rows are read through a second connection"
    _check_tables(take_snapshot(), county)


@pytest.mark.django_db(transaction=True)
def test_second_connection_and_django_connection_read_the_same_tables(county):
    _prepare(county)
    through_second = take_snapshot()
    with transaction.atomic():
        assert snapshot_module._must_use_django()
        through_django = take_snapshot()
    for name in SNAPSHOT_SCHEMAS:
        assert through_second.tables[name].equals(through_django.tables[name]), name
    assert through_second.fingerprint == through_django.fingerprint


def test_inside_a_transaction_the_snapshot_sees_uncommitted_rows(county):
    _prepare(county)
    _check_tables(take_snapshot(), county)


def test_null_leading_columns_keep_their_types(county):
    """ADBC's SQLite driver guesses a column's type from its first rows; all-NULL and NULL-first
    columns must still come out in the schema's types."""
    Household.objects.update(wage=None, exit_year=None, house_renovated=None, household_size=None)
    last = Household.objects.order_by("-pk").first()
    Household.objects.filter(pk=last.pk).update(wage=Decimal("12.34"), exit_year=2019, house_renovated=True)
    snap = take_snapshot()
    assert snap.tables["household"].schema.equals(SNAPSHOT_SCHEMAS["household"])
    row = _row(snap.tables["household"], "household_id", last.pk)
    assert (row["wage"], row["exit_year"], row["house_renovated"]) == (Decimal("12.34"), 2019, True)


@pytest.mark.django_db(transaction=True)
def test_region_scopes_households_people_and_regions(county):
    town, village = county.towns[1], county.villages[0]
    hamlet = Region.objects.create(code=village.code + "001", name="一组", level=RegionLevel.HAMLET, parent=village)
    in_hamlet = Household.objects.filter(village=village).order_by("pk").first()
    Household.objects.filter(pk=in_hamlet.pk).update(hamlet=hamlet)

    snap = take_snapshot(town)
    expected = set(Household.objects.filter(town=town).values_list("pk", flat=True))
    assert set(snap.tables["household"]["household_id"].to_pylist()) == expected
    assert set(snap.tables["person"]["household_id"].to_pylist()) == expected
    assert snap.people == Person.objects.filter(household__town=town).count()
    assert set(snap.tables["region"]["code"].to_pylist()) == {town.code, *(v.code for v in county.villages_of(town))}

    snap = take_snapshot(hamlet)
    assert snap.tables["household"]["household_id"].to_pylist() == [in_hamlet.pk]
    assert snap.tables["household"]["hamlet_code"].to_pylist() == [hamlet.code]
    assert snap.tables["region"]["code"].to_pylist() == [hamlet.code]

    snap = take_snapshot(county.county)
    assert snap.households == Household.objects.count()
    assert snap.tables["region"].num_rows == Region.objects.count()


@pytest.mark.django_db(transaction=True)
def test_fingerprint_follows_the_content(county):
    first = take_snapshot()
    assert len(first.fingerprint) == 64
    assert take_snapshot().fingerprint == first.fingerprint, "the same registry, the same fingerprint"

    person = Person.objects.order_by("pk").last()
    Person.objects.filter(pk=person.pk).update(name=person.name + "甲")
    changed = take_snapshot().fingerprint
    assert changed != first.fingerprint
    Person.objects.filter(pk=person.pk).update(name=person.name)
    assert take_snapshot().fingerprint == first.fingerprint

    household = Household.objects.order_by("pk").first()
    Household.objects.filter(pk=household.pk).update(main_cause="")
    blank = take_snapshot().fingerprint
    assert blank != first.fingerprint
    Household.objects.filter(pk=household.pk).update(wage=household.wage + Decimal("0.01"),
                                                      main_cause=household.main_cause)
    assert take_snapshot().fingerprint not in (first.fingerprint, blank), "a cent is a change"


def test_an_empty_registry_is_an_empty_snapshot(db):
    snap = take_snapshot()
    assert (snap.households, snap.people) == (0, 0)
    for name, schema in SNAPSHOT_SCHEMAS.items():
        assert snap.tables[name].schema.equals(schema)


def test_postgres_uri_quotes_credentials_and_keeps_ssl_options():
    uri = postgres_uri({"NAME": "hk", "USER": "county office", "PASSWORD": "p@ss/word", "HOST": "db.local",
                        "PORT": 5433, "OPTIONS": {"sslmode": "require"}})
    assert uri == "postgresql://county%20office:p%40ss%2Fword@db.local:5433/hk?sslmode=require"
    assert postgres_uri({"NAME": "hk", "USER": "", "PASSWORD": "", "HOST": "/run/postgresql", "PORT": ""}) == \
        "postgresql:///hk?host=%2Frun%2Fpostgresql"
