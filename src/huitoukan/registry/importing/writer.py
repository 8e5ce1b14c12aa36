"""Writing an import's changes: set-based, inside the caller's transaction, history included.

Rows go in with `executemany` in large batches (column lists from the models' `_meta`, so a new model
field cannot be forgotten here); the historical rows that django-simple-history would have written
one by one are copied from the written rows with one INSERT … SELECT per kind of change: rows above
the largest id before the import are the created ones (the tables are locked for the import, see
`bulk_sql.lock_for_import`), changed ones are named in a temporary table of ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from django.utils import timezone

from ..models import Household, Person
from . import bulk_sql, existing
from .bulk_sql import quote
from .diff import CHANGED, NEW, Changes
from .helpers import create_helpers
from .regions import create_regions

BATCH_ROWS = 20_000
IDS_TABLE = "huitoukan_import_ids"


@dataclass
class WriteContext:
    user_id: int | None
    reason: str
    progress: Callable[[float], None] | None = None  # fraction of the writing done
    now: object = None

    def __post_init__(self):
        self.now = self.now or timezone.now()


def lock_registry() -> None:
    bulk_sql.lock_for_import(Household, Person)


def write_changes(changes: Changes, context: WriteContext) -> None:
    """Everything in one go; the caller holds the transaction (and took `lock_registry`)."""
    region_ids = create_regions(changes.regions)
    helper_ids = create_helpers(changes.helpers)
    households = changes.households
    for column, mapping in (("county_id", region_ids), ("town_id", region_ids), ("village_id", region_ids),
                            ("hamlet_id", region_ids), ("helper_id", helper_ids)):
        if column in households.column_names and mapping:
            households = _replace(households, column, _substitute(households.column(column), mapping))

    written = [pc.sum(pc.not_equal(t.column("change"), "same")).as_py() or 0 for t in (households, changes.people)]
    total = max(1, sum(written))
    done = [0]

    def advance(rows: int) -> None:
        done[0] += rows
        if context.progress:
            context.progress(min(1.0, done[0] / total))

    # On failure the caller's rollback removes the temporary table with everything else.
    _create_temp_ids_table()
    new_households = _write_model(Household, households, changes.household_columns, context, advance)
    known = households.filter(pc.is_valid(households.column("id"))).select(["id", "household_no"])
    household_ids = pa.concat_tables([known, new_households.select(["id", "household_no"])])
    people = changes.people
    people = _replace(people, "household_id", _lookup(people.column("household_no"), household_ids, "household_no"))
    _write_model(Person, people, changes.person_columns, context, advance, key=None)
    _drop_temp_ids_table()


def _write_model(model, table: pa.Table, columns: list[str], context: WriteContext, advance,
                 key: str | None = "household_no") -> pa.Table | None:
    """Insert the new rows, update the changed ones, write their history; returns the new rows'
    ids and `key` (when asked for)."""
    new = table.filter(pc.equal(table.column("change"), NEW))
    changed = table.filter(pc.equal(table.column("change"), CHANGED))
    max_id_before = bulk_sql.scalar(f"SELECT coalesce(max(id), 0) FROM {quote(model._meta.db_table)}")
    existing_rows = bulk_sql.scalar(f"SELECT count(*) FROM {quote(model._meta.db_table)}")
    with bulk_sql.indexes_rebuilt_if_worth_it([model, model.history.model], new.num_rows, existing_rows):
        _insert(model, new, columns, context, advance)
        _update(model, changed, columns, context, advance)
        if new.num_rows:
            _copy_to_history(model, "+", context, f"id > {int(max_id_before)}")
        if changed.num_rows:
            _fill_temp_ids(changed.column("id"))
            _copy_to_history(model, "~", context, f"id IN (SELECT id FROM {IDS_TABLE})")
    if key is None:
        return None
    return existing.load(model, [key], after_id=max_id_before)


def _insert(model, table: pa.Table, columns: list[str], context: WriteContext, advance) -> None:
    """All concrete columns but the id: the file's, and each other field's default."""
    if not table.num_rows:
        return
    fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
    now = connection.ops.adapt_datetimefield_value(context.now)
    constant = {}
    for f in fields:
        if f.attname not in columns:
            constant[f.attname] = now if f.attname == "updated_at" else f.get_db_prep_save(f.get_default(), connection)
    names = [f.attname for f in fields]
    for rows in _batches(table, names, constant):
        bulk_sql.insert_rows(model, names, rows)
        advance(len(rows))


def _update(model, table: pa.Table, columns: list[str], context: WriteContext, advance) -> None:
    if not table.num_rows:
        return
    names = [*columns, "updated_at"]
    assignments = ", ".join(f"{quote(existing.field_by_attname(model, c).column)} = %s" for c in names)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE id = %s"
    constant = {"updated_at": connection.ops.adapt_datetimefield_value(context.now)}
    for rows in _batches(table, [*names, "id"], constant):
        bulk_sql.executemany(sql, rows)
        advance(len(rows))


def _batches(table: pa.Table, names: list[str], constant: dict):
    """Row tuples in the order of `names`, BATCH_ROWS at a time; `constant` fills the names the
    table does not have. SQLite gets decimals as text, which is what Django gives it too (and
    saves a Python Decimal per cell)."""
    as_text = connection.vendor == "sqlite"
    for start in range(0, table.num_rows, BATCH_ROWS):
        chunk = table.slice(start, BATCH_ROWS)
        columns = []
        for name in names:
            if name in constant:
                columns.append([constant[name]] * chunk.num_rows)
                continue
            column = chunk.column(name)
            if as_text and pa.types.is_decimal(column.type):
                column = pc.cast(column, pa.string())
            columns.append(column.to_pylist())
        yield list(zip(*columns))


def _copy_to_history(model, history_type: str, context: WriteContext, where: str) -> None:
    history_model = model.history.model
    own = {f.attname: f for f in model._meta.concrete_fields}
    extra = {
        "history_date": connection.ops.adapt_datetimefield_value(context.now),
        "history_change_reason": context.reason[:100],
        "history_type": history_type,
        "history_user_id": context.user_id,
    }
    targets, sources, params = [], [], []
    for f in history_model._meta.concrete_fields:
        if f.attname == "history_id":
            continue
        targets.append(quote(f.column))
        if f.attname in extra:
            sources.append("%s")
            params.append(extra[f.attname])
        else:
            sources.append(quote(own[f.attname].column))
    sql = (f"INSERT INTO {quote(history_model._meta.db_table)} ({', '.join(targets)}) "
           f"SELECT {', '.join(sources)} FROM {quote(model._meta.db_table)} WHERE {where}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _fill_temp_ids(ids) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {IDS_TABLE}")
    bulk_sql.executemany(f"INSERT INTO {IDS_TABLE} (id) VALUES (%s)", [(i,) for i in ids.to_pylist()])


def _create_temp_ids_table() -> None:
    suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {IDS_TABLE} (id BIGINT PRIMARY KEY){suffix}")


def _drop_temp_ids_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {IDS_TABLE}")


def _replace(table: pa.Table, name: str, array) -> pa.Table:
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, array)
    return table.append_column(name, array)


def _substitute(column, mapping: dict[int, int]):
    """Placeholder ids (negative) replaced by the real ids they became."""
    keys = pa.array(list(mapping.keys()), pa.int64())
    values = pa.array(list(mapping.values()), pa.int64())
    found = pc.take(values, pc.index_in(column, value_set=keys))
    return pc.coalesce(found, column)


def _lookup(keys, table: pa.Table, key: str):
    """The `id` of each key in `table` (a table of id and key)."""
    index = pc.index_in(keys, value_set=table.column(key))
    return pc.take(table.column("id"), index)
