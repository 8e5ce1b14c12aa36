"""One rule text, several engines: bind a rule's parameters and write its SQL in an engine's dialect.

Rules are written in DuckDB's dialect with `:name` placeholders. sqlglot parses them once, replaces
each placeholder by a typed literal (so no engine needs to support bound parameters the same way)
and writes the statement for the target dialect (ARCHITECTURE.md principle 5).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlglot
from sqlglot import exp

SOURCE_DIALECT = "duckdb"


class ParameterError(ValueError):
    pass


def literal(value) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | Decimal | float):
        return exp.Literal.number(str(value))
    if isinstance(value, dt.datetime):
        raise ParameterError("datetime parameters are not supported; pass a date")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("date"))
    return exp.Literal.string(str(value))


def bind(sql: str, parameters: dict, dialect: str) -> str:
    """The SQL with every `:name` replaced by its value, written for `dialect`."""
    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)
    wanted = {p.name for p in tree.find_all(exp.Placeholder)}
    missing = sorted(wanted - set(parameters))
    if missing:
        raise ParameterError(f"no value for parameters: {', '.join(missing)}")
    bound = exp.replace_placeholders(tree, **{k: literal(parameters[k]) for k in wanted})
    return bound.sql(dialect=dialect)
