"""The kept columnar copy of the registry (lookback/snapshot_cache.py, registry/generation.py).

What must hold: a copy is used only while the registry is exactly what it was read from — any way of
writing (ORM save, queryset update, raw SQL, delete, an import) makes it stale; a copy is never kept
from a read that a write could have overtaken; inside a transaction the database is read. These run
with committed data (transactional tests) on SQLite (the in-memory path) and on PostgreSQL (ADBC),
and once against a database file read by child processes (the path a county's server takes)."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction

from huitoukan.lookback import snapshot_cache
from huitoukan.lookback.engine.schema import SNAPSHOT_SCHEMAS
from huitoukan.lookback.snapshot import take_snapshot
from huitoukan.registry import generation
from huitoukan.registry.importing.service import import_registry
from huitoukan.registry.models import Helper, Household, Person, Region, RegistryGeneration
from tests.registry.files import PEOPLE, write_csv

from .runs_support import county_fixture  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.SNAPSHOT_CACHE = True


def copies() -> list[str]:
    folder = snapshot_cache.root()
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []


def assert_same(a, b):
    for name in SNAPSHOT_SCHEMAS:
        assert a.tables[name].equals(b.tables[name]), name
    assert a.fingerprint == b.fingerprint


def test_the_second_snapshot_maps_the_copy_the_first_kept(county):
    first = take_snapshot()
    assert first.source == "database"
    assert copies() == [snapshot_cache.key_of(generation.current())]
    second = take_snapshot()
    assert second.source == "copy"
    assert_same(first, second)
    assert second.people == Person.objects.count() > 0


def _save_person(county):
    person = Person.objects.order_by("pk").first()
    person.name = "改名甲"
    person.save()
    return lambda snap: "改名甲" in snap.tables["person"]["name"].to_pylist()


def _queryset_update(county):
    Household.objects.filter(town=county.towns[0]).update(water_safe=False)
    return lambda snap: False in snap.tables["household"]["water_safe"].to_pylist()


def _raw_sql(county):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Person._meta.db_table} SET deceased = %s", [True])
    return lambda snap: set(snap.tables["person"]["deceased"].to_pylist()) == {True}


def _delete(county):
    person = Person.objects.filter(relation="son").order_by("pk").first() or Person.objects.order_by("-pk").first()
    key = person.pk
    person.delete()
    return lambda snap: key not in snap.tables["person"]["person_id"].to_pylist()


def _new_helper(county):
    household = Household.objects.order_by("pk").first()
    helper = Helper.objects.create(name="帮扶乙", phone="13900000000")
    Household.objects.filter(pk=household.pk).update(helper=helper)
    return lambda snap: "帮扶乙" in snap.tables["household"]["helper_name"].to_pylist()


def _rename_region(county):
    Region.objects.filter(pk=county.towns[0].pk).update(name="新名镇")
    return lambda snap: "新名镇" in snap.tables["region"]["name"].to_pylist()


@pytest.mark.parametrize("write", [_save_person, _queryset_update, _raw_sql, _delete, _new_helper, _rename_region],
                         ids=["orm-save", "queryset-update", "raw-sql", "delete", "helper", "region"])
def test_any_write_makes_the_copy_stale(county, write):
    kept = take_snapshot()
    assert take_snapshot().source == "copy"
    before = generation.current()
    shows_the_write = write(county)
    after = generation.current()
    assert after.generation > before.generation and not after.clean
    assert snapshot_cache.load(after) is None
    fresh = take_snapshot()
    assert fresh.source == "database" and shows_the_write(fresh)
    assert fresh.fingerprint != kept.fingerprint
    again = take_snapshot()
    assert again.source == "copy" and again.fingerprint == fresh.fingerprint
    assert copies() == [snapshot_cache.key_of(generation.current())]  # the stale copy was removed


def test_a_write_after_marking_leaves_the_row_unclean_so_nothing_is_kept(county):
    assert generation.mark_clean()
    marked = generation.current()
    assert marked.clean
    Household.objects.filter(pk=Household.objects.order_by("pk").first().pk).update(house_rating="C")
    now = generation.current()
    # The read that was to follow would see this row with the data: not clean, so no copy is kept.
    assert not now.clean and now.generation == marked.generation + 1
    assert not snapshot_cache.store(take_snapshot_from_database(), now)
    assert copies() == []


def take_snapshot_from_database():
    with transaction.atomic():  # inside a transaction the database is read and nothing is kept
        return take_snapshot()


def test_inside_a_transaction_the_uncommitted_registry_is_read_not_the_copy(county):
    take_snapshot()
    with transaction.atomic():
        Person.objects.filter(pk=Person.objects.order_by("pk").first().pk).update(name="未提交丙")
        inside = take_snapshot()
        assert inside.source == "database" and "未提交丙" in inside.tables["person"]["name"].to_pylist()
        transaction.set_rollback(True)
    after = take_snapshot()
    assert "未提交丙" not in after.tables["person"]["name"].to_pylist()


def test_a_regions_snapshot_is_read_and_not_kept(county):
    snap = take_snapshot(county.towns[0])
    assert snap.source == "database" and copies() == []


def test_a_flushed_row_is_made_again_with_a_new_token(county):
    take_snapshot()
    old = generation.current()
    RegistryGeneration.objects.all().delete()  # what a test database flush does
    assert generation.current() is None
    snap = take_snapshot()
    new = generation.current()
    assert snap.source == "database" and new.token != old.token and new.clean
    assert copies() == [snapshot_cache.key_of(new)]
    assert take_snapshot().source == "copy"


def test_switched_off_nothing_is_kept(county, settings):
    settings.SNAPSHOT_CACHE = False
    assert take_snapshot().source == "database" and take_snapshot().source == "database"
    assert copies() == []


def test_a_copy_of_other_columns_is_never_mapped(county, monkeypatch):
    take_snapshot()
    monkeypatch.setattr(snapshot_cache, "schema_digest", lambda: "othercolumns")
    assert take_snapshot().source == "database"


def test_an_import_keeps_a_copy_of_what_it_wrote(tmp_path):
    import_registry(write_csv(tmp_path / "r.csv", PEOPLE))
    state = generation.current()
    assert state.clean and copies() == [snapshot_cache.key_of(state)]
    snap = take_snapshot()
    assert snap.source == "copy"
    assert sorted(snap.tables["person"]["person_no"].to_pylist()) == sorted(p["人编号"] for p in PEOPLE)


def test_a_failed_import_keeps_the_copy_valid(tmp_path):
    import_registry(write_csv(tmp_path / "r.csv", PEOPLE))
    state = generation.current()
    broken = [{**PEOPLE[0], "姓名": ""}, *PEOPLE[1:]]
    report = import_registry(write_csv(tmp_path / "broken.csv", broken))
    assert report.errors and not report.written
    assert generation.current() == state  # rolled back: the triggers' count too
    assert take_snapshot().source == "copy"


# --- a database file, read by child processes ---------------------------------------------------

CHILD = """
import json, os, sys
sys.path.insert(0, {src!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "huitoukan.settings"
import django
django.setup()
from huitoukan.lookback.snapshot import take_snapshot
out = []
for _ in range(2):
    snap = take_snapshot()
    out.append([snap.source, snap.fingerprint, snap.people])
print(json.dumps(out))
"""


def _in_child(database: Path, data_dir: Path) -> list:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "HUITOUKAN_DATA_DIR": str(data_dir),
           "HUITOUKAN_TESTING": "1"}
    done = subprocess.run([sys.executable, "-c", CHILD.format(src=str(ROOT / "src"))], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="copies the SQLite test database to a file")
def test_a_database_file_keeps_and_maps_a_copy_and_sees_another_processs_write(county, tmp_path):
    database = tmp_path / "huitoukan.sqlite3"
    target = sqlite3.connect(database)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    data_dir = tmp_path / "file-data"
    (first, fingerprint, people), (second, same, _) = _in_child(database, data_dir)
    assert (first, second) == ("database", "copy") and same == fingerprint and people == Person.objects.count()
    # Another program writes to the file (the triggers are in the file's schema).
    writer = sqlite3.connect(database)
    writer.execute(f"UPDATE {Person._meta.db_table} SET name = '文件改名' WHERE id = "
                   f"(SELECT MIN(id) FROM {Person._meta.db_table})")
    writer.commit()
    writer.close()
    (third, changed, _), (fourth, kept, _) = _in_child(database, data_dir)
    assert (third, fourth) == ("database", "copy") and changed != fingerprint and kept == changed
    assert len([p for p in (data_dir / "snapshots").iterdir()]) == 1
