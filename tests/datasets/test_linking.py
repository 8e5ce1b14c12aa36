"""Linking stored loads to the imported registry (datasets/linking.py), on a synthetic county: the
exact links are the ID holders and the ground truth's exact hits; linked_table marks them; linking
again changes nothing; review decisions outlive a re-link and change linked_table."""

from __future__ import annotations

import csv
from collections import Counter

import pyarrow.compute as pc
import pytest
from django.test import override_settings

from huitoukan.datasets import linking
from huitoukan.datasets.linkage import features as F
from huitoukan.datasets.loading.service import load_dataset
from huitoukan.datasets.models import DatasetLoad, Linkage, LinkReview
from huitoukan.datasets.tables import load_table
from huitoukan.registry.importing.service import import_registry
from huitoukan.registry.models import Person
from huitoukan.synth.datasets import COLUMNS

from .conftest import AS_OF
from .files import write_csv

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def registry(county):
    report = import_registry(county.paths["registry.csv"])
    assert not report.errors
    return report


def load_of(path, kind) -> DatasetLoad:
    report = load_dataset(path, kind, as_of=AS_OF)
    assert not report.errors, report.errors[:3]
    return DatasetLoad.objects.get(pk=report.load_id)


def holders() -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for pk, number in Person.objects.exclude(id_number="").values_list("pk", "id_number"):
        out.setdefault(number, []).append(pk)
    return out


def change_registry() -> None:
    """A change the records do not care about, so that the registry's fingerprint moves."""
    person = Person.objects.order_by("pk").last()
    Person.objects.filter(pk=person.pk).update(name=person.name + "某")


@pytest.mark.parametrize("kind", ["death", "medical_cost"])
def test_exact_links_are_the_id_holders_and_the_ground_truth(county, registry, kind):
    load = load_of(county.paths[f"{kind}.csv"], kind)
    linkage = linking.link_load(load)
    assert linkage.registry_fingerprint and linking.links_path(linkage).exists()
    assert linkage.counts["records"] == load.row_count and linkage.model["format"] == "huitoukan.linkage/1"

    table = linking.linked_table(load)
    records = load_table(load)
    assert table.num_rows == records.num_rows
    assert table["row_number"].to_pylist() == records["row_number"].to_pylist()  # the records' order kept
    assert table.column_names == [*records.column_names, "person_id", "link"]

    single = {number: pks[0] for number, pks in holders().items() if len(pks) == 1}
    ids = F.normalise_id_numbers(table["id_number"]).to_pylist()
    persons, links = table["person_id"].to_pylist(), table["link"].to_pylist()
    correct_id = [i for i, number in enumerate(ids) if number in single]
    assert correct_id, "the county has records with a registry person's ID number"
    for i in correct_id:  # a record with a correct ID number links exactly to its holder
        assert (links[i], persons[i]) == ("exact", single[ids[i]])
    for i, link in enumerate(links):  # and every exact link is such a record
        if link == "exact":
            assert i in set(correct_id) or ids[i] in holders()
    assert Counter(links)["exact"] == linkage.counts["exact"]

    # The ground truth's hits found on the ID number are linked exactly to that person.
    truth = [r for r in csv.DictReader(county.paths["ground_truth.csv"].open(encoding="utf-8"))
             if r["dataset"] == kind and r["link"] == "exact"]
    exact_people = {persons[i] for i, link in enumerate(links) if link == "exact"}
    by_no = dict(Person.objects.values_list("person_no", "pk"))
    assert truth and all(by_no[r["target"]] in exact_people for r in truth)


def test_linking_again_against_the_same_registry_changes_nothing(county, registry, data_dir):
    load = load_of(county.paths["death.csv"], "death")
    first = linking.link_load(load)
    again = linking.link_load(load)
    assert again.pk == first.pk and Linkage.objects.count() == 1
    assert len(list((data_dir / "datasets" / "links").glob("*.parquet"))) == 1

    change_registry()
    second = linking.link_load(load)
    assert second.pk != first.pk and second.registry_fingerprint != first.registry_fingerprint
    # The kind's model is reused (review probabilities stay comparable); it came from the first.
    assert second.model_from_id == first.pk and second.model["splink"] == first.model["splink"]
    assert linking.linked_table(load).schema.metadata[b"huitoukan.linkage_id"] == str(second.pk).encode()
    assert linking.link_load(load, retrain=True).pk == second.pk  # same registry: nothing to do


def test_an_empty_registry_is_refused_and_nothing_is_stored(county, data_dir):
    load = load_of(county.paths["death.csv"], "death")
    with pytest.raises(linking.LinkingError):
        linking.link_load(load)
    assert not Linkage.objects.exists() and not list((data_dir / "datasets" / "links").glob("*"))
    with pytest.raises(linking.NotLinked):
        linking.linked_table(load)


def shared_numbers() -> list[str]:
    shared = sorted(number for number, pks in holders().items() if len(pks) > 1)
    assert shared, "the synthetic registry has ID numbers two people hold (ID_DUPLICATE)"
    return shared


def shared_number_file(tmp_path, numbers):
    """A death file whose records carry numbers two registry people hold, under a name neither has:
    the linkage cannot decide, every holder is a candidate."""
    rows = [[number, f"无名{i}", "", "", "2020-03-01", "", "备注"] for i, number in enumerate(numbers)]
    return write_csv(tmp_path / "death_shared.csv", [*COLUMNS["death"], "经办人"], rows)


def test_review_decisions_outlive_a_relink_and_change_the_linked_table(county, registry, tmp_path):
    numbers = shared_numbers()[:2]
    load = load_of(shared_number_file(tmp_path, numbers), "death")
    linkage = linking.link_load(load)
    reviews = list(LinkReview.objects.filter(load=load).order_by("row_number", "person_id"))
    assert reviews and {r.status for r in reviews} == {"pending"}
    assert {r.reason for r in reviews} == {"id_number_shared"} and all(r.linkage_id == linkage.pk for r in reviews)
    first_row = reviews[0].row_number
    candidates = [r for r in reviews if r.row_number == first_row]
    assert len(candidates) >= 2
    table = linking.linked_table(load)
    # pending links nobody, and says it waits (ENTRY_MISSED must not take it for an outsider's)
    assert set(table["person_id"].to_pylist()) == {None}
    waiting = {r.row_number for r in reviews}
    assert {row: link for row, link in zip(table["row_number"].to_pylist(), table["link"].to_pylist(), strict=True)
            if row in waiting} == dict.fromkeys(waiting, "pending")

    chosen = candidates[1]
    linking.decide(chosen, None, accept=True, note="户籍核实")
    statuses = dict(LinkReview.objects.filter(load=load, row_number=first_row).values_list("pk", "status"))
    assert statuses[chosen.pk] == "accepted"
    assert all(s == "rejected" for pk, s in statuses.items() if pk != chosen.pk)  # the others rejected
    chosen.refresh_from_db()
    assert chosen.decided_at is not None and chosen.note == "户籍核实"

    def link_of(table, row):
        i = table["row_number"].to_pylist().index(row)
        return table["link"][i].as_py(), table["person_id"][i].as_py()

    assert link_of(linking.linked_table(load), first_row) == ("reviewed", chosen.person_id)

    change_registry()
    relinked = linking.link_load(load)
    assert relinked.pk != linkage.pk
    after = dict(LinkReview.objects.filter(load=load, row_number=first_row).values_list("pk", "status"))
    assert after == statuses  # decisions kept, no new candidate for a settled record
    assert link_of(linking.linked_table(load), first_row) == ("reviewed", chosen.person_id)

    if len(numbers) > 1:  # a record whose candidates are all rejected links nobody
        other_row = next(r.row_number for r in reviews if r.row_number != first_row)
        for review in LinkReview.objects.filter(load=load, row_number=other_row):
            linking.decide(review, None, accept=False)
        assert link_of(linking.linked_table(load), other_row) == (None, None)
        assert LinkReview.objects.filter(load=load, row_number=other_row, linkage=relinked).exists()


def test_current_linked_tables_links_what_is_not_linked_yet(county, registry):
    death = load_of(county.paths["death.csv"], "death")
    load_of(county.paths["medical_cost.csv"], "medical_cost")
    assert not Linkage.objects.exists()
    out = linking.current_linked_tables(["death", "medical_cost", "vehicle"])
    assert sorted(out) == ["death", "medical_cost"]
    assert Linkage.objects.count() == 2
    assert pc.sum(pc.equal(out["death"]["link"], "exact")).as_py() == death.linkages.get().counts["exact"]
    linking.current_linked_tables()  # again: nothing new
    assert Linkage.objects.count() == 2


@override_settings(TASKS=IMMEDIATE)
def test_a_web_load_is_linked_when_it_is_stored(county, registry, tmp_path):
    from huitoukan.datasets.loading.tasks import load_dataset_upload
    from huitoukan.datasets.models import DatasetUpload

    path = tmp_path / "death.csv"
    path.write_bytes(county.paths["death.csv"].read_bytes())
    upload = DatasetUpload.objects.create(kind="death", provider="", as_of=AS_OF, file_name="death.csv",
                                          stored_path=str(path))
    load_dataset_upload.enqueue(upload.pk)
    upload.refresh_from_db()
    assert upload.load is not None and upload.load.linkages.count() == 1


def test_the_command_links_the_current_loads(county, registry):
    from typer.testing import CliRunner

    from huitoukan.cli import app

    death = load_of(county.paths["death.csv"], "death")
    load_of(county.paths["dibao.csv"], "dibao")
    result = CliRunner().invoke(app, ["datasets", "link", "death"])
    assert result.exit_code == 0, result.output
    assert list(Linkage.objects.values_list("load_id", flat=True)) == [death.pk]
    assert str(death.linkages.get().counts["exact"]) in result.output
    result = CliRunner().invoke(app, ["datasets", "link"])
    assert result.exit_code == 0 and Linkage.objects.count() == 2


def test_the_command_refuses_an_empty_registry(county):
    from typer.testing import CliRunner

    from huitoukan.cli import app

    load_of(county.paths["death.csv"], "death")
    result = CliRunner().invoke(app, ["datasets", "link"])
    assert result.exit_code == 1 and result.output.strip()
    assert not Linkage.objects.exists()
