"""The snapshot of an SQLite database file: ADBC in child processes (snapshot_sqlite.py).

The test suite's own SQLite database lives in memory, which no child process can open, so these
tests read real files: a copy of the test database (made with SQLite's backup API) and small files
of their own. The fingerprint tests need no database."""

import sqlite3
import threading
from decimal import Decimal

import pyarrow as pa
import pytest
from django.db import connection, transaction

from huitoukan.lookback import snapshot as snapshot_module
from huitoukan.lookback import snapshot_sqlite
from huitoukan.lookback.engine.schema import SNAPSHOT_SCHEMAS
from huitoukan.lookback.snapshot import fingerprint, snapshot_of, take_snapshot
from huitoukan.registry.models import Household

from .runs_support import county_fixture  # noqa: F401
from .test_snapshot import _check_tables, _prepare

sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="copies the SQLite test database to a file")


def _file_copy(path):
    """The test database, as committed, in a file in WAL mode (as the application keeps it)."""
    target = sqlite3.connect(path)
    try:
        connection.ensure_connection()
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
    return str(path)


@sqlite_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("parallel", [True, False], ids=["two-children", "one-child"])
def test_a_file_database_reads_as_the_django_connection_reads_it(county, tmp_path, parallel):
    _prepare(county)
    path = _file_copy(tmp_path / "registry.sqlite3")
    groups = snapshot_module._sqlite_groups(snapshot_module._queries(None))
    assert [sorted(g) for g in groups] == [["person"], ["household", "person 2", "region"]]
    from_file = snapshot_of(snapshot_module._join_parts(snapshot_sqlite.read(path, groups, parallel=parallel)))
    _check_tables(from_file, county)
    with transaction.atomic():
        assert snapshot_module._must_use_django()
        through_django = take_snapshot()
    for name in SNAPSHOT_SCHEMAS:
        assert from_file.tables[name].equals(through_django.tables[name]), name
    assert from_file.fingerprint == through_django.fingerprint


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_region_reads_the_same_from_a_file(county, tmp_path):
    town = county.towns[1]
    path = _file_copy(tmp_path / "registry.sqlite3")
    groups = snapshot_module._sqlite_groups(snapshot_module._queries(town))
    from_file = snapshot_of(snapshot_module._join_parts(snapshot_sqlite.read(path, groups)))
    through_memory = take_snapshot(town)
    assert set(from_file.tables["household"]["household_id"].to_pylist()) == \
        set(Household.objects.filter(town=town).values_list("pk", flat=True))
    assert from_file.fingerprint == through_memory.fingerprint


def test_types_come_from_every_row_not_the_first_rows(tmp_path):
    """ADBC's driver types a column by its first batch of rows (1,024 by default): 2,000 leading
    NULLs and then a string, or an integer then a REAL, must still read."""
    path = str(tmp_path / "types.sqlite3")
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT, amount DECIMAL(14, 2))")
    con.executemany("INSERT INTO t (label, amount) VALUES (?, ?)", [(None, None)] * 2000)
    con.execute("INSERT INTO t (label, amount) VALUES ('甲', 12), ('乙', 3.25)")
    con.commit()
    con.close()
    table = snapshot_sqlite.read(path, [{"t": "SELECT label, CAST(amount AS REAL) AS amount FROM t"}])["t"]
    assert table.num_rows == 2002
    assert table["label"].to_pylist()[-2:] == ["甲", "乙"]
    assert table["amount"].to_pylist()[-2:] == [12.0, 3.25]


def test_a_failing_query_reports_sqlites_message(tmp_path):
    path = str(tmp_path / "empty.sqlite3")
    sqlite3.connect(path).close()
    with pytest.raises(snapshot_sqlite.SnapshotReadError, match="no such table"):
        snapshot_sqlite.read(path, [{"household": "SELECT 1 AS x"}, {"person": "SELECT id FROM missing"}])


@pytest.mark.parametrize("parallel", [True, False], ids=["two-children", "one-child"])
def test_tables_show_one_moment_while_a_writer_commits(tmp_path, parallel):
    """A writer adds a household and its person in one transaction, hundreds of times a second.
    Read by two children or by one, the two tables must show one moment: the same ids in both."""
    path = str(tmp_path / "busy.sqlite3")
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE household (id INTEGER PRIMARY KEY)")
    con.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, household_id INTEGER)")
    con.close()
    queries = [{"household": "SELECT id FROM household"}, {"person": "SELECT household_id FROM person"}]
    stop = threading.Event()

    def write():
        writer = sqlite3.connect(path, isolation_level=None, timeout=30)
        i = 0
        while not stop.is_set():
            i += 1
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("INSERT INTO household (id) VALUES (?)", (i,))
            writer.execute("INSERT INTO person (household_id) VALUES (?)", (i,))
            writer.execute("COMMIT")
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        for _ in range(3):
            tables = snapshot_sqlite.read(path, queries, parallel=parallel)
            households = tables["household"]["id"].to_pylist()
            assert households, "the writer has committed before the read"
            assert sorted(tables["person"]["household_id"].to_pylist()) == sorted(households)
    finally:
        stop.set()
        thread.join()


# --- the fingerprint ---------------------------------------------------------------------------

SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string()), ("flag", pa.bool_()),
                    ("money", pa.decimal128(14, 2)), ("born", pa.date32())])
ROWS = {"id": [1, 2, 3, 4], "name": ["甲", None, "", "丁"], "flag": [True, None, False, True],
        "money": [Decimal("1.10"), None, Decimal("-5.00"), Decimal("9999999999.99")],
        "born": [1, None, 18000, 0]}


def _fresh():
    return pa.table(ROWS, schema=SCHEMA)


def test_the_fingerprint_depends_on_values_not_on_how_the_arrays_were_built():
    fresh = _fresh()
    # The same rows as two chunks, the second a slice at an offset of a longer table.
    longer = pa.table({k: ["x" if k == "name" else None] + v[2:] for k, v in ROWS.items()}, schema=SCHEMA)
    chunked = pa.concat_tables([fresh.slice(0, 2), longer.slice(1)])
    assert chunked.column("name").num_chunks == 2 and chunked.equals(fresh)
    # Bytes under a NULL: a value masked as NULL by a validity bitmap, not zeroed underneath.
    masked = pa.Array.from_buffers(pa.int64(), 4, [pa.py_buffer(bytes([0b1101])),
                                                   pa.array([1, 77, 3, 4], pa.int64()).buffers()[1]])
    assert masked.to_pylist() == [1, None, 3, 4]
    with_null_id = fresh.set_column(0, "id", pa.array([1, None, 3, 4], pa.int64()))
    assert fingerprint({"t": fresh.set_column(0, "id", masked)}) == fingerprint({"t": with_null_id})
    assert fingerprint({"t": chunked}) == fingerprint({"t": fresh})


@pytest.mark.parametrize("column, value", [("name", ""), ("name", "乙"), ("flag", False), ("money", Decimal(0)),
                                           ("born", 0), ("name", None)])
def test_any_changed_value_changes_the_fingerprint(column, value):
    rows = {k: list(v) for k, v in ROWS.items()}
    if value is None:
        rows[column][2] = None  # '' becomes NULL
    else:
        rows[column][1] = value  # NULL becomes a value (row 1 is NULL in every column but id)
    assert fingerprint({"t": pa.table(rows, schema=SCHEMA)}) != fingerprint({"t": _fresh()})


def test_the_fingerprint_follows_table_names_and_row_order():
    fresh = _fresh()
    assert fingerprint({"t": fresh}) != fingerprint({"u": fresh})
    assert fingerprint({"t": fresh}) != fingerprint({"t": fresh.take([1, 0, 2, 3])})
