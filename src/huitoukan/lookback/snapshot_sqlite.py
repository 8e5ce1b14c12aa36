"""Reading an SQLite registry file as Arrow with ADBC, in child processes.

Why child processes: ADBC's SQLite driver links its own copy of SQLite. Two copies of SQLite that
open the same file in one process cancel each other's POSIX advisory locks (closing either's file
descriptor releases the locks the other holds; sqlite.org, "How To Corrupt An SQLite Database
File", §2.2.1) — in a process where Django also has the file open this gave stale reads and "disk
I/O error", and writers of other processes could corrupt the file. A child process that loads only
the driver's copy has its own locks, like any other reader of the file. It hands its tables back as
Arrow IPC files in a temporary directory (in memory where /dev/shm exists), which the parent maps
without copying.

Why ADBC: the driver builds Arrow columns in C; Python's sqlite3 makes a Python object per value
(a million-person registry took 14 s that way, most of it building and converting those objects).

Types: the driver infers each column's type from its first batch of rows, so a column whose first
rows are NULL would be typed wrongly and a later string would fail the read. The batch size is set
above any registry's row count (`adbc.sqlite.query.batch_rows`), so every column is typed by all its
values; money is cast to REAL in the SQL (SQLite keeps DECIMAL as REAL or INTEGER) and the caller
casts every column to its schema afterwards (snapshot.conform), so an all-NULL column becomes its
real type too. One batch limits a text column to 2 GiB, about a hundred million people: far beyond
what a county runs on SQLite.

One moment of the registry: two children read at once (the caller says which queries each runs;
snapshot.py gives each about half the work, for two cores), each in one read transaction — in WAL
mode a snapshot of the last commit, blocking no writer. Two transactions in two processes are one
moment only if no write committed between the first's start and the second's start. So the parent
reads `PRAGMA data_version` (which changes when any other connection commits) before starting the
children and again once both hold their snapshot; when it changed, the read is thrown away and done
again by one child reading every query in one transaction, which is one moment by construction.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    import sqlite3

#: Rows per batch: more than any table of an SQLite registry, so the first batch is the whole result.
BATCH_ROWS = 1 << 30
BUSY_TIMEOUT_MS = 30_000


class SnapshotReadError(RuntimeError):
    pass


def read(database: str, groups: list[dict[str, str]], *, parallel: bool = True) -> dict[str, pa.Table]:
    """The result of each query over the SQLite file `database` (name → table), as one moment of
    it: each group of queries (name → SQL, names unique across groups) is read by a child of its
    own, in parallel. `parallel=False` reads every query in one child and one transaction."""
    import sqlite3  # the parent's own SQLite, which Django uses too; never loaded by a child

    everything = {name: sql for group in groups for name, sql in group.items()}
    scratch = Path(tempfile.mkdtemp(prefix="huitoukan-snapshot-", dir=_scratch_root()))
    children: list[_Child] = []
    try:
        if parallel and len(groups) > 1:
            watch = sqlite3.connect(database, uri=database.startswith("file:"), isolation_level=None,
                                    timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                before = _data_version(watch)
                children = [_Child(database, group, scratch) for group in groups if group]
                for child in children:
                    child.wait_until_reading()
                moved = _data_version(watch) != before
            finally:
                watch.close()
            for child in children:
                child.finish()
            if not moved:
                return _load(scratch, everything)
        children = [_Child(database, everything, scratch)]
        children[0].wait_until_reading()
        children[0].finish()
        return _load(scratch, everything)
    finally:
        for child in children:
            child.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def _data_version(con: sqlite3.Connection) -> int:
    return con.execute("PRAGMA data_version").fetchone()[0]


def _scratch_root() -> str | None:
    # Tables pass through this directory once; memory is the cheaper place when it is there.
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def _load(scratch: Path, queries: dict[str, str]) -> dict[str, pa.Table]:
    out = {}
    for name in queries:
        with pa.memory_map(str(scratch / f"{name}.arrow")) as source:
            out[name] = pa.ipc.open_file(source).read_all()
    return out


class _Child:
    """One `python -m huitoukan.lookback.snapshot_sqlite` reading `queries` in one transaction."""

    def __init__(self, database: str, queries: dict[str, str], scratch: Path):
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        spec = {"database": database, "queries": queries, "out": str(scratch)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "huitoukan.lookback.snapshot_sqlite", json.dumps(spec)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
        )

    def wait_until_reading(self) -> None:
        """Returns once the child's read transaction holds its snapshot."""
        if self.process.stdout.readline().strip() != b"reading":
            self.finish()
            raise SnapshotReadError("the snapshot reader stopped before reading")

    def finish(self) -> None:
        _, error = self.process.communicate()
        if self.process.returncode != 0:
            message = error.decode(errors="replace")[-2000:]
            raise SnapshotReadError(f"the snapshot reader failed ({self.process.returncode}): {message}")

    def stop(self) -> None:
        """Ends the child if it is still running (an error elsewhere); a no-op once it finished."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def _child_main() -> None:
    """In the child: read every query of the spec (the first argument) in one read transaction."""
    # The driver manager's low-level API: its DB-API module imports pyarrow.dataset and with it
    # pandas, which tripled the child's start-up.
    import adbc_driver_manager
    import adbc_driver_sqlite
    import pyarrow.ipc

    spec = json.loads(sys.argv[1])
    database = adbc_driver_sqlite.connect(spec["database"])
    con = adbc_driver_manager.AdbcConnection(database)
    try:
        _execute(con, f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Out of autocommit the driver opens a deferred transaction; its first read takes the read
        # snapshot that every query below then shares.
        con.set_autocommit(False)
        _execute(con, "SELECT COUNT(*) FROM sqlite_master")
        sys.stdout.write("reading\n")
        sys.stdout.flush()
        for name, sql in spec["queries"].items():
            table = _execute(con, sql)
            with pa.OSFile(str(Path(spec["out"]) / f"{name}.arrow"), "wb") as sink, \
                    pyarrow.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        con.rollback()
    finally:
        con.close()
        database.close()


def _execute(con, sql: str) -> pa.Table:
    import adbc_driver_manager
    import adbc_driver_sqlite

    statement = adbc_driver_manager.AdbcStatement(con)
    try:
        statement.set_options(**{adbc_driver_sqlite.StatementOptions.BATCH_ROWS.value: str(BATCH_ROWS)})
        statement.set_sql_query(sql)
        stream, _ = statement.execute_query()
        return pa.RecordBatchReader._import_from_c(stream.address).read_all()
    finally:
        statement.close()


if __name__ == "__main__":
    _child_main()
