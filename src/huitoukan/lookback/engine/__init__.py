"""The look-back engine: rule files run as SQL over Arrow tables. Imports nothing from Django.

    tables = prepare(snapshot_tables, as_of)          # derived columns (ID validity, ages)
    result = run_rules(tables, rules, parameters, engine="duckdb")
    result.findings                                    # one Arrow table, FINDING_SCHEMA

The web app, the command line, the tests and the benchmarks all go through `run_rules`; the two
engines (DuckDB, Spark) differ only in how they execute one SQL text (see `backends.py`).
"""

from .core import EngineResult, RuleStats, run_rules
from .prepare import prepare
from .schema import FINDING_SCHEMA, SNAPSHOT_SCHEMAS

__all__ = ["FINDING_SCHEMA", "SNAPSHOT_SCHEMAS", "EngineResult", "RuleStats", "prepare", "run_rules"]
