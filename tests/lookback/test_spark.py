"""Every test case of every rule file on Spark: the same targets as the case expects and as DuckDB
flags. Plus the Spark backend itself: Arrow types in and out, empty tables, all-null columns, views
that belong to one backend only. One SparkSession for the whole run (spark_backend starts it once)."""

import datetime as dt
import warnings
from decimal import Decimal

import pyarrow as pa
import pytest
import sqlglot
from sqlglot import exp

from huitoukan.lookback.catalog import load_rules
from huitoukan.lookback.engine import prepare, run_rules
from huitoukan.lookback.engine.residents import resident_keys
from huitoukan.lookback.engine.schema import MONEY, SNAPSHOT_SCHEMAS
from huitoukan.lookback.engine.spark_backend import (
    DEFAULT_MASTER,
    MASTER_ENV,
    SparkBackend,
    SparkUnavailable,
    check_java,
    master,
)
from huitoukan.lookback.engine.sqltext import bind
from huitoukan.lookback.engine.testing import (
    AS_OF,
    POLICY_DEFAULTS,
    RuleTestError,
    flagged_targets,
    parameters_of,
    resident_names,
    snapshot_of,
)

pytestmark = pytest.mark.spark

RULES = load_rules()
CASES = [pytest.param(rule, case, id=f"{rule.code}::{case.name}") for rule in RULES for case in rule.tests]


@pytest.fixture(scope="module")
def on_spark() -> dict:
    """Every case of every rule file on Spark in one query (one query per case would cost ~0.5 s
    each): {(code, case name): flagged targets}. A case missing here runs on its own."""
    cases = []
    for rule in RULES:
        for case in rule.tests:
            as_of = case.as_of or AS_OF
            try:
                tables = prepare(snapshot_of(case, as_of), as_of)
            except RuleTestError:
                continue  # test_rule_files.py reports the broken case; run alone it fails here too
            cases.append((rule, case, tables, parameters_of(case, as_of)))
    try:
        return run_batched(cases)
    except Exception as exc:  # noqa: BLE001 - each case then runs alone and names the failing SQL
        warnings.warn(f"the batched Spark query failed, every case runs alone: {exc}", stacklevel=1)
        return {}


@pytest.mark.parametrize("rule,case", CASES)
def test_rule_case_on_spark(rule, case, on_spark):
    spark = on_spark.get((rule.code, rule.tests.index(case)))
    if spark is None:
        spark = flagged_targets(rule, case, engine="spark")
    duckdb = flagged_targets(rule, case, engine="duckdb")
    assert spark == duckdb
    assert set(case.flagged) <= spark
    assert not set(case.not_flagged) & spark


def run_batched(cases) -> dict:
    """All cases' tables as one table per name with a `_case` column; each case's SQL reads its
    own rows through a sub-query under the table's name; one UNION ALL returns every case's keys."""
    names = sorted({name for *_, tables, _ in cases for name in tables})
    combined = {}
    for name in names:
        parts = [tables[name].append_column("_case", pa.array([i] * tables[name].num_rows, pa.int32()))
                 for i, (*_, tables, _) in enumerate(cases) if name in tables]
        combined[name] = pa.concat_tables(parts, promote_options="permissive")
    backend = SparkBackend()
    # A few rows per case: one partition per shuffle instead of four (a third less time).
    backend.spark.conf.set("spark.sql.shuffle.partitions", "1")
    try:
        backend.register({f"all_{name}": table for name, table in combined.items()})
        selects = []
        for i, (rule, _, tables, parameters) in enumerate(cases):
            tree = sqlglot.parse_one(bind(rule.sql, parameters, "spark"), read="spark")
            ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
            for table in list(tree.find_all(exp.Table)):
                if table.name in tables and table.name not in ctes:
                    own_rows = f"SELECT * FROM all_{table.name} WHERE _case = {i}"
                    rows = sqlglot.parse_one(own_rows, read="spark")
                    alias = exp.TableAlias(this=exp.to_identifier(table.alias_or_name))
                    table.replace(exp.Subquery(this=rows, alias=alias))
            key = rule.key_column
            selects.append(f"SELECT {i} AS _case, CAST({key} AS STRING) AS _key"
                           f" FROM ({tree.sql('spark')}) AS _rule WHERE {key} IS NOT NULL")
        found = backend.query(" UNION ALL ".join(selects)).to_pylist()
    finally:
        backend.close()
    keys = {i: set() for i in range(len(cases))}
    for row in found:
        keys[row["_case"]].add(row["_key"])
    return {(rule.code, rule.tests.index(case)): _target_keys(rule, tables, keys[i], case)
            for i, (rule, case, tables, _) in enumerate(cases)}


def _target_keys(rule, tables, ids: set[str], case=None) -> set[str]:
    if rule.target == "village":
        return ids
    if rule.target == "resident":  # ID numbers → the engine's keys (valid numbers only) → the case's names
        found = set(resident_keys(pa.array(sorted(ids), pa.string()), case.as_of or AS_OF).to_pylist()) - {None}
        return {name for name, key in resident_names(case).items() if key in found}
    table, id_column, key_column = (("person", "person_id", "person_key") if rule.target == "person"
                                    else ("household", "household_id", "household_no"))
    lookup = dict(zip(map(str, tables[table][id_column].to_pylist()), tables[table][key_column].to_pylist(),
                      strict=True))
    return {lookup[i] for i in ids if i in lookup}


def test_a_table_that_starts_with_empty_chunks():
    rows = pa.table({"id": pa.array([1, 2], pa.int64())})
    chunked = pa.concat_tables([rows.slice(0, 0)] * 3 + [rows])  # one empty chunk was not enough to lose rows
    assert chunked.column("id").num_chunks == 4
    backend = SparkBackend()
    try:
        backend.register({"t": chunked})
        back = backend.query("SELECT id FROM t ORDER BY id")
    finally:
        backend.close()
    assert back.column("id").to_pylist() == [1, 2]


def test_arrow_types_survive_the_round_trip():
    table = pa.table({
        "money": pa.array([Decimal("1234.50"), None, Decimal("-0.01")], MONEY),
        "day": pa.array([dt.date(2020, 2, 29), None, dt.date(1949, 10, 1)], pa.date32()),
        "small": pa.array([1, None, -7], pa.int32()),
        "big": pa.array([2**40, None, 0], pa.int64()),
        "flag": pa.array([True, None, False], pa.bool_()),
        "text": pa.array(["张三", None, ""], pa.string()),
        "nothing": pa.array([None, None, None], pa.string()),
    })
    backend = SparkBackend()
    try:
        backend.register({"t": table})
        back = backend.query("SELECT * FROM t")
    finally:
        backend.close()
    assert back.schema == table.schema
    assert back.sort_by("big").to_pylist() == table.sort_by("big").to_pylist()


def test_empty_tables_and_arrow_null_columns():
    """A county without hamlets, a test case without regions: no rows, or a column of nothing."""
    empty = {name: schema.empty_table() for name, schema in SNAPSHOT_SCHEMAS.items()}
    untyped = pa.table({"household_id": pa.array([1, 2], pa.int64()), "hamlet_code": pa.nulls(2)})
    backend = SparkBackend()
    try:
        backend.register({**empty, "untyped": untyped})
        counted = backend.query("SELECT COUNT(*) AS n, MAX(per_capita_income) AS top FROM household")
        people = backend.query("SELECT person_id, name FROM person")
        nulls = backend.query("SELECT household_id FROM untyped WHERE hamlet_code IS NULL")
    finally:
        backend.close()
    assert counted.to_pylist() == [{"n": 0, "top": None}]
    assert people.num_rows == 0 and people.schema.names == ["person_id", "name"]
    assert people.schema.field("person_id").type == pa.int64()
    assert sorted(nulls["household_id"].to_pylist()) == [1, 2]


def test_run_rules_on_empty_snapshot_finds_nothing():
    empty = {name: schema.empty_table() for name, schema in SNAPSHOT_SCHEMAS.items()}
    tables = prepare(empty, dt.date(2020, 12, 31))
    parameters = {**POLICY_DEFAULTS, "as_of": dt.date(2020, 12, 31), "year": 2020}
    result = run_rules(tables, RULES, parameters, engine="spark")
    assert result.findings.num_rows == 0
    registry_only = [r.code for r in RULES if set(r.inputs) <= set(SNAPSHOT_SCHEMAS)]
    assert [s.code for s in result.stats] == registry_only  # dataset rules: no dataset, skipped
    assert set(result.skipped) == {r.code for r in RULES} - set(registry_only)


def test_views_belong_to_one_backend_and_close_drops_them():
    first, second = SparkBackend(), SparkBackend()
    try:
        first.register({"t": pa.table({"x": [1, 2]})})
        second.register({"t": pa.table({"x": [10]})})
        assert first.query("SELECT SUM(x) AS s FROM t").to_pylist() == [{"s": 3}]
        assert second.query("SELECT SUM(x) AS s FROM t").to_pylist() == [{"s": 10}]
        first.close()
        with pytest.raises(Exception, match="TABLE_OR_VIEW_NOT_FOUND"):
            first.query("SELECT * FROM t")
        assert second.query("SELECT x FROM t").to_pylist() == [{"x": 10}]
    finally:
        first.close()
        second.close()


def test_without_java_the_error_says_what_to_install(monkeypatch, tmp_path):
    check_java()  # this machine has one
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(SparkUnavailable, match="bootstrap.sh --spark"):
        check_java()


def test_master_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(MASTER_ENV, raising=False)
    assert master() == DEFAULT_MASTER == "local[2]"
    monkeypatch.setenv(MASTER_ENV, "spark://cluster.example:7077")
    assert master() == "spark://cluster.example:7077"
