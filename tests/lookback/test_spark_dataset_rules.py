"""The dataset rules on both engines (issue 4, item 5): a synthetic county's department datasets
loaded and linked, then every rule that reads a dataset (DECEASED_UNMARKED, EXCL_*, DIBAO_MISMATCH,
RISK_MEDICAL_COST, the dataset forms of GUARANTEE_*, ENTRY_MISSED when it exists) run on DuckDB and
on Spark over the same prepared and linked tables: the same findings, row for row (code, target,
severity, message, values)."""

import datetime as dt
import json
import time
from collections import Counter

import pytest

from huitoukan.datasets.kinds import KINDS
from huitoukan.datasets.linking import current_linked_tables
from huitoukan.datasets.loading.service import load_dataset
from huitoukan.lookback.catalog import DATASET_TABLES
from huitoukan.lookback.engine import prepare, run_rules
from huitoukan.lookback.engine.core import runnable_rules
from huitoukan.lookback.engine.schema import FINDING_SCHEMA
from huitoukan.lookback.service import _policy, available_rules, engine_parameters
from huitoukan.lookback.snapshot import take_snapshot
from huitoukan.policy.loading import load_policy_file
from huitoukan.registry.importing.service import import_registry

pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HOUSEHOLDS = 1500
SEED = 3


def dataset_rules():
    """Every rule that reads a department dataset: needs one, or takes one as added evidence."""
    return [r for r in available_rules() if (set(r.inputs) | set(r.optional_inputs)) & set(DATASET_TABLES)]


def test_the_dataset_rules_find_the_same_on_both_engines(county_factory):
    outdir = county_factory(HOUSEHOLDS, SEED)
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    as_of = dt.date.fromisoformat(manifest["as_of"])
    assert not import_registry(outdir / "registry.csv").errors
    load_policy_file(outdir / "policy.yaml")
    for kind in KINDS:
        report = load_dataset(outdir / f"{kind}.csv", kind, as_of=as_of)
        assert not report.errors, (kind, report.errors[:3])

    snapshot = take_snapshot()
    datasets = current_linked_tables(snapshot=snapshot)
    assert set(datasets) == set(KINDS)
    rules, skipped = runnable_rules(dataset_rules(), {**snapshot.tables, **datasets})
    assert not skipped, skipped
    codes = {r.code for r in rules}
    assert {"DECEASED_UNMARKED", "EXCL_PAYROLL", "EXCL_BUSINESS", "EXCL_PROPERTY", "EXCL_CAR", "DIBAO_MISMATCH",
            "RISK_MEDICAL_COST", "GUARANTEE_EDUCATION", "GUARANTEE_MEDICAL"} <= codes, codes
    tables = {**prepare(snapshot.tables, as_of), **datasets}
    parameters = engine_parameters(_policy(as_of), as_of)

    results, seconds = {}, {}
    for engine in ("duckdb", "spark"):
        started = time.perf_counter()
        results[engine] = run_rules(tables, rules, parameters, engine=engine)
        seconds[engine] = time.perf_counter() - started
    rows = {engine: set(map(tuple, (r.values() for r in result.findings.to_pylist())))
            for engine, result in results.items()}
    counts = Counter(code for code, *_ in rows["duckdb"])
    print(f"\n{len(rules)} dataset rules, {len(rows['duckdb'])} findings; DuckDB {seconds['duckdb']:.1f} s, "
          f"Spark {seconds['spark']:.1f} s\n" + ", ".join(f"{code} {n}" for code, n in sorted(counts.items())))
    assert results["spark"].findings.schema == FINDING_SCHEMA
    assert rows["spark"] == rows["duckdb"], {
        "only on DuckDB": sorted(rows["duckdb"] - rows["spark"])[:5],
        "only on Spark": sorted(rows["spark"] - rows["duckdb"])[:5],
    }
    assert results["spark"].counts() == results["duckdb"].counts()
    # Not vacuous: every rule finds something in this county, and the findings carry the link kinds.
    assert set(counts) == codes, codes - set(counts)
    links = Counter(json.loads(v).get("link") for v in results["duckdb"].findings["values"].to_pylist())
    assert links["exact"] > 20 and links["probabilistic"] >= 1, links
