"""Writing an import's changes: set-based, inside the caller's transaction, history included.

Rows go in with `executemany` in large batches (column lists from the models' `_meta`, so a new model
field cannot be forgotten here); the historical rows that django-simple-history would have written
one by one are copied from the written rows with one INSERT … SELECT per kind of change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from django.utils import timezone

from ..models import Household, Person
from . import existing
from .diff import CHANGED, NEW, Changes
from .helpers import create_helpers
from .regions import create_regions

BATCH_ROWS = 20_000
IDS_TABLE = "huitoukan_import_ids"
HISTORY_FIELDS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"}


@dataclass
class WriteContext:
    user_id: int | None
    reason: str
    progress: Callable[[float], None] | None = None  # fraction of the writing done
    now: object = None

    def __post_init__(self):
        self.now = self.now or timezone.now()


def write_changes(changes: Changes, context: WriteContext) -> None:
    """Everything in one go; the caller holds the transaction."""
    region_ids = create_regions(changes.regions)
    helper_ids = create_helpers(changes.helpers)
    households = changes.households
    for column, mapping in (("county_id", region_ids), ("town_id", region_ids), ("village_id", region_ids),
                            ("hamlet_id", region_ids), ("helper_id", helper_ids)):
        if column in households.column_names and mapping:
            households = _replace(households, column, _substitute(households.column(column), mapping))

    written = [pc.sum(pc.not_equal(t.column("change"), "same")).as_py() or 0
               for t in (households, changes.people)]
    total = max(1, sum(written))
    done = [0]

    def advance(rows: int) -> None:
        done[0] += rows
        if context.progress:
            context.progress(min(1.0, done[0] / total))

    # On failure the caller's rollback removes the temporary table with everything else.
    _create_temp_ids_table()
    _write_model(Household, "household_no", households, changes.household_columns, context, advance)
    household_ids = existing.load(Household, ["household_no"])
    people = changes.people
    people = _replace(people, "household_id", _lookup(people.column("household_no"), household_ids, "household_no"))
    _write_model(Person, "source_key", people, changes.person_columns, context, advance)
    _drop_temp_ids_table()


def _write_model(model, key: str, table: pa.Table, columns: list[str], context: WriteContext, advance) -> None:
    new = table.filter(pc.equal(table.column("change"), NEW))
    changed = table.filter(pc.equal(table.column("change"), CHANGED))
    max_id_before = _max_id(model)
    if new.num_rows:
        _insert(model, new, columns, context, advance)
    if changed.num_rows:
        _update(model, changed, columns, context, advance)
    if new.num_rows:
        created = existing.load(model, [key], after_id=max_id_before)
        new_ids = _lookup(new.column(key), created, key)
        _copy_to_history(model, new_ids, "+", context)
    if changed.num_rows:
        _copy_to_history(model, changed.column("id"), "~", context)


def _insert(model, table: pa.Table, columns: list[str], context: WriteContext, advance) -> None:
    """All concrete columns but the id: the file's, and each other field's default."""
    ops = connection.ops
    fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
    now = ops.adapt_datetimefield_value(context.now)
    constant = {}
    for f in fields:
        if f.attname not in columns:
            constant[f.attname] = now if f.attname == "updated_at" else f.get_db_prep_save(f.get_default(), connection)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        ops.quote_name(model._meta.db_table),
        ", ".join(ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for rows in _batches(table, [f.attname for f in fields], constant):
            cursor.executemany(sql, rows)
            advance(len(rows))


def _update(model, table: pa.Table, columns: list[str], context: WriteContext, advance) -> None:
    ops = connection.ops
    set_columns = list(columns)
    assignments = ", ".join(f"{ops.quote_name(existing.field_by_attname(model, c).column)} = %s"
                            for c in [*set_columns, "updated_at"])
    sql = f"UPDATE {ops.quote_name(model._meta.db_table)} SET {assignments} WHERE id = %s"
    constant = {"updated_at": ops.adapt_datetimefield_value(context.now)}
    with connection.cursor() as cursor:
        for rows in _batches(table, [*set_columns, "updated_at", "id"], constant):
            cursor.executemany(sql, rows)
            advance(len(rows))


def _batches(table: pa.Table, names: list[str], constant: dict):
    """Row tuples in the order of `names`, BATCH_ROWS at a time; `constant` fills the names the
    table does not have."""
    for start in range(0, table.num_rows, BATCH_ROWS):
        chunk = table.slice(start, BATCH_ROWS)
        columns = []
        for name in names:
            if name in constant:
                columns.append([constant[name]] * chunk.num_rows)
            else:
                columns.append(chunk.column(name).to_pylist())
        yield list(zip(*columns))


def _copy_to_history(model, ids: pa.Array, history_type: str, context: WriteContext) -> None:
    history_model = model.history.model
    ops = connection.ops
    targets, sources, params = [], [], []
    own = {f.attname: f for f in model._meta.concrete_fields}
    extra = {
        "history_date": ops.adapt_datetimefield_value(context.now),
        "history_change_reason": context.reason[:100],
        "history_type": history_type,
        "history_user_id": context.user_id,
    }
    for f in history_model._meta.concrete_fields:
        if f.attname == "history_id":
            continue
        targets.append(ops.quote_name(f.column))
        if f.attname in extra:
            sources.append("%s")
            params.append(extra[f.attname])
        else:
            sources.append(ops.quote_name(own[f.attname].column))
    table = ops.quote_name(model._meta.db_table)
    sql = (f"INSERT INTO {ops.quote_name(history_model._meta.db_table)} ({', '.join(targets)}) "
           f"SELECT {', '.join(sources)} FROM {table} WHERE id IN (SELECT id FROM {IDS_TABLE})")
    id_list = [(i,) for i in ids.to_pylist()]
    with connection.cursor() as cursor:
        for start in range(0, len(id_list), BATCH_ROWS * 5):
            cursor.execute(f"DELETE FROM {IDS_TABLE}")
            cursor.executemany(f"INSERT INTO {IDS_TABLE} (id) VALUES (%s)", id_list[start:start + BATCH_ROWS * 5])
            cursor.execute(sql, params)
        cursor.execute(f"DELETE FROM {IDS_TABLE}")


def _create_temp_ids_table() -> None:
    suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {IDS_TABLE} (id BIGINT PRIMARY KEY){suffix}")


def _drop_temp_ids_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {IDS_TABLE}")


def _max_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.fetchone()[0] or 0


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
