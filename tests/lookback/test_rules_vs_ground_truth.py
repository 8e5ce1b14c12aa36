"""On a synthetic county, the rule files find exactly the generator's ground truth for every
registry-only code (recall and precision 1.0), through the engine alone (no Django)."""

import datetime

import pandas as pd
import pytest

from huitoukan.lookback.catalog import load_rules
from huitoukan.lookback.engine import prepare, run_rules
from huitoukan.synth.truth import REGISTRY_CODES

from .synth_tables import as_of, parameters, snapshot_tables

# The forms of these two codes that read department datasets come with issue 4.
DATASET_FORMS = ("GUARANTEE_EDUCATION", "GUARANTEE_MEDICAL")


def expected(outdir) -> set[tuple[str, str]]:
    gt = pd.read_csv(outdir / "ground_truth.csv", dtype=str, keep_default_na=False)
    gt = gt[gt["code"].isin(REGISTRY_CODES) & ~(gt["code"].isin(DATASET_FORMS) & (gt["dataset"] != ""))]
    return set(zip(gt["code"], gt["target"], strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("households,seed,options", [
    (300, 1, {}), (2000, 7, {}),
    # mid-year: ages in full years differ from year differences
    (600, 11, {"as_of": datetime.date(2019, 6, 30)}),
])
def test_registry_rules_equal_the_ground_truth(county_factory, households, seed, options):
    outdir = county_factory(households, seed, **options)
    rules = load_rules()
    assert {r.code for r in rules} >= set(REGISTRY_CODES)
    tables = prepare(snapshot_tables(outdir), as_of(outdir))
    result = run_rules(tables, rules, parameters(outdir))
    found = set(zip(result.findings["code"].to_pylist(), result.findings["target_key"].to_pylist(), strict=True))
    truth = expected(outdir)
    assert found == truth, {"missed": sorted(truth - found), "extra": sorted(found - truth)}
    # Every code is exercised: the comparison above is not vacuous for any rule.
    assert {code for code, _ in truth} == set(REGISTRY_CODES)
