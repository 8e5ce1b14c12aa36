"""A columnar copy of the whole registry, kept between look-backs while the registry is unchanged.

Reading a million people out of SQLite takes seconds however it is done (ADBC in two processes:
about 2 s of a 3.5 s look-back), while the registry changes only when someone writes to it —
mostly an import, a few times a month. So the snapshot of the whole registry is kept as Arrow IPC
files under DATA_DIR/snapshots/<key>/ (with its fingerprint), written after an import (the registry
import's `registry_imported` signal) and by any look-back that had to read the database; the next
look-back maps the files (no copy, no decoding) instead of reading the database.

Whether a copy is still the registry is the database's answer, not the files': triggers on the
registry's tables count writes in registry.models.RegistryGeneration, and registry/generation.py
gives the protocol. A copy is named by the row's token and generation (and a digest of the snapshot
schemas, so that code with other columns never maps an old copy); it is kept only if the row was
clean in the read transaction that produced it, and used only while the row is exactly that, clean.

Only whole-registry snapshots are kept: a region's run reads its part of the database (smaller, and
one copy is what the disk can spare). Nothing is kept for databases without the triggers, inside a
transaction (a caller's uncommitted writes are not the registry), or with SNAPSHOT_CACHE off.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import time
from pathlib import Path

import pyarrow as pa
from django.conf import settings

from huitoukan.registry import generation

from .engine.schema import SNAPSHOT_SCHEMAS

log = logging.getLogger(__name__)

FINGERPRINT_FILE = "fingerprint"
#: Unfinished copies older than this are another process's leftovers (it died while writing).
STALE_TEMPORARY_SECONDS = 3600


def enabled() -> bool:
    return bool(settings.SNAPSHOT_CACHE) and generation.supported()


def root() -> Path:
    return Path(settings.DATA_DIR) / "snapshots"


def schema_digest() -> str:
    text = "\n".join(f"{name}: {schema}" for name, schema in sorted(SNAPSHOT_SCHEMAS.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def key_of(state: generation.State) -> str:
    return f"{state.key}-{schema_digest()}"


def load(state: generation.State | None):
    """The kept copy for `state` as a Snapshot, or None (no such copy, or the row is not clean)."""
    from .snapshot import Snapshot

    if state is None or not state.clean:
        return None
    folder = root() / key_of(state)
    try:
        fingerprint = (folder / FINGERPRINT_FILE).read_text(encoding="ascii").strip()
        tables = {}
        for name in SNAPSHOT_SCHEMAS:
            # Mapped, not read: the pages come from the page cache as DuckDB touches them. The
            # mapping outlives the file should another process replace the copy meanwhile.
            with pa.memory_map(str(folder / f"{name}.arrow")) as source:
                tables[name] = pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowInvalid):
        return None  # not there, or removed while we looked: read the database instead
    return Snapshot(tables, fingerprint, source="copy")


def store(snapshot, state: generation.State) -> bool:
    """Keeps `snapshot` as the copy for `state` (read with the data, in one transaction). Only a
    clean state may be kept. The copy appears whole or not at all (written aside, then renamed);
    older copies are removed."""
    if not state.clean:
        return False
    base = root()
    base.mkdir(parents=True, exist_ok=True)
    key = key_of(state)
    final = base / key
    if (final / FINGERPRINT_FILE).exists():
        return True
    aside = base / f".{key}.{secrets.token_hex(4)}"
    aside.mkdir()
    try:
        for name, table in snapshot.tables.items():
            with pa.OSFile(str(aside / f"{name}.arrow"), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        (aside / FINGERPRINT_FILE).write_text(snapshot.fingerprint, encoding="ascii")
        try:
            os.rename(aside, final)
        except OSError:  # another process kept the same copy first
            shutil.rmtree(aside, ignore_errors=True)
    except BaseException:
        shutil.rmtree(aside, ignore_errors=True)
        raise
    _remove_others(base, key)
    return True


def _remove_others(base: Path, keep: str) -> None:
    now = time.time()
    for entry in base.iterdir():
        if entry.name == keep:
            continue
        if entry.name.startswith("."):
            try:
                if now - entry.stat().st_mtime < STALE_TEMPORARY_SECONDS:
                    continue  # another process is writing it
            except OSError:
                continue
        shutil.rmtree(entry, ignore_errors=True)


def refresh_after_import(sender=None, **kwargs) -> None:
    """Receiver of registry_imported: read the registry now, so that the next look-back need not.
    A failure here costs only that look-back's time, so it is logged and not raised."""
    from django.db import connection

    from .snapshot import take_snapshot

    if not enabled() or connection.in_atomic_block:
        return
    try:
        take_snapshot()
    except Exception:  # the import is committed and must be reported as such
        log.exception("keeping a columnar copy of the registry after an import failed")
