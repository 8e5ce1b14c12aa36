"""The contract the linkage and the look-back build on: each kind's records as an Arrow table.

    current_tables(kinds=None) -> {kind: pyarrow.Table}   the load of each kind the look-back uses
    load_table(load) -> pyarrow.Table                      one load's records

Every table has its kind's schema (kinds.table_schema: row_number, id_number, name, birth_date, sex,
address, the kind's own columns, extra) plus `load_id` (int64, the same in every row); the schema's
metadata names the kind, the load, its as-of date and SHA-256. docs/datasets.md describes each kind's
columns. The Parquet files can also be read directly (DuckDB's read_parquet, Spark's
spark.read.parquet) through `parquet_path`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .kinds import KINDS, get_kind, table_schema
from .loading import storage
from .models import DatasetLoad


class DatasetUnavailable(Exception):
    """A load whose records cannot be read (removed under retention, or its file is gone)."""


def current_loads(kinds: Iterable[str] | None = None) -> dict[str, DatasetLoad]:
    """The newest load of each kind (latest as-of date, then latest loaded); kinds never loaded are
    absent."""
    wanted = list(KINDS) if kinds is None else [get_kind(k).code for k in kinds]
    out = {}
    for kind in wanted:
        load = DatasetLoad.objects.current(kind)
        if load is not None:
            out[kind] = load
    return out


def current_tables(kinds: Iterable[str] | None = None, columns: list[str] | None = None) -> dict[str, pa.Table]:
    """{kind: table} of the loads `current_loads` chooses. `columns` limits what is read (row_number
    and load_id always come)."""
    return {kind: load_table(load, columns=columns) for kind, load in current_loads(kinds).items()}


def parquet_path(load: DatasetLoad) -> Path:
    if load.state != DatasetLoad.State.LOADED or not load.stored_file:
        raise DatasetUnavailable(f"load {load.pk} ({load.kind}) has no records: {load.state}")
    path = storage.path_of(load.stored_file)
    if not path.exists():
        raise DatasetUnavailable(f"load {load.pk} ({load.kind}): {path} is missing")
    return path


def load_table(load: DatasetLoad, columns: list[str] | None = None) -> pa.Table:
    """One load's records in its kind's schema, with `load_id`."""
    path = parquet_path(load)
    if columns is not None:
        columns = list(dict.fromkeys(["row_number", *[c for c in columns if c != "load_id"]]))
    table = pq.read_table(path, columns=columns)
    table = table.append_column(pa.field("load_id", pa.int64(), nullable=False),
                                pa.repeat(pa.scalar(load.pk, pa.int64()), table.num_rows).cast(pa.int64()))
    metadata = dict(table_schema(load.kind).metadata or {})
    metadata.update({b"huitoukan.load_id": str(load.pk).encode(), b"huitoukan.as_of": load.as_of.isoformat().encode(),
                     b"huitoukan.sha256": load.sha256.encode()})
    return table.replace_schema_metadata(metadata)


def head(load: DatasetLoad, rows: int) -> pa.Table:
    """The first `rows` records without reading the whole file (for the load's page)."""
    parquet = pq.ParquetFile(parquet_path(load))
    for batch in parquet.iter_batches(batch_size=rows):
        return pa.Table.from_batches([batch])
    return table_schema(load.kind).empty_table()
