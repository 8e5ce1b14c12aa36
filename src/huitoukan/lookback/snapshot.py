"""The registry as Arrow tables in the schemas rules read (engine/schema.py), read set-based.

How the rows are read depends on the database:

- PostgreSQL: ADBC (adbc_driver_postgresql), columnar from the server, no Python object per row,
  in one REPEATABLE READ transaction so that the three tables show one moment of the registry.
- SQLite, a database file: ADBC's SQLite driver, in child processes (snapshot_sqlite.py), which
  hand the tables back as Arrow IPC. Not in this process: the driver carries its own copy of SQLite,
  and two copies of SQLite in one process that open the same file break each other's POSIX locks
  (closing either's file releases the other's; see "How To Corrupt An SQLite Database File",
  §2.2.1) — reads then return stale pages or "disk I/O error", and writers of other processes may
  corrupt the file. Two children read in parallel, each in one read transaction; snapshot_sqlite.py
  says how they are kept to one moment of the registry.
- SQLite in memory (the test suite's shared-cache database, which no other process can open): a
  second connection of Python's own sqlite3 module, in one read transaction.
- Inside a transaction (a test, or a caller that has just written to the registry): the caller's
  own connection, so that the snapshot shows what the caller's transaction sees.

Money is cast in SQL to what converts exactly to decimal128(14,2): text on PostgreSQL, REAL on
SQLite (which keeps DECIMAL(14,2) values as REAL or INTEGER anyway; a double rounds back to the
same cent for every value of 14 digits). Every column is then cast to the schema's type, so the
types never depend on what the first rows happen to hold, nor on which way the rows were read.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

from huitoukan.registry import generation
from huitoukan.registry.models import Helper, Household, Person, Region

from . import snapshot_cache, snapshot_sqlite
from .engine.schema import HOUSEHOLD, MONEY, SNAPSHOT_SCHEMAS

SORT_KEY = {"region": "code", "household": "household_id", "person": "person_id"}
MONEY_COLUMNS = [f.name for f in HOUSEHOLD if f.type == MONEY]
#: The household column that places a household in a region of each level.
LEVEL_COLUMN = {"county": "county_id", "town": "town_id", "village": "village_id", "hamlet": "hamlet_id"}


@dataclass
class Snapshot:
    tables: dict[str, pa.Table]  # region, household, person
    fingerprint: str  # sha256 of the tables' content
    source: str = "database"  # or "copy": the kept columnar copy (snapshot_cache.py)

    @property
    def households(self) -> int:
        return self.tables["household"].num_rows

    @property
    def people(self) -> int:
        return self.tables["person"].num_rows


def take_snapshot(region: Region | None = None) -> Snapshot:
    """The registry, or the part of it in `region` (households of that county, town, village or
    hamlet, their members, and the region with the regions under it).

    The whole registry comes from the kept columnar copy while the registry is unchanged
    (snapshot_cache.py); read from the database, it is kept for the next time."""
    keep = region is None and not _must_use_django() and snapshot_cache.enabled()
    if keep:
        copy = snapshot_cache.load(generation.current())
        if copy is not None:
            return copy
        # Committed before the read begins: a write from now on shows in the row read with the data.
        keep = generation.mark_clean()
    queries = _queries(region)
    if keep:
        queries["state"] = generation.STATE_SQL
    if _must_use_django():
        raw = _read_through_django(queries)
    elif connection.vendor == "postgresql":
        raw = _read_with_adbc(queries)
    elif _in_memory(str(connection.settings_dict["NAME"])):
        raw = _read_with_sqlite3(queries)
    else:
        raw = _read_sqlite_file(str(connection.settings_dict["NAME"]), queries)
    state = _state_of(raw.pop("state", None))
    snapshot = snapshot_of(raw)
    if state is not None and state.clean:
        snapshot_cache.store(snapshot, state)
    return snapshot


def _state_of(table) -> generation.State | None:
    """The generation row as read with the data (a table, or its one part)."""
    if isinstance(table, list):
        table = table[0]
    if table is None or table.num_rows != 1:
        return None
    return generation.State.of_row(table.to_pylist()[0].values())


def snapshot_of(raw: dict[str, pa.Table | list[pa.Table]]) -> Snapshot:
    """The snapshot of tables as read, whichever way (a table, or its parts in key order):
    conformed to the schemas, sorted by key."""
    tables = {}
    for name, schema in SNAPSHOT_SCHEMAS.items():
        parts = raw[name] if isinstance(raw[name], list) else [raw[name]]
        # Each part on its own: a column typed from its values may differ between parts.
        table = pa.concat_tables([conform(part, schema) for part in parts])
        # Sorted here rather than in SQL: the same order whichever way the rows were read, and
        # SQLite need not sort a million joined rows itself (it returns them in key order anyway,
        # which _sorted_by notices).
        tables[name] = _sorted_by(table, SORT_KEY[name])
    return Snapshot(tables, fingerprint(tables))


#: The share of people (the highest ids) read by the child that reads households and regions, the
#: rest by the other: a household row (five joins, 27 columns) costs about twice a person row, and a
#: county has about 0.3 households a person, so this shares the reading about evenly.
PEOPLE_READ_WITH_HOUSEHOLDS = 0.2


def _read_sqlite_file(name: str, queries: dict[str, str]) -> dict[str, list[pa.Table]]:
    return _join_parts(snapshot_sqlite.read(name, _sqlite_groups(queries)))


def _sqlite_groups(queries: dict[str, str]) -> list[dict[str, str]]:
    """The queries for two children, people split by id."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {_table(Person)}")
        low, high = cursor.fetchone()
    if low is None:
        return [queries]
    split = int(high - (high - low) * PEOPLE_READ_WITH_HOUSEHOLDS)
    # The split only shares the work: the two ranges cover every id, whatever is written meanwhile.
    person = queries["person"]
    rest = {name: sql for name, sql in queries.items() if name != "person"}  # region, household[, state]
    return [
        {"person": f"SELECT * FROM ({person}) WHERE person_id <= {split}"},
        {**rest, "person 2": f"SELECT * FROM ({person}) WHERE person_id > {split}"},
    ]


def _join_parts(raw: dict[str, pa.Table]) -> dict[str, list[pa.Table]]:
    """{"person": t1, "person 2": t2, …} as {"person": [t1, t2], …}."""
    out: dict[str, list[pa.Table]] = {}
    for name in sorted(raw, key=lambda n: (n.split(" ")[0], n)):
        out.setdefault(name.split(" ")[0], []).append(raw[name])
    return out


def _sorted_by(table: pa.Table, key: str) -> pa.Table:
    column = table[key]
    if pa.types.is_integer(column.type) and column.null_count == 0 and len(column) > 1:
        values = column.combine_chunks().to_numpy()
        if bool(np.all(values[1:] > values[:-1])):
            return table
    return table.sort_by(key)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` cast column by column to `schema` (SQLite's integers to booleans, money as text or
    REAL to decimals, all-NULL columns to their real type)."""
    arrays = []
    for field in schema:
        column = table[field.name]
        if pa.types.is_decimal(field.type) and pa.types.is_integer(column.type):
            column = pc.cast(column, pa.float64())  # an int64 does not fit 14 digits; yuan amounts do
        if column.type != field.type:
            column = pc.cast(column, field.type)
        arrays.append(column)
    return pa.Table.from_arrays(arrays, schema=schema)


def fingerprint(tables: dict[str, pa.Table]) -> str:
    """sha256 over the tables' values, in a fixed table and column order, rows already sorted by key.

    Over each column's Arrow buffers in one canonical form, not over a text rendering of the rows
    (CSV cost seconds at a million people): which rows are NULL (NULL is not ''), then the values
    with NULLs zeroed — fixed-width values as their bytes, text as lengths and bytes. The form
    depends only on the values, not on how the arrays were built (chunks, slice offsets, whatever
    bytes lie under a NULL), so every reading path gives the same fingerprint for the same rows.
    Each column is hashed on its own (in threads: hashing releases the GIL) and the fingerprint is
    the sha256 of the tables' shapes and their columns' digests."""
    columns = [(name, field) for name in sorted(tables) for field in tables[name].schema]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        digests = pool.map(lambda item: _column_digest(tables[item[0]][item[1].name]), columns)
        digest = hashlib.sha256()
        shown = set()
        for (name, field), column_digest in zip(columns, digests, strict=True):
            if name not in shown:
                shown.add(name)
                digest.update(f"\n[{name}] {tables[name].num_rows}\n".encode())
            digest.update(f"{field.name} {field.type} ".encode() + column_digest)
    return digest.hexdigest()


def _column_digest(column: pa.ChunkedArray) -> bytes:
    digest = hashlib.sha256()
    for part in _canonical(column):
        digest.update(part)
    return digest.digest()


def _canonical(column: pa.ChunkedArray):
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    n = len(array)
    valid = pc.is_valid(array).to_numpy(zero_copy_only=False) if array.null_count else None
    yield b"nulls" if valid is not None else b"no nulls"
    if valid is not None:
        yield valid.tobytes()
    kind = array.type
    if pa.types.is_boolean(kind):
        values = pc.fill_null(array, False).to_numpy(zero_copy_only=False)
        yield values.tobytes()
    elif pa.types.is_string(kind):
        filled = pc.fill_null(array, "") if valid is not None else array
        buffers = filled.buffers()
        offsets = np.frombuffer(buffers[1], np.int32, count=n + 1, offset=4 * filled.offset)
        yield (offsets - offsets[0]).tobytes()
        if n:
            yield memoryview(buffers[2])[int(offsets[0]):int(offsets[-1])]
    elif kind.bit_width % 8 == 0 and kind.num_buffers == 2:  # integers, dates, decimals
        width = kind.bit_width // 8
        values = np.frombuffer(array.buffers()[1], np.uint8, count=n * width, offset=width * array.offset)
        if valid is not None:
            values = values.reshape(n, width).copy()
            values[~valid] = 0
        yield values.tobytes() if valid is not None else memoryview(values)
    else:
        raise TypeError(f"no canonical form for {kind}")


# --- the SQL ----------------------------------------------------------------------------------


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _queries(region: Region | None) -> dict[str, str]:
    region_t, household_t, person_t, helper_t = map(_table, (Region, Household, Person, Helper))
    where_household = ""
    where_region = ""
    if region is not None:
        where_household = f"WHERE h.{LEVEL_COLUMN[region.level]} = {int(region.pk)}"
        # The region and every region under it (at most four levels, but the depth is not assumed).
        where_region = (
            f"WHERE r.id IN (WITH RECURSIVE below(id) AS ("
            f"SELECT id FROM {region_t} WHERE id = {int(region.pk)} "
            f"UNION ALL SELECT c.id FROM {region_t} c JOIN below ON c.parent_id = below.id) SELECT id FROM below)"
        )
    money_type = "REAL" if connection.vendor == "sqlite" else "TEXT"
    money = ", ".join(f"CAST(h.{c} AS {money_type}) AS {c}" for c in MONEY_COLUMNS)
    return {
        "region": f"""
            SELECT r.id AS region_id, r.code AS code, r.name AS name, r.level AS level,
                   p.code AS parent_code, r.is_poor_village AS is_poor_village
            FROM {region_t} r LEFT JOIN {region_t} p ON p.id = r.parent_id
            {where_region}""",
        "household": f"""
            SELECT h.id AS household_id, h.household_no AS household_no, c.code AS county_code,
                   t.code AS town_code, v.code AS village_code, hm.code AS hamlet_code,
                   v.is_poor_village AS is_poor_village, h.head_name AS head_name,
                   h.household_size AS household_size, h.household_type AS household_type,
                   h.status AS status, h.identified_year AS identified_year, h.exit_year AS exit_year,
                   h.main_cause AS main_cause, h.food_clothing AS food_clothing, h.water_safe AS water_safe,
                   h.house_rating AS house_rating, h.house_renovated AS house_renovated, {money},
                   h.helper_id AS helper_id, hp.name AS helper_name
            FROM {household_t} h
            JOIN {region_t} c ON c.id = h.county_id
            JOIN {region_t} t ON t.id = h.town_id
            JOIN {region_t} v ON v.id = h.village_id
            LEFT JOIN {region_t} hm ON hm.id = h.hamlet_id
            LEFT JOIN {helper_t} hp ON hp.id = h.helper_id
            {where_household}""",
        "person": f"""
            SELECT p.id AS person_id, p.source_key AS person_key, p.person_no AS person_no,
                   p.household_id AS household_id, h.household_no AS household_no, p.name AS name,
                   p.id_number AS id_number, p.sex AS sex, p.relation AS relation, p.schooling AS schooling,
                   p.health AS health, p.disability_grade AS disability_grade, p.labor AS labor,
                   p.medical_insured AS medical_insured, p.deceased AS deceased
            FROM {person_t} p JOIN {household_t} h ON h.id = p.household_id
            {where_household}""",
    }


# --- reading ----------------------------------------------------------------------------------


def _must_use_django() -> bool:
    """True when a second connection could not see what Django's connection sees: inside a
    transaction, or a private in-memory SQLite database."""
    if connection.in_atomic_block:
        return True
    if connection.vendor == "sqlite":
        return str(connection.settings_dict["NAME"]) in ("", ":memory:")
    return connection.vendor != "postgresql"


def _in_memory(name: str) -> bool:
    return name.startswith("file:") and "mode=memory" in name


def _read_with_sqlite3(queries: dict[str, str]) -> dict[str, pa.Table]:
    name = str(connection.settings_dict["NAME"])
    # Django's test database is a shared-cache in-memory URI, which this module's connections share.
    con = sqlite3.connect(name, uri=name.startswith("file:"), isolation_level=None, timeout=30)
    try:
        con.execute("BEGIN")  # deferred: one read snapshot for the three tables
        out = {table: _arrow(con.execute(sql)) for table, sql in queries.items()}
        con.execute("ROLLBACK")
        return out
    finally:
        con.close()


def _read_with_adbc(queries: dict[str, str]) -> dict[str, pa.Table]:
    import adbc_driver_postgresql.dbapi as driver

    con = driver.connect(postgres_uri(connection.settings_dict))
    try:
        # The driver does not autocommit: the three tables are read in one transaction.
        with con.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        out = {}
        for name, sql in queries.items():
            with con.cursor() as cursor:
                cursor.execute(sql)
                out[name] = cursor.fetch_arrow_table()
        con.rollback()
        return out
    finally:
        con.close()


def postgres_uri(settings: dict) -> str:
    """A libpq URI for Django's connection settings (user, password, host, port, name, sslmode)."""
    quote = urllib.parse.quote
    credentials = quote(settings.get("USER") or "", safe="")
    if settings.get("PASSWORD"):
        credentials += ":" + quote(settings["PASSWORD"], safe="")
    host = settings.get("HOST") or ""
    if host.startswith("/"):  # a socket directory goes into the query string
        netloc, query = (credentials + "@" if credentials else ""), {"host": host}
    else:
        netloc = (credentials + "@" if credentials else "") + host
        if settings.get("PORT"):
            netloc += f":{settings['PORT']}"
        query = {}
    options = settings.get("OPTIONS") or {}
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if options.get(key):
            query[key] = options[key]
    suffix = "?" + urllib.parse.urlencode(query) if query else ""
    return f"postgresql://{netloc}/{quote(settings['NAME'], safe='')}{suffix}"


def _read_through_django(queries: dict[str, str]) -> dict[str, pa.Table]:
    out = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql)
            out[name] = _arrow(cursor)
    return out


def _arrow(cursor) -> pa.Table:
    """A DB-API cursor's result as a table, one column at a time (types are fixed by conform())."""
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        return pa.table({n: pa.array([], pa.null()) for n in names})
    columns = zip(*rows, strict=True)
    return pa.table({n: pa.array(c) for n, c in zip(names, columns, strict=True)})
