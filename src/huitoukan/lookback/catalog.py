"""The rule catalog: rule files (YAML with their SQL) read into `Rule` objects. Imports nothing
from Django, so that the engine, the Spark job and the tests read rules the same way.

A rule file is data (ARCHITECTURE.md principle 3): a county adds a rule by dropping a file into a
rule folder (the built-in `lookback/rules/` and any folder named in HUITOUKAN_RULE_DIRS). The file
format is described in docs/rules.md; `load_rules()` refuses a file that breaks it, saying which file
and what is wrong, rather than running a half-understood rule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
import yaml
from sqlglot import exp

BUILTIN_DIR = Path(__file__).parent / "rules"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the same data, faster

#: Identifiers only; their Chinese labels live in lookback/labels.py (translated).
CATEGORIES = ("data_quality", "guarantee", "exit", "identification", "monitoring", "assistance")
SEVERITIES = ("serious", "general", "notice")  # 严重, 一般, 提示 — most weighty first
#: `resident`: a person outside the registry, known only by a department record's ID number
#: (ENTRY_MISSED, 应纳未纳); the engine keys them by a hash of the number (engine/residents.py).
TARGETS = ("household", "person", "village", "resident")
#: The key column a rule's SELECT must return for each target type.
TARGET_COLUMN = {"household": "household_id", "person": "person_id", "village": "village_code",
                 "resident": "id_number"}
#: Parameters every rule may use without declaring them.
IMPLICIT_PARAMETERS = ("as_of", "year")
#: The registry snapshot's tables (engine/schema.py SNAPSHOT_SCHEMAS), always there.
REGISTRY_TABLES = ("household", "person", "region")
#: The department dataset tables (engine/schema.py DATASET_SCHEMAS, kept equal by a test), named by
#: kind; a run has only the kinds that are loaded.
DATASET_TABLES = ("death", "vehicle", "business", "property", "payroll", "dibao", "disability", "school",
                  "medical_insurance", "medical_cost")

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{2,39}$")
TEST_KEYS = ("name", "flagged", "not_flagged", "as_of", "parameters")
REQUIRED = ("code", "version", "category", "severity", "target", "title", "explanation", "basis", "sql", "message")


class RuleFileError(ValueError):
    def __init__(self, path: Path | str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = str(path), problem


@dataclass(frozen=True)
class RuleTest:
    """A small case: tables of a few rows, and which targets must and must not be flagged."""

    name: str
    tables: dict[str, list[dict]]
    flagged: tuple[str, ...]
    not_flagged: tuple[str, ...]
    as_of: dt.date | None = None
    parameters: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    code: str
    version: int
    category: str
    severity: str
    target: str
    title: str
    explanation: str
    basis: tuple[dict, ...]  # ({"seed": "002_….txt", "term": "八不退"}, …)
    parameters: tuple[str, ...]  # policy-profile keys the SQL uses as :name
    inputs: tuple[str, ...]  # tables the SQL needs: without one of them the rule is skipped, not run
    sql: str
    message: str  # str.format template over the SELECT's columns (and household_no, person_key)
    tests: tuple[RuleTest, ...]
    path: str
    sha256: str  # of the file's bytes: which text of the rule a run used
    # Dataset tables the SQL reads when loaded; absent, the engine gives it an empty table of the
    # kind's schema, so that a registry rule can add a dataset's evidence without depending on it.
    optional_inputs: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        """What a run records of the rule: its declared version and the exact text it ran."""
        return f"v{self.version}:{self.sha256[:12]}"

    @property
    def key_column(self) -> str:
        return TARGET_COLUMN[self.target]


def load_rules(extra_dirs: list[Path | str] = (), *, known_parameters=None, codes=None) -> list[Rule]:
    """Every rule file of the built-in folder and `extra_dirs`, sorted by code.

    `known_parameters` (the policy profile's keys) lets the loader refuse a rule that asks for a
    parameter no profile has; `codes` keeps only those codes and refuses unknown ones.
    """
    rules: dict[str, Rule] = {}
    for folder in [BUILTIN_DIR, *map(Path, extra_dirs)]:
        if not folder.is_dir():
            raise RuleFileError(folder, "rule folder does not exist")
        for path in sorted(folder.glob("*.yaml")):
            rule = load_rule_file(path, known_parameters=known_parameters)
            if rule.code in rules:
                raise RuleFileError(path, f"rule code {rule.code} is already defined in {rules[rule.code].path}")
            rules[rule.code] = rule
    if codes:
        unknown = sorted(set(codes) - set(rules))
        if unknown:
            raise RuleFileError(", ".join(unknown), "no such rule code")
        return [rules[c] for c in sorted(set(codes))]
    return [rules[c] for c in sorted(rules)]


_cache: dict[tuple, Rule] = {}


def load_rule_file(path: Path, *, known_parameters=None) -> Rule:
    """One rule file, read again only when it changed (a web page or a run reads the catalog often,
    and parsing YAML and SQL is most of what a small look-back costs)."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, None if known_parameters is None else tuple(sorted(known_parameters)))
    if key not in _cache:
        _cache[key] = _read_rule_file(path, known_parameters=known_parameters)
    return _cache[key]


def _read_rule_file(path: Path, *, known_parameters=None) -> Rule:
    raw = path.read_bytes()
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_Loader)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleFileError(path, f"not a readable YAML file: {exc}") from exc
    if not isinstance(data, dict):
        raise RuleFileError(path, "a rule file must be a mapping of keys")
    missing = [k for k in REQUIRED if data.get(k) in (None, "")]
    if missing:
        raise RuleFileError(path, f"missing keys: {', '.join(missing)}")
    code = str(data["code"])
    if not CODE_PATTERN.match(code):
        raise RuleFileError(path, f"code {code!r} must be upper-case letters, digits and _")
    if path.stem != code:
        raise RuleFileError(path, f"the file must be named after its code ({code}.yaml)")
    for key, allowed in (("category", CATEGORIES), ("severity", SEVERITIES), ("target", TARGETS)):
        if data[key] not in allowed:
            raise RuleFileError(path, f"{key} {data[key]!r} is not one of {', '.join(allowed)}")
    if not isinstance(data["version"], int) or data["version"] < 1:
        raise RuleFileError(path, "version must be a positive integer")
    parameters = tuple(data.get("parameters") or ())
    if known_parameters is not None:
        unknown = sorted(set(parameters) - set(known_parameters) - set(IMPLICIT_PARAMETERS))
        if unknown:
            raise RuleFileError(path, f"unknown parameters: {', '.join(unknown)}")
    sql = str(data["sql"]).strip().rstrip(";")
    _check_sql(path, sql, parameters)
    inputs, optional_inputs = _inputs(path, data, sql)
    basis = data["basis"]
    if not isinstance(basis, list) or not all(isinstance(b, dict) and b.get("seed") for b in basis):
        raise RuleFileError(path, "basis must be a list of {seed: file name, term: …}")
    return Rule(
        code=code,
        version=data["version"],
        category=data["category"],
        severity=data["severity"],
        target=data["target"],
        title=str(data["title"]).strip(),
        explanation=" ".join(str(data["explanation"]).split()),
        basis=tuple(basis),
        parameters=parameters,
        inputs=inputs,
        sql=sql,
        message=str(data["message"]).strip(),
        tests=tuple(_tests(path, data.get("tests") or [])),
        path=str(path),
        sha256=hashlib.sha256(raw).hexdigest(),
        optional_inputs=optional_inputs,
    )


def _inputs(path: Path, data: dict, sql: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) tables. Optional ones must be dataset tables (the registry is always
    there); a table nobody supplies is refused now rather than failing every run."""
    optional = tuple(data.get("optional_inputs") or ())
    wrong = sorted(set(optional) - set(DATASET_TABLES))
    if wrong:
        raise RuleFileError(path, f"optional_inputs must be dataset tables ({', '.join(DATASET_TABLES)}), not "
                                  f"{', '.join(wrong)}")
    required = tuple(t for t in (data.get("inputs") or _tables_of(sql)) if t not in optional)
    unknown = sorted(set(required) - set(REGISTRY_TABLES) - set(DATASET_TABLES))
    if unknown:
        raise RuleFileError(path, f"the SQL reads unknown tables: {', '.join(unknown)}")
    return required, optional


def _check_sql(path: Path, sql: str, parameters: tuple[str, ...]) -> None:
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise RuleFileError(path, f"the SQL does not parse: {exc}") from exc
    if not isinstance(tree, exp.Query):
        raise RuleFileError(path, "the SQL must be one SELECT statement")
    used = {p.name for p in tree.find_all(exp.Placeholder)}
    undeclared = sorted(used - set(parameters) - set(IMPLICIT_PARAMETERS))
    if undeclared:
        raise RuleFileError(path, f"the SQL uses undeclared parameters: {', '.join(undeclared)}")


def _tables_of(sql: str) -> list[str]:
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return sorted({t.name for t in tree.find_all(exp.Table) if t.name} - ctes)


def _tests(path: Path, cases: list) -> list[RuleTest]:
    out = []
    for i, case in enumerate(cases, 1):
        if not isinstance(case, dict) or "name" not in case:
            raise RuleFileError(path, f"test {i} must be a mapping with a name")
        flagged, not_flagged = case.get("flagged") or [], case.get("not_flagged") or []
        if not flagged and not not_flagged:
            raise RuleFileError(path, f"test {case['name']!r} says nothing must or must not be flagged")
        # Every other key names a table (household, person, region; dataset tables later).
        tables = {k: list(v or []) for k, v in case.items() if k not in TEST_KEYS}
        as_of = case.get("as_of")
        out.append(RuleTest(
            name=str(case["name"]),
            tables=tables,
            flagged=tuple(map(str, flagged)),
            not_flagged=tuple(map(str, not_flagged)),
            as_of=dt.date.fromisoformat(str(as_of)) if as_of else None,
            parameters=dict(case.get("parameters") or {}),
        ))
    return out
