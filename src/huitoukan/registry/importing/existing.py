"""The registry as it is, read into Arrow with one query per table, typed from the models' fields so
that the file and the database compare value for value (SQLite keeps decimals as REAL and booleans
as 0/1; PostgreSQL has real types; both come out the same here)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, models

FETCH_ROWS = 50_000


def arrow_type(field: models.Field) -> pa.DataType:
    if isinstance(field, (models.ForeignKey, models.AutoField, models.IntegerField)):
        return pa.int64()
    if isinstance(field, models.BooleanField):
        return pa.bool_()
    if isinstance(field, models.DecimalField):
        return pa.decimal128(field.max_digits, field.decimal_places)
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return pa.date32()
    if isinstance(field, (models.CharField, models.TextField)):
        return pa.string()
    raise TypeError(f"no Arrow type for {field!r}")


def to_arrow(values: list, field: models.Field) -> pa.Array:
    target = arrow_type(field)
    if pa.types.is_decimal(target):
        # Read as text (see `load`): exact on both databases, then one cast.
        return pc.cast(pa.array(values, pa.string()), target)
    array = pa.array(values)
    return array if array.type == target else pc.cast(array, target)


def load(model: type[models.Model], attnames: list[str], after_id: int | None = None) -> pa.Table:
    """`id` and the given columns of every row of the model's table (with an id above `after_id`)."""
    fields = [model._meta.get_field("id")] + [_field(model, name) for name in attnames]
    quote = connection.ops.quote_name
    selects = []
    for field in fields:
        column = quote(field.column)
        selects.append(f"CAST({column} AS TEXT)" if isinstance(field, models.DecimalField) else column)
    sql = f"SELECT {', '.join(selects)} FROM {quote(model._meta.db_table)}"
    params = []
    if after_id is not None:
        sql += " WHERE id > %s"
        params.append(after_id)
    names = ["id", *attnames]
    batches = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            columns = list(zip(*rows))
            batches.append(pa.record_batch([to_arrow(list(c), f) for c, f in zip(columns, fields)], names=names))
    if not batches:
        return pa.table({name: pa.array([], arrow_type(f)) for name, f in zip(names, fields)})
    return pa.Table.from_batches(batches)


def _field(model, attname: str) -> models.Field:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field
    raise LookupError(attname)


def field_by_attname(model, attname: str) -> models.Field:
    return _field(model, attname)
