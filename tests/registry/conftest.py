import hashlib

import pytest
from django.utils import translation

from huitoukan.registry.models import AssistingUnit, Helper, Household, Person, Region, RegistryImport


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    """Uploads of the web tests go to the test's own directory, never to var/."""
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def registry_checksum() -> str:
    """Every row of every registry table (history included), for "nothing changed" assertions."""
    digest = hashlib.sha256()
    for model in (Region, AssistingUnit, Helper, Household, Person, Household.history.model, Person.history.model):
        rows = model.objects.order_by("pk").values_list()
        digest.update(repr((model.__name__, list(rows))).encode())
    return digest.hexdigest()


def counts() -> dict:
    return {
        "regions": Region.objects.count(), "households": Household.objects.count(), "people": Person.objects.count(),
        "household_history": Household.history.count(), "person_history": Person.history.count(),
        "helpers": Helper.objects.count(), "units": AssistingUnit.objects.count(),
    }


__all__ = ["RegistryImport", "counts", "registry_checksum"]
