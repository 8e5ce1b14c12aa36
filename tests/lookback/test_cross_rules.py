"""The cross-comparison rules (department datasets): their tables' schemas equal the datasets app's,
a run without dataset tables skips them (and runs every registry rule as before), optional dataset
inputs become empty tables, and every case of every dataset rule holds on Spark run one by one."""

import pyarrow as pa
import pytest

from huitoukan.lookback.catalog import DATASET_TABLES, RuleFileError, load_rule_file, load_rules
from huitoukan.lookback.engine import prepare, run_rules
from huitoukan.lookback.engine.core import runnable_rules
from huitoukan.lookback.engine.schema import DATASET_SCHEMAS
from huitoukan.lookback.engine.testing import AS_OF, RuleTest, flagged_targets, parameters_of, snapshot_of

RULES = load_rules()
CROSS = ("DECEASED_UNMARKED", "EXCL_PAYROLL", "EXCL_BUSINESS", "EXCL_PROPERTY", "EXCL_CAR", "DIBAO_MISMATCH",
         "RISK_MEDICAL_COST")
DATASET_RULES = [r for r in RULES if set(r.inputs) & set(DATASET_TABLES)]


def test_dataset_schemas_equal_the_datasets_app():
    """The engine imports no Django, so it declares the tables itself; they must not drift."""
    from huitoukan.datasets.kinds import KINDS, table_schema

    assert tuple(DATASET_SCHEMAS) == DATASET_TABLES == tuple(KINDS)
    for kind, schema in DATASET_SCHEMAS.items():
        expected = [(f.name, f.type) for f in table_schema(kind)]
        expected += [("load_id", pa.int64()), ("person_id", pa.int64()), ("link", pa.string())]
        assert [(f.name, f.type) for f in schema] == expected, kind


def test_every_cross_rule_reads_its_dataset_and_names_load_row_and_link():
    by_code = {r.code: r for r in RULES}
    for code in CROSS:
        rule = by_code[code]
        assert set(rule.inputs) & set(DATASET_TABLES), code
        for case in rule.tests:
            for finding in _findings(rule, case):
                assert {"load_id", "row_number", "link"} <= set(finding), (code, finding)


def _findings(rule, case):
    import json

    from huitoukan.lookback.engine.testing import case_findings

    return [json.loads(v) for v in case_findings(rule, case)["values"].to_pylist()]


def test_a_run_without_dataset_tables_skips_the_dataset_rules_and_runs_the_others():
    case = RuleTest(name="registry only", tables={"person": [{"relation": "head", "medical_insured": False}]},
                    flagged=(), not_flagged=())
    registry = {k: v for k, v in snapshot_of(case).items() if k in ("household", "person", "region")}
    tables = prepare(registry, AS_OF)
    result = run_rules(tables, RULES, parameters_of(case))
    assert set(result.skipped) == {r.code for r in DATASET_RULES}
    assert result.skipped["EXCL_CAR"] == ("vehicle",)
    assert {s.code for s in result.stats} == {r.code for r in RULES} - set(result.skipped)
    # The registry rules run as before.
    assert result.findings.filter(pa.compute.equal(result.findings["code"], "GUARANTEE_MEDICAL")).num_rows == 1


def test_runnable_rules_names_the_missing_tables():
    runnable, skipped = runnable_rules(RULES, {"household", "person", "region", "death"})
    assert "DECEASED_UNMARKED" in {r.code for r in runnable}
    assert skipped["DIBAO_MISMATCH"] == ("dibao",)


def test_a_rule_reading_an_unknown_table_is_refused(tmp_path):
    from pathlib import Path

    body = Path(load_rules(codes=["EXCL_CAR"])[0].path).read_text(encoding="utf-8").replace(
        "FROM vehicle v", "FROM vehicles v")
    path = tmp_path / "EXCL_CAR.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(RuleFileError, match="unknown tables: vehicles"):
        load_rule_file(path)
    path.write_text(body.replace("FROM vehicles v", "FROM vehicle v").replace(
        "parameters: []", "parameters: []\noptional_inputs: [household]"), encoding="utf-8")
    with pytest.raises(RuleFileError, match="optional_inputs must be dataset tables"):
        load_rule_file(path)


SPARK_CASES = [pytest.param(r, c, id=f"{r.code}::{c.name}") for r in DATASET_RULES for c in r.tests]


@pytest.mark.spark
@pytest.mark.parametrize("rule,case", SPARK_CASES)
def test_dataset_rule_case_on_spark_alone(rule, case):
    spark = flagged_targets(rule, case, engine="spark")
    assert spark == flagged_targets(rule, case, engine="duckdb")
    assert set(case.flagged) <= spark and not set(case.not_flagged) & spark
