"""Shared test set-up. Runs against SQLite by default and against PostgreSQL when DATABASE_URL is
set (scripts/test.sh does both)."""

import os
import tempfile

os.environ.setdefault("HUITOUKAN_TESTING", "1")
os.environ.setdefault("HUITOUKAN_DATA_DIR", tempfile.mkdtemp(prefix="huitoukan-test-"))
