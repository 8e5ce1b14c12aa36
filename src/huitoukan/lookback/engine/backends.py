"""The engines a rule runs on. Each takes Arrow tables, runs one SQL text, returns Arrow.

Everything else (binding parameters, keys, messages, de-duplication) happens once, in core.py,
so that the engines cannot drift apart in anything but SQL execution.
"""

from __future__ import annotations

from typing import Protocol

import pyarrow as pa

ENGINES = ("duckdb", "spark")


class Backend(Protocol):
    dialect: str

    def register(self, tables: dict[str, pa.Table]) -> None: ...

    def query(self, sql: str) -> pa.Table: ...

    def close(self) -> None: ...


class DuckDBBackend:
    """DuckDB in-process; the Arrow tables are scanned in place, not copied."""

    dialect = "duckdb"

    def __init__(self, threads: int | None = None):
        import duckdb

        # No extension may be fetched at run time (no internet): refuse autoloading outright.
        self.con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def register(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            self.con.register(name, table)

    def query(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()


def open_backend(engine: str) -> Backend:
    if engine == "duckdb":
        return DuckDBBackend()
    if engine == "spark":
        from .spark_backend import SparkBackend

        return SparkBackend()
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
