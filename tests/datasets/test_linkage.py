"""Linkage correctness on a synthetic county (no Django: Arrow tables straight from the CSV files).

The county (2,000 households, seed 7) has the generator's own probabilistic cases (links.csv:
hits whose ID number was mistyped or left out) and same-name decoys (decoys.csv). At this size
links.csv holds only a handful, so the test adds more the same way the generator makes them:
5 % of the records whose ID number a registry person holds get that number mistyped (one digit
changed, or two adjacent digits swapped — synth.idnumbers.make_typo) or, where the dataset has a
birth date, left out. Who they are is known from the number they had.

Counted:
- exact: every exact link joins a record to the registry person holding its ID number (the name
  decides a shared number), and every cross-comparison hit the ground truth marks 'exact' is linked
  exactly to its person.
- recall: probabilistic cases (links.csv + the added ones) linked 'probabilistic' to the right
  person ÷ all probabilistic cases; a case left in review counts as missed.
- precision: 'probabilistic' links to the right person ÷ all 'probabilistic' links (every other
  record — the county's residents outside the registry — should link to nobody); review rows are
  not links.
- decoys: no row at all (neither link nor review) for any decoy record.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pytest

from huitoukan.datasets.linkage import features as F
from huitoukan.datasets.linkage import link
from huitoukan.lookback.engine.idnumbers import check_id_numbers
from huitoukan.synth.datasets import COLUMNS, ENCODINGS, ID_COLUMN, KINDS
from huitoukan.synth.generator import SynthConfig, generate
from huitoukan.synth.idnumbers import make_typo

AS_OF = dt.date(2020, 12, 31)
ADDED_SHARE = 0.05

pytestmark = pytest.mark.slow


def read_strings(path: Path, encoding: str, skip_rows: int = 0, columns=None) -> pa.Table:
    read = pcsv.ReadOptions(encoding=encoding, skip_rows=skip_rows)
    header = pcsv.read_csv(path, read_options=read).column_names if columns is None else columns
    return pcsv.read_csv(path, read_options=read,
                         convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in header}))


def registry_people(county: Path) -> pa.Table:
    """As the registry import leaves the people: ID numbers normalised, birth date from a valid one."""
    reg = read_strings(county / "registry.csv", "utf-8-sig", skip_rows=1)
    ids = F.normalise_id_numbers(reg["证件号码"])
    return pa.table({
        "person_id": pc.cast(reg["人编号"], pa.int64()),
        "id_number": ids,
        "name": pc.utf8_trim_whitespace(reg["姓名"]),
        "sex": reg["性别"],
        "birth_date": check_id_numbers(ids, AS_OF)["birth_date"],
        "town": reg["乡镇"],
        "village": reg["行政村"],
    })


def dataset_records(county: Path, kind: str) -> pa.Table:
    t = read_strings(county / f"{kind}.csv", ENCODINGS.get(kind, "utf-8-sig"), columns=COLUMNS[kind])
    columns = {
        "row_number": pa.array(np.arange(2, t.num_rows + 2), pa.int64()),  # as Excel shows it (links.csv)
        "id_number": F.normalise_id_numbers(t[ID_COLUMN[kind]]),
        "name": t["姓名"],
    }
    if "出生日期" in t.column_names:
        dates = pc.replace_substring_regex(t["出生日期"], r"[/.]", "-")
        columns["birth_date"] = pc.cast(pc.strptime(dates, "%Y-%m-%d", "s", error_is_null=True), pa.date32())
    if "性别" in t.column_names:
        columns["sex"] = t["性别"]
    if "户籍地址" in t.column_names:
        columns["address"] = t["户籍地址"]
    return pa.table(columns)


def add_typos(records: pa.Table, holder: dict[str, int], taken: set[str], rng) -> tuple[pa.Table, dict[int, int]]:
    """Mistype (or blank) the ID numbers of ADDED_SHARE of the records a single registry person
    holds; return the records and {row_number: person_id} of the changed ones."""
    ids = records["id_number"].to_pylist()
    rows = records["row_number"].to_pylist()
    candidates = [i for i, v in enumerate(ids) if v in holder]
    chosen = rng.choice(candidates, size=round(ADDED_SHARE * len(candidates)), replace=False) if candidates else []
    has_birth = "birth_date" in records.column_names
    truth = {}
    for n, i in enumerate(sorted(int(c) for c in chosen)):
        error = "missing" if has_birth and n % 3 == 2 else ("typo_digit" if n % 2 else "typo_swap")
        while True:
            typo = make_typo(ids[i], error, rng)
            if typo == "" or typo not in taken:
                break
        truth[rows[i]] = holder[ids[i]]
        ids[i] = typo or None
    return records.set_column(records.column_names.index("id_number"), "id_number", pa.array(ids, pa.string())), truth


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("linkage") / "county"
    generate(out, SynthConfig(households=2000, seed=7, as_of=AS_OF))
    return out


def test_linkage_on_synthetic_county(county):
    people = registry_people(county)
    person_ids = people["person_id"].to_pylist()
    holders: dict[str, list[int]] = {}
    for pid, number in zip(person_ids, people["id_number"].to_pylist()):
        if number:
            holders.setdefault(number, []).append(pid)
    single = {number: pids[0] for number, pids in holders.items() if len(pids) == 1}
    name_of = dict(zip(person_ids, pc.utf8_trim_whitespace(people["name"]).to_pylist()))
    links_csv = list(csv.DictReader((county / "links.csv").open(encoding="utf-8")))
    decoys = list(csv.DictReader((county / "decoys.csv").open(encoding="utf-8")))
    truth_rows = list(csv.DictReader((county / "ground_truth.csv").open(encoding="utf-8")))
    rng = np.random.default_rng(11)

    cases = found = found_or_review = linked = correct = exact_links = 0
    for kind in KINDS:
        records = dataset_records(county, kind)
        truth = {int(r["row_number"]): int(r["person_no"]) for r in links_csv if r["dataset"] == kind}
        records, added = add_typos(records, single, set(holders), rng)
        truth.update(added)
        result = link(people, records)
        rows = result.links.to_pylist()
        by_record = {}
        for row in rows:
            by_record.setdefault(row["row_number"], []).append(row)
        recorded_id = dict(zip(records["row_number"].to_pylist(), records["id_number"].to_pylist()))
        recorded_name = dict(zip(records["row_number"].to_pylist(),
                                 F.normalise_names(records["name"]).to_pylist()))

        # Exact: the number (and for a shared number, the name) is the person's.
        exact = [r for r in rows if r["link"] == "exact"]
        exact_links += len(exact)
        for r in exact:
            number = recorded_id[r["row_number"]]
            assert r["person_id"] in holders[number], (kind, r)
            if len(holders[number]) > 1:
                assert name_of[r["person_id"]] == recorded_name[r["row_number"]], (kind, r)
        exact_pairs = {(r["row_number"], r["person_id"]) for r in exact}
        assert all(number not in single or (row, single[number]) in exact_pairs
                   for row, number in recorded_id.items()), kind
        exact_people = {r["person_id"] for r in exact}
        for t in truth_rows:
            if t["dataset"] == kind and t["link"] == "exact" and t["target_type"] == "person":
                # (unless this test mistyped that record's number: then it is a probabilistic case)
                assert int(t["target"]) in exact_people or int(t["target"]) in added.values(), (kind, t)

        # Probabilistic.
        for row_number, person in truth.items():
            cases += 1
            got = by_record.get(row_number, [])
            found += any(g["link"] == "probabilistic" and g["person_id"] == person for g in got)
            found_or_review += any(g["person_id"] == person for g in got)
        for r in rows:
            if r["link"] == "probabilistic":
                linked += 1
                correct += truth.get(r["row_number"]) == r["person_id"]

        for d in decoys:
            if d["dataset"] == kind:
                assert int(d["row_number"]) not in by_record, (kind, d, by_record[int(d["row_number"])])
        print(kind, result.counts, result.model["training"].get("m"))

    recall, precision = found / cases, correct / max(1, linked)
    print(f"exact links {exact_links}; probabilistic cases {cases} ({len(links_csv)} from links.csv): "
          f"linked {found} (recall {recall:.3f}; {found_or_review} with review), "
          f"{linked} probabilistic links, {correct} right (precision {precision:.3f}); decoys {len(decoys)}, none flagged")
    assert cases >= 100
    assert recall >= 0.95
    assert precision >= 0.99


def test_model_is_json_and_reusable(county):
    """The trained model survives JSON and links the next load the same way without training."""
    import json

    people = registry_people(county)
    records = dataset_records(county, "dibao")
    first = link(people, records)
    model = json.loads(json.dumps(first.model))
    again = link(people, records, model=model)
    assert again.model["training"] == {"reused": True}
    assert again.links.equals(first.links)
