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
    if dialect == "spark":
        bound = for_spark(bound)
    return bound.sql(dialect=dialect)


# --- where sqlglot's DuckDB → Spark translation keeps the words but not the meaning ----------------
# Each rewrite below makes Spark compute what DuckDB computes for the same rule text;
# tests/lookback/test_spark_parity.py holds a case for each. See docs/spark.md.

#: DuckDB's date-part names (and their aliases) that a date_diff may name.
_DATE_PARTS = {
    **dict.fromkeys(("year", "years", "y", "yr", "yrs"), "YEAR"),
    **dict.fromkeys(("quarter", "quarters"), "QUARTER"),
    **dict.fromkeys(("month", "months", "mon", "mons"), "MONTH"),
    **dict.fromkeys(("week", "weeks", "w"), "WEEK"),
    **dict.fromkeys(("day", "days", "d", "dayofmonth"), "DAY"),
}


def for_spark(tree: exp.Expression) -> exp.Expression:
    # Innermost first, so that an outer node is rebuilt around its already rewritten operands.
    for node in reversed(list(tree.find_all(exp.Div, exp.DateDiff, exp.Concat, bfs=False))):
        if isinstance(node, exp.Div):
            replacement = _ieee_division(node)
        elif isinstance(node, exp.DateDiff):
            replacement = _boundary_date_diff(node)
        else:
            replacement = _concat_as_text(node)
        if replacement is not node:
            if node is tree:
                tree = replacement
            else:
                node.replace(replacement)
    return tree


def _double(node: exp.Expression) -> exp.Expression:
    return exp.cast(node.copy(), exp.DataType.build("double"))


def _ieee_division(node: exp.Div) -> exp.Expression:
    """DuckDB's `/` always divides as DOUBLE (decimals and integers alike) and gives ±inf or NaN for
    a zero divisor; Spark divides decimals exactly (so rounding the result can differ) and, in ANSI
    mode, fails on a zero divisor. Spelled out: the same double on both."""
    left, right = _double(node.this), _double(node.expression)
    divisor = node.expression
    if isinstance(divisor, exp.Literal) and divisor.is_number and float(divisor.this) != 0:
        return exp.Div(this=left, expression=right)
    infinite = exp.cast(exp.Literal.string("Infinity"), exp.DataType.build("double"))
    by_zero = exp.If(this=exp.EQ(this=right, expression=exp.Literal.number(0)),
                     true=exp.Mul(this=left, expression=infinite))
    return exp.Case(ifs=[by_zero], default=exp.Div(this=left.copy(), expression=right.copy()))


def _boundary_date_diff(node: exp.DateDiff) -> exp.Expression:
    """DuckDB's date_diff('year' | 'quarter' | 'month', a, b) counts the boundaries crossed
    (2019-12-31 → 2021-03-01 is 2 years); Spark's DATEDIFF(YEAR, …) counts whole units (1).
    Days and weeks agree; only the unit's spelling needs Spark's name."""
    unit = node.args.get("unit")
    part = _DATE_PARTS.get(unit.name.lower()) if unit is not None else None
    if part is None:
        return node
    end, start = node.this, node.expression
    if part in ("DAY", "WEEK"):
        return exp.DateDiff(this=end.copy(), expression=start.copy(), unit=exp.var(part))

    def ordinal(date: exp.Expression) -> exp.Expression:
        year = exp.Year(this=date.copy())
        if part == "YEAR":
            return year
        per_year, within = (12, exp.Month) if part == "MONTH" else (4, exp.Quarter)
        within = within(this=date.copy())
        return exp.Add(this=exp.Mul(this=year, expression=exp.Literal.number(per_year)), expression=within)

    return exp.Paren(this=exp.Sub(this=ordinal(end), expression=exp.Paren(this=ordinal(start))))


def _concat_as_text(node: exp.Concat) -> exp.Expression:
    """DuckDB's concat() takes any type and skips NULLs; sqlglot keeps the NULL-skipping by wrapping
    each argument in COALESCE(x, ''), which Spark (ANSI) refuses for a number. Text first, then."""
    for arg in node.expressions:
        if not (isinstance(arg, exp.Literal) and arg.is_string):
            arg.replace(exp.cast(arg.copy(), exp.DataType.build("varchar")))
    return node
