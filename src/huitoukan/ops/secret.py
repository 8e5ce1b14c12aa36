"""The secret key of an installation: generated once into the data directory on first start, so
that `make demo` needs no configuration and a production server can still set its own."""

import os
import secrets
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("HUITOUKAN_DATA_DIR", Path.cwd() / "var")).resolve()


def ensure_secret_key() -> None:
    if os.environ.get("HUITOUKAN_SECRET_KEY"):
        return
    key_file = data_dir() / "secret_key"
    if key_file.exists():
        return
    key_file.parent.mkdir(parents=True, exist_ok=True)
    # Written with owner-only permissions: whoever reads it can forge sessions.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
