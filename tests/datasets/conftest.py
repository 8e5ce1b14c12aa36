"""A synthetic county's department files (session-wide: the generator is Django-free), and each
test's own data folder, so that Parquet files never land in var/."""

import datetime as dt
from pathlib import Path

import pytest

from huitoukan.datasets.models import DatasetLoad
from huitoukan.synth.generator import SynthConfig, generate

AS_OF = dt.date(2020, 12, 31)


@pytest.fixture(scope="session")
def county(tmp_path_factory):
    """300 households: every kind has rows, with the untidy values and the mistyped and missing ID
    numbers the generator puts in (docs/synth.md)."""
    out = tmp_path_factory.mktemp("county")
    return generate(out, SynthConfig(households=300, seed=7, as_of=AS_OF))


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.DATA_DIR


def stored_files(data_dir: Path) -> list[str]:
    folder = data_dir / "datasets"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def nothing_stored(data_dir: Path) -> bool:
    return not DatasetLoad.objects.exists() and stored_files(data_dir) == []
