"""Has the registry changed since a copy of it was read? (models.RegistryGeneration)

    current() -> State | None      the row as committed now (None: no row, or a database without triggers)
    mark_clean() -> bool           from now on the next write raises the generation
    STATE_SQL                      the row as a query, for a reader to run inside its own read transaction

A copy of the registry tables is trustworthy only under this protocol (lookback/snapshot_cache.py):
`mark_clean()` is committed first; the copy is then read in one transaction together with
STATE_SQL; the copy is kept only if that row was still clean (no write came between), and it is
used later only while `current()` is exactly the row it was read with. Any write after the copy's
read transaction began raises the generation, because `clean` was set when it came.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, connection, transaction

from .models import RegistryGeneration

TABLE = RegistryGeneration._meta.db_table
STATE_SQL = f"SELECT token, generation, clean FROM {TABLE} WHERE id = 1"
#: The vendors whose migration installed the triggers.
VENDORS = ("sqlite", "postgresql")
#: How long to wait for SQLite's write lock before giving up on marking (an import may hold it for a
#: minute; a look-back would rather read without keeping a copy than wait for it).
SQLITE_WAIT_MS = 200


@dataclass(frozen=True)
class State:
    token: str
    generation: int
    clean: bool

    @property
    def key(self) -> str:
        return f"{self.token}-{self.generation}"

    @classmethod
    def of_row(cls, row) -> State:
        token, generation, clean = row
        return cls(str(token), int(generation), bool(clean))


def supported() -> bool:
    return connection.vendor in VENDORS


def current() -> State | None:
    if not supported():
        return None
    with connection.cursor() as cursor:
        cursor.execute(STATE_SQL)
        row = cursor.fetchone()
    return State.of_row(row) if row else None


def mark_clean() -> bool:
    """Sets `clean` (making the row, with a new token, if a flush removed it). False when the
    database was busy with a writer: then no copy is to be kept this time."""
    if not supported() or connection.in_atomic_block:
        return False
    try:
        with _short_wait(), transaction.atomic():
            updated = RegistryGeneration.objects.filter(pk=1).update(clean=True)
            if not updated:
                RegistryGeneration.objects.create(pk=1, token=secrets.token_hex(16), generation=0, clean=True)
        return True
    except (OperationalError, IntegrityError):  # SQLite's lock is held by a writer; another made the row
        return False


class _short_wait:
    """On SQLite, wait SQLITE_WAIT_MS for the write lock instead of the connection's 30 s."""

    def __enter__(self):
        self.previous = None
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout")
                self.previous = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")

    def __exit__(self, *exc):
        if self.previous is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {int(self.previous)}")
        return False
