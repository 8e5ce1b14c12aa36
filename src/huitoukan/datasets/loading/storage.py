"""Where a load's records live: one Parquet file per load under DATA_DIR/datasets/.

The file is written under a temporary name first; `commit_file` gives it its final name (load id and
hash) inside the transaction that inserts the DatasetLoad row, as its last step: if the commit then
fails, the caller removes the renamed file. So a failed load leaves neither a
row nor a file; the one window left, a crash of the process between the rename and the commit,
leaves a file no row names, which `orphan_files` finds (it is never read: readers go through rows).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

TEMP_PREFIX = ".incoming-"
# Row groups of this many rows: a reader that needs a few columns of part of a province's file
# (the load page's first rows, Spark's splits) does not decode all of it.
ROW_GROUP_ROWS = 256 * 1024


def datasets_dir() -> Path:
    path = Path(settings.DATA_DIR) / "datasets"
    path.mkdir(parents=True, exist_ok=True)
    return path


def final_name(load_id: int, kind: str, sha256: str) -> str:
    return f"{load_id:06d}-{kind}-{sha256[:16]}.parquet"


def path_of(stored_file: str) -> Path:
    return datasets_dir() / stored_file


def write_temp(table: pa.Table) -> Path:
    """The table as Parquet (zstd) under a temporary name in the datasets folder, so that the
    rename into place is atomic (same file system)."""
    path = datasets_dir() / f"{TEMP_PREFIX}{uuid.uuid4().hex}.parquet"
    try:
        pq.write_table(table, path, compression="zstd", row_group_size=ROW_GROUP_ROWS)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def commit_file(temp: Path, stored_file: str) -> Path:
    final = path_of(stored_file)
    os.replace(temp, final)
    return final


def orphan_files(known: set[str]) -> list[Path]:
    """Parquet files in the datasets folder that no DatasetLoad names (`known`), temporary ones
    included: left by a crash in the moment between rename and commit, or during a write."""
    return sorted(p for p in datasets_dir().glob("*.parquet") if p.name not in known)
