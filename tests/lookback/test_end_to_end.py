"""A synthetic county end to end: generated files → registry import → policy profile → look-back run
→ problems. The problems of every registry-only rule must be exactly the generator's ground truth
(recall and precision 1.0); the department-dataset findings of GUARANTEE_EDUCATION and
GUARANTEE_MEDICAL are left out, since this run loads no datasets."""

import csv
import datetime as dt
import json
from collections import defaultdict

import pytest
from django.db.models import Sum

from huitoukan.lookback.models import Baseline, Run
from huitoukan.lookback.service import run_lookback
from huitoukan.policy.loading import load_policy_file
from huitoukan.rectification.models import Problem
from huitoukan.registry.importing.service import import_registry
from huitoukan.synth.truth import REGISTRY_CODES

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HOUSEHOLDS = 800


def _truth(outdir) -> dict[str, set[str]]:
    expected = defaultdict(set)
    with open(outdir / "ground_truth.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["code"] in REGISTRY_CODES and not row["dataset"]:
                expected[row["code"]].add(row["target"])
    return expected


def _found() -> dict[str, set[str]]:
    """Person problems by person number, household problems by household number (the truth's terms)."""
    found = defaultdict(set)
    for problem in Problem.objects.select_related("person", "household"):
        if problem.target_type == "person":
            found[problem.code].add(problem.person.person_no)
        else:
            found[problem.code].add(problem.target_key)
    return found


def test_a_synthetic_countys_problems_are_its_ground_truth(county_factory):
    outdir = county_factory(HOUSEHOLDS, 1)
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    report = import_registry(outdir / "registry.csv")
    assert not report.errors, report.errors[:5]
    load_policy_file(outdir / "policy.yaml")

    run = run_lookback(as_of=dt.date.fromisoformat(manifest["as_of"]), rule_codes=REGISTRY_CODES)

    assert run.state == Run.State.DONE, run.error
    assert (run.households, run.people) == (manifest["households"], manifest["people"])
    expected, found = _truth(outdir), _found()
    for code in REGISTRY_CODES:
        missed, extra = expected[code] - found[code], found[code] - expected[code]
        assert not missed and not extra, f"{code}: missed {sorted(missed)[:5]}, extra {sorted(extra)[:5]}"
    assert run.findings_count == run.new_problems == sum(len(v) for v in expected.values())
    assert run.counts_by_rule == {code: len(expected[code]) for code in REGISTRY_CODES}

    totals = Baseline.objects.filter(run=run).aggregate(households=Sum("households"), people=Sum("people"))
    assert totals == {"households": manifest["households"], "people": manifest["people_living"]}

    again = run_lookback(as_of=run.as_of, rule_codes=REGISTRY_CODES)
    assert (again.new_problems, again.no_longer_found, again.findings_count) == (0, 0, run.findings_count)
    assert again.snapshot_fingerprint == run.snapshot_fingerprint
