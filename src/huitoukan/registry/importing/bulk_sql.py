"""Plain SQL for bulk writes, the same on SQLite and PostgreSQL where it can be, and faster on
SQLite where it must be (a county of half a million people is imported on a laptop)."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

# Below this many new rows, or when adding less than the table already holds, indexes are kept;
# above it, dropping the table's secondary indexes and building them again after the load is
# about twice as fast on SQLite as updating them row by row.
REBUILD_MIN_ROWS = 10_000


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def executemany(sql: str, rows: list[tuple]) -> None:
    """`sql` with %s placeholders. On SQLite the driver's own cursor runs it (Django's wrapper
    re-reads every parameter set to detect named parameters, which costs seconds at this size)."""
    if not rows:
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(sql.replace("%s", "?"), rows)
        finally:
            cursor.close()
    else:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def insert_rows(model, attnames: list[str], rows: list[tuple]) -> None:
    """New rows; on PostgreSQL through COPY, which is an order of magnitude faster than one
    INSERT per row even pipelined."""
    if not rows:
        return
    fields = [_field(model, name) for name in attnames]
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", rows)


def _field(model, attname: str):
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field
    raise LookupError(attname)


def scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def lock_for_import(*models) -> None:
    """Keep other writers out of these tables until the import commits, so that what it diffed
    against is what it writes over, and that every id above the largest one before the import is
    the import's own. SQLite's immediate transactions already give a single writer."""
    if connection.vendor == "postgresql":
        tables = ", ".join(quote(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


@contextmanager
def indexes_rebuilt_if_worth_it(models, new_rows: int, existing_rows: int):
    """On SQLite, for a large load: drop the secondary indexes of the models' tables, and create
    them again (same names, same SQL) when the block ends, inside the same transaction."""
    if connection.vendor != "sqlite" or new_rows < REBUILD_MIN_ROWS or new_rows < existing_rows:
        yield
        return
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({})"
            .format(", ".join(["%s"] * len(tables))), tables)
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)
        # Without statistics SQLite's planner picks poor indexes for the scoped household list
        # (twice as slow at county scale); a sampled ANALYZE costs well under a second.
        cursor.execute("PRAGMA analysis_limit = 1000")
        for table in tables:
            cursor.execute(f"ANALYZE {quote(table)}")
