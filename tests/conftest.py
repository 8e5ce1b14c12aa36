"""Shared test set-up. Runs against SQLite by default and against PostgreSQL when DATABASE_URL is
set (scripts/test.sh does both)."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("HUITOUKAN_TESTING", "1")
os.environ.setdefault("HUITOUKAN_DATA_DIR", tempfile.mkdtemp(prefix="huitoukan-test-"))
# WhiteNoise warns on every request when STATIC_ROOT is missing; tests serve from the app folders.
(Path(os.environ["HUITOUKAN_DATA_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
