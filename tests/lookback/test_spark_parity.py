"""One rule text, two engines, identical results (ARCHITECTURE.md principle 5).

First a synthetic county through every rule file on DuckDB and on Spark: the same findings, row for
row (code, target, severity, message, values). Then the SQL that sqlglot writes for Spark with the
words kept but the meaning changed, each a small query on both engines; and the spellings that are
still not portable (docs/spark.md), so that the page is corrected when one of them becomes so."""

import datetime as dt
import math
import time
from collections import Counter
from decimal import Decimal

import pyarrow as pa
import pytest

from huitoukan.lookback.catalog import load_rules
from huitoukan.lookback.engine import prepare, run_rules
from huitoukan.lookback.engine.backends import DuckDBBackend
from huitoukan.lookback.engine.core import normalise
from huitoukan.lookback.engine.schema import FINDING_SCHEMA, MONEY
from huitoukan.lookback.engine.spark_backend import SparkBackend
from huitoukan.lookback.engine.sqltext import bind

from .synth_tables import as_of, parameters, snapshot_tables

pytestmark = pytest.mark.spark


@pytest.mark.slow
def test_synthetic_county_has_the_same_findings_on_both_engines(county_factory):
    outdir = county_factory(1000, 5)
    rules = load_rules()
    tables = prepare(snapshot_tables(outdir), as_of(outdir))
    params = parameters(outdir)
    results, seconds = {}, {}
    for engine in ("duckdb", "spark"):
        started = time.perf_counter()
        results[engine] = run_rules(tables, rules, params, engine=engine)
        seconds[engine] = time.perf_counter() - started
    rows = {engine: set(map(tuple, (r.values() for r in result.findings.to_pylist())))
            for engine, result in results.items()}
    counts = Counter(code for code, *_ in rows["duckdb"])
    print(f"\n{tables['person'].num_rows} people, {len(rules)} rules, {len(rows['duckdb'])} findings; "
          f"DuckDB {seconds['duckdb']:.1f} s, Spark {seconds['spark']:.1f} s (with the session's start "
          "if no test before started it)")
    print(", ".join(f"{code} {n}" for code, n in sorted(counts.items())))
    assert results["spark"].findings.schema == FINDING_SCHEMA
    assert rows["spark"] == rows["duckdb"], {
        "only on DuckDB": sorted(rows["duckdb"] - rows["spark"])[:5],
        "only on Spark": sorted(rows["spark"] - rows["duckdb"])[:5],
    }
    assert results["spark"].counts() == results["duckdb"].counts()
    # Not vacuous: most rules find something in a synthetic county.
    assert len(counts) >= len(rules) // 2 and len(rows["duckdb"]) > 100


# --- dialect traps ----------------------------------------------------------------------------------

def _money(*values):
    return pa.array([None if v is None else Decimal(v) for v in values], MONEY)


TRAP_TABLE = pa.table({
    "id": pa.array([1, 2, 3, 4, 5, 6], pa.int64()),
    "n": pa.array([5, None, 0, -7, 2, 0], pa.int32()),
    "m": _money("1015.00", "3.00", None, "-2.50", "0.35", "0.00"),
    "k": _money("3.00", "0.00", "7.00", None, "10.00", "0.00"),
    "d": pa.array([dt.date(2020, 2, 29), dt.date(2019, 12, 31), None, dt.date(2021, 1, 1),
                   dt.date(2020, 1, 31), dt.date(2016, 2, 29)], pa.date32()),
    "b": pa.array([True, False, None, True, None, False]),
    "s": pa.array(["张三", "", None, "ab c", "李四光", " x "]),
})
TRAP_PARAMETERS = {"as_of": dt.date(2021, 2, 28), "line": Decimal(4000), "year": 2021}

#: (name, DuckDB-dialect SQL over t) — every query returns `id` and `v`.
TRAPS = [
    # Arithmetic: DuckDB's `/` is DOUBLE division (±inf, NaN for a zero divisor), Spark's exact decimal.
    ("integer division", "SELECT id, n / 2 AS v FROM t"),
    ("integer // division", "SELECT id, n // 2 AS v FROM t WHERE n <> 0"),
    ("modulo of a negative", "SELECT id, n % 3 AS v FROM t"),
    ("decimal by decimal", "SELECT id, m / k AS v FROM t"),
    ("division by zero", "SELECT id, k / n AS v FROM t"),
    ("zero by zero", "SELECT id, n / n AS v FROM t"),
    ("ratio in a WHERE", "SELECT id, 1 AS v FROM t WHERE abs(m - k) / k > 0.01"),
    ("guarded ratio", "SELECT id, m / nullif(k, 0) AS v FROM t"),
    ("rounded ratio at a half cent", "SELECT id, round(m / 100 + 0.005, 2) AS v FROM t"),
    ("nested division", "SELECT id, m / k / 2 AS v FROM t WHERE k <> 0"),
    ("decimal times decimal", "SELECT id, m * 1.01 AS v FROM t"),
    ("decimal minus integer", "SELECT id, m - n AS v FROM t"),
    ("parameter compared with decimal", "SELECT id, m < :line AS v FROM t"),
    ("parameter divided", "SELECT id, :line / 3 AS v FROM t"),
    ("sum of integers (a HUGEINT on DuckDB)", "SELECT 0 AS id, sum(n) AS v FROM t"),
    ("sum of a CASE", "SELECT 0 AS id, sum(CASE WHEN b THEN 1 ELSE 0 END) AS v FROM t"),
    ("sum of decimals", "SELECT 0 AS id, sum(m) AS v FROM t"),
    ("average of decimals", "SELECT 0 AS id, avg(m) AS v FROM t"),
    ("average of integers", "SELECT 0 AS id, avg(n) AS v FROM t"),
    ("count with FILTER", "SELECT 0 AS id, count(*) FILTER (WHERE b) AS v FROM t"),
    # Dates: date_diff counts boundaries on DuckDB, whole units in Spark's DATEDIFF.
    ("date_diff day", "SELECT id, date_diff('day', d, :as_of) AS v FROM t"),
    ("date_diff week", "SELECT id, date_diff('week', d, :as_of) AS v FROM t"),
    ("date_diff month", "SELECT id, date_diff('month', d, :as_of) AS v FROM t"),
    ("date_diff quarter", "SELECT id, date_diff('quarter', d, :as_of) AS v FROM t"),
    ("date_diff year", "SELECT id, date_diff('year', d, :as_of) AS v FROM t"),
    ("date_diff years (alias)", "SELECT id, date_diff('years', d, :as_of) AS v FROM t"),
    ("datediff month (alias)", "SELECT id, datediff('month', d, :as_of) AS v FROM t"),
    ("minus an interval over 29 February", "SELECT id, d - INTERVAL 1 YEAR AS v FROM t"),
    ("plus days", "SELECT id, d + INTERVAL 30 DAY AS v FROM t"),
    ("plus an integer", "SELECT id, d + 1 AS v FROM t"),
    ("year() and extract", "SELECT id, year(d) * 100 + extract(month FROM d) AS v FROM t"),
    ("date_trunc", "SELECT id, date_trunc('year', d) AS v FROM t"),
    ("strftime", "SELECT id, strftime(d, '%Y-%m') AS v FROM t"),
    ("born 12 years before", "SELECT id, d > :as_of - INTERVAL 12 YEAR AS v FROM t"),
    # Text: characters, not bytes; NULL in concatenation.
    ("length of Chinese", "SELECT id, length(s) AS v FROM t"),
    ("substr of Chinese", "SELECT id, substr(s, 2, 1) AS v FROM t"),
    ("concat skips NULL, takes numbers", "SELECT id, concat(s, '-', n, '-', m) AS v FROM t"),
    ("concat of a boolean and a date", "SELECT id, concat(b, d) AS v FROM t"),
    ("|| with NULL", "SELECT id, s || '-' AS v FROM t"),
    ("|| with a number", "SELECT id, s || n AS v FROM t"),
    ("LIKE with _ on Chinese", "SELECT id, s LIKE '李_光' AS v FROM t"),
    ("regexp_matches", "SELECT id, regexp_matches(s, '^[a-z]') AS v FROM t"),
    ("trim and upper", "SELECT id, upper(trim(s)) AS v FROM t"),
    ("empty text as NULL", "SELECT id, nullif(s, '') IS NULL AS v FROM t"),
    ("string_agg in order", "SELECT 0 AS id, string_agg(s, ',' ORDER BY id) AS v FROM t"),
    ("cast to text", "SELECT id, CAST(m AS VARCHAR) || '/' || CAST(n AS VARCHAR) AS v FROM t"),
    # NULL ordering: last when ascending on DuckDB, first on Spark unless said.
    ("row_number ascending", "SELECT id, row_number() OVER (ORDER BY n, id) AS v FROM t"),
    ("row_number descending", "SELECT id, row_number() OVER (ORDER BY n DESC, id) AS v FROM t"),
    ("ORDER BY … LIMIT", "SELECT id, 1 AS v FROM t ORDER BY d, id LIMIT 3"),
    ("QUALIFY", "SELECT id, n AS v FROM t QUALIFY row_number() OVER (ORDER BY m DESC, id) = 1"),
    ("min and max ignore NULL", "SELECT 0 AS id, max(d) - INTERVAL 1 DAY AS v FROM t"),
    # Booleans and NULL: three-valued logic.
    ("NOT of NULL", "SELECT id, NOT b AS v FROM t"),
    ("WHERE NOT drops NULL", "SELECT id, 1 AS v FROM t WHERE NOT b"),
    ("IS DISTINCT FROM", "SELECT id, b IS DISTINCT FROM true AS v FROM t"),
    ("coalesce of a boolean", "SELECT id, coalesce(b, false) AS v FROM t"),
    ("IN with NULL", "SELECT id, n IN (5, NULL) AS v FROM t"),
    ("NOT IN a list holding NULL", "SELECT id, n NOT IN (5, NULL) AS v FROM t"),
    ("WHERE NOT IN a sub-query, NULL on the left",
     "SELECT id, 1 AS v FROM t WHERE n NOT IN (SELECT n FROM t WHERE id IN (1, 4))"),
    ("WHERE NOT (IN a sub-query)",
     "SELECT id, 1 AS v FROM t WHERE NOT (n IN (SELECT n FROM t WHERE id IN (1, 4)))"),
    ("bool_and", "SELECT 0 AS id, bool_and(b) AS v FROM t"),
    ("EXISTS", "SELECT id, 1 AS v FROM t a WHERE EXISTS (SELECT 1 FROM t c WHERE c.n > a.n)"),
    ("CASE over mixed types", "SELECT id, CASE WHEN n > 0 THEN m ELSE n END AS v FROM t"),
    ("greatest with NULL", "SELECT id, greatest(m, k) AS v FROM t"),
    ("try_cast", "SELECT id, try_cast(s AS INTEGER) AS v FROM t"),
    ("list_contains", "SELECT id, list_contains([1, 5], n) AS v FROM t"),
]

#: Spellings that still mean something else (or nothing) on Spark; docs/spark.md says what to write.
NOT_PORTABLE = [
    ("date minus date (an interval on Spark)", "SELECT id, :as_of - d AS v FROM t"),
    ("date_sub(part, a, b) (whole units, month ends)", "SELECT id, date_sub('month', d, :as_of) AS v FROM t"),
    # Spark answers false where NULL is the answer (SPARK-58442); in a WHERE both drop the row.
    ("IN (sub-query) as a value", "SELECT id, n IN (SELECT n FROM t WHERE id IN (1, 2)) AS v FROM t"),
]


def _canon(value):
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # inf, -inf, nan: normalise() wants a finite number
    return normalise(value)


def _rows(backend, sql: str):
    table = backend.query(bind(sql, TRAP_PARAMETERS, backend.dialect))
    return sorted(((_canon(r["id"]), _canon(r["v"])) for r in table.to_pylist()), key=repr)


@pytest.fixture(scope="module")
def engines():
    duckdb, spark = DuckDBBackend(), SparkBackend()
    duckdb.register({"t": TRAP_TABLE})
    spark.register({"t": TRAP_TABLE})
    yield duckdb, spark
    duckdb.close()
    spark.close()


@pytest.mark.parametrize("sql", [pytest.param(sql, id=name) for name, sql in TRAPS])
def test_dialect_trap_has_one_meaning(engines, sql):
    duckdb, spark = engines
    expected = _rows(duckdb, sql)
    assert _rows(spark, sql) == expected
    assert expected, "a trap that returns nothing proves nothing"


@pytest.mark.parametrize("sql", [pytest.param(sql, id=name) for name, sql in NOT_PORTABLE])
def test_documented_non_portable_spelling_still_differs(engines, sql):
    duckdb, spark = engines
    expected = _rows(duckdb, sql)
    try:
        got = _rows(spark, sql)
    except Exception:  # noqa: BLE001 - an error on Spark is one way of differing
        return
    assert got != expected, "now portable: take it off the list in docs/spark.md"
