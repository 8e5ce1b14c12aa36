"""The ground truth is exactly what the rules flag: an independent pandas checker (checker.py) runs
the rules over the written files and must find the same (code, target) pairs, no more, no fewer."""

import datetime
from collections import Counter

import pandas as pd
import pytest
from stdnum.cn import ric

from . import checker

REGISTRY_CODES = [
    "ID_INVALID", "ID_DUPLICATE", "ID_SEX_MISMATCH", "HEAD_MISSING", "HEAD_MULTIPLE", "SPOUSE_SAME_SEX",
    "RELATION_AGE", "SIZE_MISMATCH", "NO_HELPER", "CAUSE_MISSING", "INCOME_INCONSISTENT", "GUARANTEE_EDUCATION",
    "GUARANTEE_MEDICAL", "GUARANTEE_HOUSING", "GUARANTEE_WATER", "EXIT_BELOW_LINE", "EXIT_SAME_YEAR", "BORDERLINE",
]
CROSS_CODES = ["DECEASED_UNMARKED", "EXCL_PAYROLL", "EXCL_BUSINESS", "EXCL_PROPERTY", "EXCL_CAR", "DIBAO_MISMATCH",
               "ENTRY_MISSED", "RISK_MEDICAL_COST"]


def truth(outdir) -> pd.DataFrame:
    return pd.read_csv(outdir / "ground_truth.csv", dtype=str, keep_default_na=False)


def links(outdir) -> pd.DataFrame:
    df = pd.read_csv(outdir / "links.csv", dtype=str, keep_default_na=False)
    df["row_number"] = df["row_number"].astype(int)
    return df


def pairs(df: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(df["code"], df["target"]))


def resolve_map(outdir) -> dict:
    """(dataset, row) → the registry member's ID, as a linkage model would attach the record."""
    return {(row.dataset, row.row_number): row.true_id_number for row in links(outdir).itertuples()}


@pytest.mark.parametrize("households,seed,options", [
    (300, 1, {}), (300, 2, {}), (2000, 7, {}),
    # mid-year: ages in full years differ from year differences
    (600, 11, {"as_of": datetime.date(2019, 6, 30)}),
])
def test_ground_truth_equals_the_reference_checker(county_factory, households, seed, options):
    outdir = county_factory(households, seed, **options)
    gt = truth(outdir)
    assert not gt.duplicated(["code", "target"]).any()
    exact_gt = gt[gt["link"] != "probabilistic"]
    probabilistic_gt = gt[gt["link"] == "probabilistic"]
    link_rows = links(outdir)
    typo_ids = set(link_rows["recorded_id_number"]) - {""}

    # Exact ID matching finds every finding except those only a linkage model can see; it wrongly
    # takes the mistyped records for people outside the registry (ENTRY_MISSED), nothing else.
    exact = checker.findings(outdir)
    spurious = {(code, target) for code, target in exact if code == "ENTRY_MISSED" and target in typo_ids}
    assert exact - spurious == pairs(exact_gt), _diff(exact - spurious, pairs(exact_gt))

    # With the linkage resolved (links.csv as the oracle), the rules find exactly the ground truth.
    resolved = checker.findings(outdir, resolve_map(outdir))
    assert resolved == pairs(gt), _diff(resolved, pairs(gt))

    # The probabilistic rows are exactly those whose record's ID matches no registry ID exactly.
    county = checker.load(outdir)
    registry_ids = set(county.registry["id"])
    assert len(link_rows) == len(probabilistic_gt)
    for row in link_rows.itertuples():
        record = county.datasets[row.dataset].set_index("row_number").loc[row.row_number]
        assert record["id"] == row.recorded_id_number
        assert record["id"] not in registry_ids
        assert checker.text(record["姓名"]) == row.name
        if "出生日期" in record:
            assert str(checker.date(record["出生日期"])) == row.birth_date
        target = row.household_no if row.code == "DIBAO_MISMATCH" else row.person_no
        assert ((probabilistic_gt["code"] == row.code) & (probabilistic_gt["target"] == target)
                & (probabilistic_gt["dataset"] == row.dataset)).sum() == 1
    for row in gt[gt["link"] == "exact"].itertuples():
        assert row.dataset, row


def _diff(found: set, expected: set) -> str:
    extra = sorted(found - expected)[:20]
    missing = sorted(expected - found)[:20]
    return f"flagged but not in ground truth: {extra}\nin ground truth but not flagged: {missing}"


def test_every_code_is_injected_at_least_twice(small):
    counts = Counter(truth(small)["code"])
    for code in REGISTRY_CODES + CROSS_CODES:
        assert counts[code] >= 2, code


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_every_code_at_least_twice_for_other_seeds(county_factory, seed):
    counts = Counter(truth(county_factory(300, seed))["code"])
    assert all(counts[code] >= 2 for code in REGISTRY_CODES + CROSS_CODES), counts


def test_variants_are_all_present(county_factory):
    gt = truth(county_factory(2000, 7))
    notes = gt.groupby("code")["note"].apply(list)
    invalid = " ".join(notes["ID_INVALID"])
    for kind in ("校验码", "出生日期", "17位", "19位", "非数字"):
        assert kind in invalid
    assert any("同户" in n for n in notes["ID_DUPLICATE"]) and any("外户" in n for n in notes["ID_DUPLICATE"])
    education = gt[gt["code"] == "GUARANTEE_EDUCATION"]
    assert set(zip(education["dataset"], education["link"])) == {("", ""), ("school", ""), ("school", "exact")}
    medical = gt[gt["code"] == "GUARANTEE_MEDICAL"]
    assert set(zip(medical["dataset"], medical["link"])) == {("", ""), ("medical_insurance", ""),
                                                             ("medical_insurance", "exact")}
    dibao = gt[gt["code"] == "DIBAO_MISMATCH"]
    assert "" in set(dibao["link"]) and "exact" in set(dibao["link"])  # both directions
    assert set(gt.loc[gt["code"] == "ENTRY_MISSED", "dataset"]) == {"dibao", "disability", "medical_cost"}
    assert (gt["link"] == "probabilistic").sum() >= 3
    assert set(links(county_factory(2000, 7))["error"]) == {"typo_digit", "typo_swap", "missing"}


def test_edges_of_the_income_bands_are_exercised(small):
    county = checker.load(small)
    households = county.registry.groupby("household_no").first()
    lifted = households[households["status"] == "已脱贫"]["per_capita"]
    values = set(lifted)
    from decimal import Decimal

    assert Decimal("4000.00") in values  # BORDERLINE, not EXIT_BELOW_LINE
    assert Decimal("3999.99") in values  # EXIT_BELOW_LINE
    assert Decimal("6000.00") in values  # neither
    gt = truth(small)
    at_upper = lifted[lifted == Decimal("6000.00")].index
    assert not set(at_upper) & set(gt["target"])


def test_decoys_share_a_name_but_nothing_else(county_factory):
    outdir = county_factory(2000, 7)
    county = checker.load(outdir)
    decoys = pd.read_csv(outdir / "decoys.csv", dtype=str, keep_default_na=False)
    assert len(decoys) >= 2
    registry = county.registry.set_index("person_no")
    gt_targets = set(truth(outdir)["target"])
    for row in decoys.itertuples():
        record = county.datasets[row.dataset].set_index("row_number").loc[int(row.row_number)]
        assert record["id"] == row.id_number and ric.is_valid(row.id_number)
        namesake = registry.loc[row.namesake_person_no]
        assert checker.text(record["姓名"]) == namesake["name"]
        assert row.birth_date != row.namesake_birth_date
        assert row.id_number not in set(county.registry["id"])
        assert row.namesake_person_no not in gt_targets
        assert row.namesake_household_no not in gt_targets


@pytest.mark.parametrize("households,seed", [(300, 1), (2000, 7)])
def test_other_readings_of_the_rules_agree(county_factory, households, seed):
    """Where §3 leaves room (sex digit of an invalid number, age gaps by birth date, several heads,
    monitored households that exited), the data give the same findings either way."""
    county = checker.load(county_factory(households, seed))
    assert checker.registry_findings(county) == checker.registry_findings(county, other_reading=True)
