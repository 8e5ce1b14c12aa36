"""The importer against the synthetic county generator: its export imports cleanly and exactly,
twice without change, and every error broken into it is reported where it was made."""

import pytest

from huitoukan.registry.importing.service import import_registry
from huitoukan.registry.models import Household, Person
from huitoukan.synth.generator import SynthConfig, generate, write_broken_variant

from .conftest import registry_checksum

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("county"), SynthConfig(households=120, seed=11, xlsx=True))


def test_the_generated_registry_imports_cleanly_and_completely(county):
    report = import_registry(county.registry_path)
    assert report.ok, report.errors[:5]
    assert Household.objects.count() == county.households and Person.objects.count() == county.people
    before = registry_checksum()
    assert import_registry(county.paths["registry.xlsx"]).ok  # the same export as a workbook
    assert registry_checksum() == before


def test_every_broken_cell_is_reported_at_its_row_and_column(county, tmp_path):
    broken = tmp_path / "broken.csv"
    expected = write_broken_variant(county.registry_path, broken, seed=5)
    report = import_registry(broken, dry_run=True)
    found = {(issue.row, issue.column) for issue in report.errors}
    missing = [e for e in expected if (e["row"], e["column"]) not in found]
    assert not missing, missing
    assert not Household.objects.exists()
