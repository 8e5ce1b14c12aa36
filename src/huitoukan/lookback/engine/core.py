"""Run rules over prepared Arrow tables and turn what their SQL returns into findings.

A rule's SELECT returns its target's key column (household_id, person_id, village_code, or for a
person outside the registry id_number) and the
values its message names. This module adds what every finding needs (the stable target key, the
village, severity, the Chinese message, the values as JSON) the same way for every engine, and keeps
one finding per (code, target), so that a rule returning a target twice cannot make two problems.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..catalog import Rule
from .backends import Backend, open_backend
from .schema import DATASET_SCHEMAS, FINDING_SCHEMA
from .sqltext import bind

KEY_COLUMNS = ("household_id", "person_id", "village_code", "severity")
#: Returned columns never kept with a finding, per target: a resident's key column is the ID number,
#: which is hashed into the key and must not be printed, exported or shown unmasked.
HIDDEN_COLUMNS = {"resident": ("id_number",)}


class RuleRunError(RuntimeError):
    def __init__(self, code: str, problem: str):
        super().__init__(f"{code}: {problem}")
        self.code, self.problem = code, problem


@dataclass
class RuleStats:
    code: str
    fingerprint: str
    count: int
    seconds: float


@dataclass
class EngineResult:
    findings: pa.Table
    stats: list[RuleStats] = field(default_factory=list)
    seconds: float = 0.0
    # Rules not run because a table they need is absent (a dataset kind never loaded): code → tables.
    # Not run is not "found nothing": their problems must be left as they are.
    skipped: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {s.code: s.count for s in self.stats}


def run_rules(
    tables: dict[str, pa.Table],
    rules: list[Rule],
    parameters: dict,
    *,
    engine: str | Backend = "duckdb",
    progress: Callable[[int, int, str], None] | None = None,
    pseudonym_key: bytes | None = None,
) -> EngineResult:
    """Every rule over `tables` (already `prepare`d). `parameters` holds the policy profile's values
    and `as_of` (a date) and `year`. `engine` is a name or an open backend with the tables registered
    (the caller then closes it). `pseudonym_key` keys the hashed ID numbers that name people outside
    the registry (residents.py); it is not a parameter because parameters are recorded on the run."""
    started = time.perf_counter()
    rules, skipped = runnable_rules(rules, tables)
    own = isinstance(engine, str)
    backend = open_backend(engine) if own else engine
    try:
        if own:
            backend.register(tables)
        absent = sorted({t for rule in rules for t in rule.optional_inputs if t not in tables})
        if absent:
            backend.register({t: DATASET_SCHEMAS[t].empty_table() for t in absent})
        keys = _Keys(tables, parameters.get("as_of") or dt.date.today(), pseudonym_key)
        parts, stats = [], []
        for i, rule in enumerate(rules):
            if progress:
                progress(i, len(rules), rule.code)
            t0 = time.perf_counter()
            raw = backend.query(bind(rule.sql, parameters, backend.dialect))
            found = findings_of(rule, raw, keys)
            parts.append(found)
            stats.append(RuleStats(rule.code, rule.fingerprint, found.num_rows, time.perf_counter() - t0))
        if progress:
            progress(len(rules), len(rules), "")
    finally:
        if own:
            backend.close()
    findings = pa.concat_tables(parts) if parts else FINDING_SCHEMA.empty_table()
    return EngineResult(findings, stats, time.perf_counter() - started, skipped)


def runnable_rules(rules: list[Rule], tables) -> tuple[list[Rule], dict[str, tuple[str, ...]]]:
    """(the rules whose required tables are all in `tables`, {code: missing tables} of the others).
    A run records and reconciles only the first: a cross-comparison rule without its dataset says
    nothing about the problems it found before."""
    runnable, skipped = [], {}
    for rule in rules:
        missing = tuple(t for t in rule.inputs if t not in tables)
        if missing:
            skipped[rule.code] = missing
        else:
            runnable.append(rule)
    return runnable, skipped


class _Keys:
    """Lookups from the ids a rule returns to the stable keys a problem is identified by.

    Sorted id arrays and a binary search: a rule returns a few thousand rows, and joining them
    against a million-row key table per rule (what an Arrow hash join does) cost more than the
    rules themselves on a large county."""

    def __init__(self, tables: dict[str, pa.Table], as_of: dt.date | None = None, pseudonym_key: bytes | None = None):
        from .residents import DEFAULT_KEY

        self.as_of = as_of or dt.date.today()
        self.pseudonym_key = pseudonym_key or DEFAULT_KEY
        self.region = tables["region"]
        self.household = _sorted_by(tables["household"].select(["household_id", "household_no", "village_code"]),
                                    "household_id")
        self.person = _sorted_by(tables["person"].select(["person_id", "person_key", "household_id"]), "person_id")

    @staticmethod
    def lookup(table: pa.Table, key: str, ids: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """(positions in `ids` that are found, their row numbers in `table`)."""
        known = table[key].to_numpy()
        wanted = ids.to_numpy(zero_copy_only=False)
        at = np.searchsorted(known, wanted)
        at_clipped = np.minimum(at, max(len(known) - 1, 0))
        found = (at < len(known)) & (known[at_clipped] == wanted) if len(known) else np.zeros(len(wanted), bool)
        return np.flatnonzero(found), at_clipped[found]


def _sorted_by(table: pa.Table, key: str) -> pa.Table:
    if table[key].null_count:
        table = table.filter(pc.is_valid(table[key]))
    table = table.combine_chunks()
    ids = table[key].chunk(0).to_numpy() if table.num_rows else None
    if ids is not None and bool(np.all(ids[1:] > ids[:-1])):
        return table  # a snapshot is already in key order
    return table.sort_by(key).combine_chunks()


def findings_of(rule: Rule, raw: pa.Table, keys: _Keys) -> pa.Table:
    key = rule.key_column
    if key not in raw.column_names:
        raise RuleRunError(rule.code, f"the SELECT must return the column {key} (target: {rule.target})")
    raw = raw.filter(pc.is_valid(raw[key]))
    hidden = HIDDEN_COLUMNS.get(rule.target, ())
    value_columns = [c for c in raw.column_names if c not in KEY_COLUMNS and c not in hidden]
    raw = raw.combine_chunks()
    region_codes = None
    if rule.target == "person":
        found, at = keys.lookup(keys.person, "person_id", raw["person_id"])
        person = keys.person.take(at)
        found_h, at_h = keys.lookup(keys.household, "household_id", person["household_id"])
        found, person = found[found_h], person.take(found_h)
        household = keys.household.take(at_h)
        joined = {"person_id": person["person_id"], "person_key": person["person_key"],
                  "household_id": person["household_id"], "household_no": household["household_no"],
                  "village_code": household["village_code"]}
        target_key = "person_key"
    elif rule.target == "household":
        found, at = keys.lookup(keys.household, "household_id", raw["household_id"])
        household = keys.household.take(at)
        joined = {c: household[c] for c in household.column_names}
        target_key = "household_no"
    elif rule.target == "resident":
        found, joined, region_codes = _residents(rule, raw, keys)
        target_key = "resident_key"
    else:
        found = np.arange(raw.num_rows)
        joined = {"village_code": raw["village_code"]}
        target_key = "village_code"
    rows = raw.take(pa.array(found, pa.int64()))
    n = rows.num_rows
    # Column by column: a large county has tens of thousands of findings, and a dict, a JSON
    # encoder and a str.format per finding cost more than the rule's SQL.
    normal = {c: _normal_column(rows[c]) for c in value_columns}
    values_json = _json_objects(normal, n)
    ids = {c: joined[c].to_pylist() if c in joined else [None] * n
           for c in ("household_id", "person_id", "village_code", "household_no", "person_key")}
    regions = region_codes.to_pylist() if region_codes is not None else [None] * n
    messages = _messages(rule, {**normal, "household_no": ids["household_no"], "person_key": ids["person_key"]}, n)
    severities = rows["severity"].to_pylist() if "severity" in rows.column_names else [None] * n
    targets = joined[target_key].to_pylist()

    out: dict[str, int] = {}
    for i, target in enumerate(targets):
        # One finding per target; when a rule returns a target twice keep the same one on every
        # engine, whatever order the engine returned the rows in.
        if target not in out or values_json[i] < values_json[out[target]]:
            out[target] = i
    chosen = [out[t] for t in sorted(out)]
    m = len(chosen)
    return pa.table({
        "code": pa.array([rule.code] * m, pa.string()),
        "target_type": pa.array([rule.target] * m, pa.string()),
        "target_key": pa.array([targets[i] for i in chosen], pa.string()),
        "household_id": pa.array([ids["household_id"][i] for i in chosen], pa.int64()),
        "person_id": pa.array([ids["person_id"][i] for i in chosen], pa.int64()),
        "village_code": pa.array([ids["village_code"][i] for i in chosen], pa.string()),
        "severity": pa.array([severities[i] or rule.severity for i in chosen], pa.string()),
        "message": pa.array([messages[i] for i in chosen], pa.string()),
        "values": pa.array([values_json[i] for i in chosen], pa.string()),
        "region_code": pa.array([regions[i] for i in chosen], pa.string()),
    }, schema=FINDING_SCHEMA)


def _residents(rule: Rule, raw: pa.Table, keys: _Keys) -> tuple[np.ndarray, dict, pa.Array]:
    """(rows kept, their key and village, their region code) of a resident rule's rows: keyed by
    the hashed ID number (rows without a valid one are dropped), placed by their address
    (engine/residents.py). A run over part of a county (no county among its regions) keeps only the
    residents it can place inside its regions."""
    from .residents import resident_keys, resident_places

    if "address" not in raw.column_names:
        raise RuleRunError(rule.code, "the SELECT must return the column address (target: resident): it places "
                                      "the person in a town and village")
    target_keys = resident_keys(raw["id_number"], keys.as_of, keys.pseudonym_key)
    villages, regions = resident_places(raw["address"], keys.region)
    keep = pc.is_valid(target_keys)
    if not pc.any(pc.equal(keys.region["level"], "county")).as_py():
        keep = pc.and_(keep, pc.is_valid(regions))
    found = np.flatnonzero(keep.to_numpy(zero_copy_only=False))
    at = pa.array(found, pa.int64())
    return found, {"resident_key": target_keys.take(at), "village_code": villages.take(at)}, regions.take(at)


def _normal_column(column: pa.ChunkedArray | pa.Array) -> list:
    """normalise() over a column; integers, text and booleans are already in normal form."""
    kind = column.type
    values = column.to_pylist()
    if pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_boolean(kind) or pa.types.is_null(kind):
        return values
    return [normalise(v) for v in values]


_encode_text = json.encoder.encode_basestring  # what json.dumps(..., ensure_ascii=False) writes a str with


def _json_value(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    return _encode_text(value)


def _json_objects(normal: dict[str, list], n: int) -> list[str]:
    """Per row, json.dumps(row, ensure_ascii=False, sort_keys=True) of the normalised values."""
    names = sorted(normal)
    if not names:
        return ["{}"] * n
    template = "{" + ", ".join(_encode_text(k).replace("%", "%%") + ": %s" for k in names) + "}"
    encoded = [[_json_value(v) for v in normal[k]] for k in names]
    return [template % row for row in zip(*encoded, strict=True)]


def _messages(rule: Rule, context: dict[str, list], n: int) -> list[str]:
    """rule.message formatted for each row, with display() of each value."""
    if not n:
        return []
    try:
        parsed = list(string.Formatter().parse(rule.message))
    except ValueError:  # a stray brace: str.format says what is wrong
        return _messages_one_by_one(rule, context, n)
    fields = []
    template = ""
    for literal, name, spec, conversion in parsed:
        template += literal.replace("%", "%%")
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():  # not a plain {name}: str.format decides
            return _messages_one_by_one(rule, context, n)
        if name not in context:
            raise RuleRunError(rule.code, f"the message names {KeyError(name)} that the SELECT does not return")
        fields.append(name)
        template += "%s"
    if not fields:
        return [template % ()] * n
    shown = [[display(v) for v in context[name]] for name in fields]
    return [template % row for row in zip(*shown, strict=True)]


def _messages_one_by_one(rule: Rule, context: dict[str, list], n: int) -> list[str]:
    out = []
    for i in range(n):
        try:
            out.append(rule.message.format_map({k: display(v[i]) for k, v in context.items()}))
        except (KeyError, IndexError, ValueError) as exc:
            raise RuleRunError(rule.code, f"the message names {exc} that the SELECT does not return") from exc
    return out


def normalise(value):
    """One form for a value whichever engine computed it: DuckDB and Spark disagree on the type of
    `a / b` (double or decimal), so every non-integer number becomes a 2-decimal string."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal) and value.as_tuple().exponent == 0:
        # DuckDB's SUM of integers is a HUGEINT, which reaches Arrow as DECIMAL(38,0); Spark's a BIGINT.
        return int(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None  # an unguarded x / 0: no value rather than a crash of the whole run
    if isinstance(value, Decimal | float):
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def display(value) -> str:
    """How a value reads inside a Chinese message."""
    if value is None or value == "":
        return "空"
    if value is True:
        return "是"
    if value is False:
        return "否"
    return str(value)
