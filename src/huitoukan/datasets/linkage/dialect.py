"""The model's SQL on Splink's Spark backend.

The model (model.py, and every stored model JSON) is written once, in DuckDB's dialect: that is the
form it is stored in, whichever backend trained it, so that a model trained on one backend links
the next load on the other. Splink parses a settings dict's SQL in the linker's own dialect and does
not translate it, so for Spark every comparison level and blocking rule is translated here on the
way in (`SparkSQL.settings`), and the trained settings are given their DuckDB text back on the way
out (`SparkSQL.canonical`): only the m and u values and the prior come from Spark.

sqlglot does the translation (identifiers in backticks, SUBSTRING, LEFT/RIGHT …); three functions
need more than a new spelling:

| DuckDB | Spark |
|---|---|
| jaro_winkler_similarity(a, b) | jaro_winkler(a, b): the Splink jar's Scala function, the same Jaro-Winkler (prefix scale 0.1, at most four characters) |
| damerau_levenshtein(a, b) | damerau_levenshtein(a, b): the jar's (a DOUBLE, compared with the same integers). DuckDB counts UTF-8 bytes, the jar characters (张伟/张玮: 3 against 1); the model applies it only to birth dates and ID numbers (digits and X), where they agree |
| hamming(a, b) | the positions at which a and b differ, counted with Spark's higher-order functions (DuckDB refuses strings of unequal length, and counts bytes as its edit distance does; the model only compares 8-digit birth dates) |
"""

from __future__ import annotations

import copy

import sqlglot
from sqlglot import exp

SOURCE = "duckdb"
_JAR_FUNCTIONS = {"jarowinkler_similarity": "jaro_winkler", "jaro_winkler_similarity": "jaro_winkler",
                  "damerau_levenshtein": "damerau_levenshtein"}


def to_spark(sql: str) -> str:
    """One condition or blocking rule, DuckDB → Spark."""
    if sql.strip().upper() == "ELSE":
        return sql
    tree = sqlglot.parse_one(sql, read=SOURCE)
    for node in list(tree.find_all(exp.Func)):
        name = _function_name(node)
        if name in _JAR_FUNCTIONS:
            node.replace(exp.Anonymous(this=_JAR_FUNCTIONS[name], expressions=_arguments(node)))
        elif name == "hamming":
            node.replace(_hamming(*_arguments(node)))
    return tree.sql(dialect="spark")


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    return node.sql_name().lower()


def _arguments(node: exp.Func) -> list[exp.Expression]:
    if isinstance(node, exp.Anonymous):
        return [a.copy() for a in node.expressions]
    return [node.this.copy(), node.expression.copy()]


def _hamming(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """size(filter(sequence(1, length(a)), i -> substring(a, i, 1) <> substring(b, i, 1)))."""
    a_sql, b_sql = a.sql(dialect="spark"), b.sql(dialect="spark")
    return sqlglot.parse_one(
        f"size(filter(sequence(1, length({a_sql})), i -> substring({a_sql}, i, 1) <> substring({b_sql}, i, 1)))",
        read="spark")


class SparkSQL:
    """Translates one model's settings for Spark and remembers each text's DuckDB original."""

    dialect = "spark"

    def __init__(self):
        self.original: dict[str, str] = {}

    def sql(self, text: str) -> str:
        spark = to_spark(text)
        self.original[spark] = text
        return spark

    def settings(self, settings: dict) -> dict:
        out = copy.deepcopy(settings)
        out["sql_dialect"] = self.dialect
        for rule in out.get("blocking_rules_to_generate_predictions", []):
            rule["blocking_rule"], rule["sql_dialect"] = self.sql(rule["blocking_rule"]), self.dialect
        for comparison in out["comparisons"]:
            for level in comparison["comparison_levels"]:
                level["sql_condition"] = self.sql(level["sql_condition"])
        return out

    def rule(self, rule: dict) -> dict:
        return {**rule, "blocking_rule": self.sql(rule["blocking_rule"]), "sql_dialect": self.dialect}

    def canonical(self, trained: dict) -> dict:
        """Splink's saved settings with the DuckDB text back in place of the Spark text."""
        out = copy.deepcopy(trained)
        out["sql_dialect"] = SOURCE
        for rule in out.get("blocking_rules_to_generate_predictions", []):
            rule["blocking_rule"] = self.original.get(rule["blocking_rule"], rule["blocking_rule"])
            rule["sql_dialect"] = SOURCE
        for comparison in out["comparisons"]:
            for level in comparison["comparison_levels"]:
                level["sql_condition"] = self.original.get(level["sql_condition"], level["sql_condition"])
        return out


class DuckDBSQL:
    """The model's own dialect: nothing to translate."""

    dialect = SOURCE

    def sql(self, text: str) -> str:
        return text

    def settings(self, settings: dict) -> dict:
        return settings

    def rule(self, rule: dict) -> dict:
        return rule

    def canonical(self, trained: dict) -> dict:
        return trained
