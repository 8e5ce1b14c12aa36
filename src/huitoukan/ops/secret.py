"""The secret key and the pseudonym key of an installation: generated once into the data directory
on first start, so that `make demo` needs no configuration and a production server can still set
its own (HUITOUKAN_SECRET_KEY, HUITOUKAN_PSEUDONYM_KEY)."""

import os
import secrets
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("HUITOUKAN_DATA_DIR", Path.cwd() / "var")).resolve()


def ensure_secret_key() -> None:
    """The secret key and the pseudonym key (settings.PSEUDONYM_KEY), each unless set in the
    environment or already written."""
    for variable, name in (("HUITOUKAN_SECRET_KEY", "secret_key"), ("HUITOUKAN_PSEUDONYM_KEY", "pseudonym_key")):
        if not os.environ.get(variable):
            _write_once(data_dir() / name)


def _write_once(key_file: Path) -> None:
    if key_file.exists():
        return
    key_file.parent.mkdir(parents=True, exist_ok=True)
    # Owner-only: whoever reads the secret key can forge sessions, the pseudonym key undo pseudonyms.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
