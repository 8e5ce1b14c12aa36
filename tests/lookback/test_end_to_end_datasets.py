"""A synthetic county with its department datasets, end to end: registry import → every dataset
loaded → linked → look-back → problems. The cross-comparison problems must be the generator's ground
truth: every finding whose record carries the person's ID number (an exact link) is found, nothing
is found that the truth does not hold (so no same-name decoy is flagged), and the findings whose
record's ID number was mistyped or left out are found through the probabilistic linkage."""

import csv
import datetime as dt
import json
import re
from collections import defaultdict

import pytest

from huitoukan.accounts import pseudonyms
from huitoukan.datasets.kinds import KINDS
from huitoukan.datasets.loading.service import load_dataset
from huitoukan.lookback.engine.residents import resident_key
from huitoukan.lookback.models import Run
from huitoukan.lookback.service import available_rules, run_lookback
from huitoukan.policy.loading import load_policy_file
from huitoukan.rectification.models import Problem
from huitoukan.registry.importing.service import import_registry

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HOUSEHOLDS = 1500
SEED = 3
#: Rules with a registry form and a dataset form under one code.
_REGISTRY_FORM = {"GUARANTEE_EDUCATION", "GUARANTEE_MEDICAL"}


def _cross_codes() -> list[str]:
    """The rule files that read a department dataset, as built so far: those that need one, and the
    registry rules a loaded dataset adds evidence to (`optional_inputs`, the 两不愁三保障 forms)."""
    return sorted(r.code for r in available_rules()
                  if set(r.inputs) - {"person", "household", "region"} or r.optional_inputs)


def _truth(outdir, codes) -> dict[str, dict[str, set[str]]]:
    """{code: {link kind: targets}} of the ground truth's dataset findings, and for a rule with a
    registry form too (GUARANTEE_EDUCATION, GUARANTEE_MEDICAL) its registry findings under link ''
    (a loaded dataset must not lose what the registry alone finds)."""
    expected = defaultdict(lambda: defaultdict(set))
    with open(outdir / "ground_truth.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["code"] in codes and (row["dataset"] or row["code"] in _REGISTRY_FORM):
                # A person outside the registry is the record's ID number in the truth, its hash in the
                # ledger (never the number itself).
                target = resident_key(row["target"], pseudonyms.key()) if row["code"] == "ENTRY_MISSED" else row["target"]
                expected[row["code"]][row["link"]].add(target)
    return expected


def _found(codes) -> dict[str, set[str]]:
    found = defaultdict(set)
    for problem in Problem.objects.filter(code__in=codes).select_related("person"):
        found[problem.code].add(problem.person.person_no if problem.target_type == "person" else problem.target_key)
        if problem.target_type == "resident":  # no household, no person: placed by the address only
            assert problem.household_id is None and problem.person_id is None and problem.county_id is not None
    return found


def test_the_cross_comparison_problems_are_the_ground_truth(county_factory):
    outdir = county_factory(HOUSEHOLDS, SEED)
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    assert not import_registry(outdir / "registry.csv").errors
    load_policy_file(outdir / "policy.yaml")
    as_of = dt.date.fromisoformat(manifest["as_of"])
    for kind in KINDS:
        report = load_dataset(outdir / f"{kind}.csv", kind, as_of=as_of)
        assert not report.errors, (kind, report.errors[:3])

    codes = _cross_codes()
    assert {"DECEASED_UNMARKED", "EXCL_CAR", "EXCL_PAYROLL", "ENTRY_MISSED", *_REGISTRY_FORM} <= set(codes)
    run = run_lookback(as_of=as_of, rule_codes=codes)

    assert run.state == Run.State.DONE, run.error
    assert not run.skipped_rules and set(run.rule_versions) == set(codes)
    assert {kind for kind in run.datasets} >= {"death", "vehicle", "payroll"}
    expected, found = _truth(outdir, codes), _found(codes)
    probabilistic_expected = probabilistic_found = 0
    for code in codes:
        truth = expected[code]
        everything = set().union(*truth.values()) if truth else set()
        # exact links, and findings that need no link (a dibao household with nobody on the list)
        missed = (truth["exact"] | truth[""]) - found[code]
        extra = found[code] - everything
        assert not missed, f"{code}: exact findings missed {sorted(missed)[:5]}"
        assert not extra, f"{code}: found what the truth does not hold {sorted(extra)[:5]}"
        probabilistic_expected += len(truth["probabilistic"])
        probabilistic_found += len(truth["probabilistic"] & found[code])
    assert sum(len(v) for v in found.values()) >= 20, "a county's worth of findings, not a vacuous pass"
    assert probabilistic_expected >= 3, "the generator mistyped or left out some records' ID numbers"
    assert probabilistic_found / probabilistic_expected >= 0.95, (probabilistic_found, probabilistic_expected)

    # People outside the registry (应纳未纳): exactly the truth's, each placed in the town and village
    # its address names (the generator writes both, when a file has addresses), else in the county;
    # and no ID number in what the ledger keeps.
    entry = list(Problem.objects.filter(code="ENTRY_MISSED"))
    truth_entry = set().union(*expected["ENTRY_MISSED"].values())
    assert len(truth_entry) >= 3 and {p.target_key for p in entry} == truth_entry
    addressed = [p for p in entry if p.values["address"]]
    assert addressed and all(p.town_id is not None and p.village_id is not None for p in addressed)
    assert all(p.town_id is None and p.county_id is not None for p in entry if not p.values["address"])
    assert all(p.values["load_id"] is not None and p.values["row_number"] is not None for p in entry)
    assert not any(re.search(r"\d{17}[\dX]", p.description + json.dumps(p.values)) for p in entry)

    # Every dataset finding names the load, the record's row and how it was linked.
    problem = Problem.objects.filter(code="DECEASED_UNMARKED").first()
    assert problem is not None
    assert {"load_id", "row_number", "link"} <= set(problem.values)
    assert problem.values["link"] in ("exact", "probabilistic", "reviewed")
    # A rule with both forms says which found it: the registry, or the dataset's load (and row, when
    # a record says not in school / not insured).
    for code, kind in (("GUARANTEE_EDUCATION", "school"), ("GUARANTEE_MEDICAL", "medical_insurance")):
        forms = {p.values["form"]: p.values for p in Problem.objects.filter(code=code)}
        assert set(forms) == {"registry", kind}, (code, set(forms))
        assert forms["registry"]["load_id"] is None and forms[kind]["load_id"] is not None
        with_row = [p for p in Problem.objects.filter(code=code) if p.values["row_number"] is not None]
        assert with_row and all(p.values["link"] in ("exact", "probabilistic", "reviewed") for p in with_row)
        assert "导入批次" in with_row[0].description and "行" in with_row[0].description

    again = run_lookback(as_of=as_of, rule_codes=codes)
    assert (again.new_problems, again.no_longer_found) == (0, 0)
