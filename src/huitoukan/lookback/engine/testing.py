"""A rule file's test cases, run: a few hand-written rows become snapshot tables, every column the
case leaves out gets a value that breaks no rule, and the rule says which targets it flags.

Used by the test suite (every case of every rule file, on DuckDB and on Spark) and by counties
checking the rules they write. Imports nothing from Django. The defaults (docs/rules.md):

- one clean household H1 in village V1 (town T1, county C1), lifted in 2019, 10,000 yuan per capita
  from wages, with a helper, a main cause, a safe house and safe water;
- when the case has no `person` key, each household gets one head; with a `person` key, exactly the
  rows given (an empty list: no members at all);
- a person row belongs to the only household unless it names `household_no`; `person_no` defaults to
  H1-1, H1-2…; `person_key` is the person_no, so flagged/not_flagged name person_no for person rules;
- without `id_number`, a valid number is made from `birth_date` (or `age` at the as-of date) and
  `sex`, which default by relation (head 1970, children 1995, grandchildren 2012, parents 1945; the
  head, sons and parents male, spouses and daughters female);
- `household_size` defaults to the living members given, and the money columns to a consistent set:
  a case that gives only `per_capita_income` gets wages of per capita × size.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa

from ..catalog import Rule, RuleTest
from .core import run_rules
from .prepare import prepare
from .schema import DATASET_SCHEMAS, SNAPSHOT_SCHEMAS

AS_OF = dt.date(2020, 12, 31)

#: The policy profile's defaults (policy/models.py DEFAULTS, kept equal by a test) without Django.
POLICY_DEFAULTS = {
    "poverty_line": 4000,
    "borderline_upper": 6000,
    "monitoring_line": 6000,
    "dibao_line": 4000,
    "medical_cost_threshold": 20000,
    "visit_interval_days": 92,
    "team_days_poor_village": 20,
    "team_days_other_village": 10,
    "fund_stagnant_days": 90,
    "deadline_days_serious": 15,
    "deadline_days_general": 30,
    "deadline_days_notice": 60,
}

ID_PREFIX = "522628"  # a county code stdnum knows for every year the defaults use
MONEY_PARTS = ("wage", "business", "business_expense", "property", "transfer")
CENT = Decimal("0.01")

_BIRTH_BY_RELATION = {
    "head": dt.date(1970, 1, 1), "spouse": dt.date(1970, 1, 1), "sibling": dt.date(1970, 1, 1),
    "son": dt.date(1995, 1, 1), "daughter": dt.date(1995, 1, 1),
    "son_in_law": dt.date(1995, 1, 1), "daughter_in_law": dt.date(1995, 1, 1),
    "grandson": dt.date(2012, 1, 1), "granddaughter": dt.date(2012, 1, 1),
    "parent": dt.date(1945, 1, 1), "other": dt.date(1970, 1, 1),
}
_FEMALE_RELATIONS = {"spouse", "daughter", "daughter_in_law", "granddaughter"}
# Invented names (surname + heavenly stem), so that a message reads "赵甲（6岁）", not "成员16岁".
_SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


class RuleTestError(ValueError):
    """A test case that cannot be turned into tables (unknown column, ambiguous household…)."""


def flagged_targets(rule: Rule, case: RuleTest, engine: str = "duckdb") -> set[str]:
    """The target keys (household_no, person_no, village code) the rule flags on the case's rows; for
    a resident rule, the names of the dataset records whose ID number is the flagged key."""
    found = set(case_findings(rule, case, engine)["target_key"].to_pylist())
    if rule.target != "resident":
        return found
    return {name for name, key in resident_names(case).items() if key in found}


def resident_names(case: RuleTest) -> dict[str, str | None]:
    """{record name: resident key (null without a valid number)} of every dataset record of the case
    that names nobody in the registry: a resident rule's case names its targets by these names."""
    from .residents import resident_keys

    as_of = case.as_of or AS_OF
    tables = snapshot_of(case, as_of)
    out: dict[str, str | None] = {}
    for kind in DATASET_SCHEMAS:
        table = tables[kind]
        if table.num_rows:
            keys = resident_keys(table["id_number"], as_of).to_pylist()
            for name, key in zip(table["name"].to_pylist(), keys, strict=True):
                if name is not None and out.get(name) is None:
                    out[name] = key
    return out


def case_findings(rule: Rule, case: RuleTest, engine: str = "duckdb") -> pa.Table:
    """The findings (schema.FINDING_SCHEMA) of the rule on the case's rows."""
    as_of = case.as_of or AS_OF
    tables = prepare(snapshot_of(case, as_of, where=f"{rule.path}: test {case.name!r}"), as_of)
    return run_rules(tables, [rule], parameters_of(case, as_of), engine=engine).findings


def parameters_of(case: RuleTest, as_of: dt.date | None = None) -> dict:
    as_of = as_of or case.as_of or AS_OF
    return {**POLICY_DEFAULTS, **case.parameters, "as_of": as_of, "year": as_of.year}


def snapshot_of(case: RuleTest, as_of: dt.date = AS_OF, where: str = "test case") -> dict[str, pa.Table]:
    """Arrow tables (schema.SNAPSHOT_SCHEMAS, plus any other table the case names) for a case."""
    households = _households(case.tables.get("household"), where)
    people = _people(case.tables.get("person"), households, as_of, where)
    _complete_households(households, people)
    tables = {
        "region": _table("region", _regions(case.tables.get("region"), households, where), where),
        "household": _table("household", households, where),
        "person": _table("person", people, where),
    }
    for name in case.tables:
        if name not in tables and name not in DATASET_SCHEMAS:
            raise RuleTestError(f"{where}: no table {name!r} (registry: household, person, region; datasets: "
                                f"{', '.join(DATASET_SCHEMAS)})")
    # Every dataset kind, empty unless the case gives rows: a case says what a loaded dataset holds.
    # (That a rule is skipped without its dataset is the engine's, tested on run_rules itself.)
    outsiders: dict[str, int] = {}  # a name's invented ID number, the same in every table of the case
    for kind in DATASET_SCHEMAS:
        tables[kind] = _dataset(kind, case.tables.get(kind) or [], people, as_of, where, outsiders)
    return tables


#: Defaults of a dataset record's required columns, so that a case writes only what it is about.
_DATASET_DEFAULTS = {
    "death": {"death_date": dt.date(2020, 6, 1)},
    "vehicle": {"vehicle_type": "小型普通客车", "plate_no": "黔A12345"},
    "business": {"registration_status": "存续", "entity_name": "某某商店", "entity_type": "个体工商户"},
    "property": {"property_type": "商品房", "location": "某某小区1栋"},
    "payroll": {"employer": "某某局", "staff_category": "在编"},
    "dibao": {"category": "低保", "start_date": dt.date(2019, 1, 1)},
    "disability": {"disability_kind": "肢体", "disability_grade": 1},
    "school": {"enrolment_status": "在校", "stage": "小学"},
    "medical_insurance": {"insured_year": None, "insurance_status": "正常参保"},
    "medical_cost": {"year": None, "self_paid": Decimal("0.00")},
}


def _dataset(kind: str, rows: list, people: list[dict], as_of: dt.date, where: str,
             outsiders: dict[str, int] | None = None) -> pa.Table:
    """A dataset table from a case's records. A record names the registry member it is linked to by
    `person_no` (its person_id, and `link` 'exact', the member's ID number and name by default);
    without one it is a record of nobody in the registry (person_id and link NULL) with an invented
    valid ID number, the same for every record of the case with the same name (外甲 by default, by
    row: row 1 of every table is one person) — several records of one outsider. `row_number` counts
    from 2 (row 1 is the header), `load_id` is 1."""
    outsiders = {} if outsiders is None else outsiders
    schema = DATASET_SCHEMAS[kind]
    by_no = {p["person_no"]: p for p in people}
    out = []
    for i, given in enumerate(rows, 1):
        if not isinstance(given, dict):
            raise RuleTestError(f"{where}: {kind} row {i} must be a mapping of columns")
        row = dict(given)
        unknown = sorted(set(row) - set(schema.names) - {"person_no"})
        if unknown:
            raise RuleTestError(f"{where}: {kind} row {i} has unknown columns: {', '.join(unknown)}")
        record = {"row_number": i + 1, "load_id": 1, "person_id": None, "link": None, "extra": None,
                  **_DATASET_DEFAULTS[kind]}
        if kind in ("medical_insurance", "medical_cost"):
            record["insured_year" if kind == "medical_insurance" else "year"] = as_of.year
        person_no = row.pop("person_no", None)
        if person_no is not None:
            person = by_no.get(str(person_no))
            if person is None:
                raise RuleTestError(f"{where}: {kind} row {i} names person {person_no}, which the case lacks")
            record.update(person_id=person["person_id"], link="exact", id_number=person["id_number"] or None,
                          name=person["name"], sex=person["sex"] or None)
        else:
            name = str(row.get("name", f"外{_STEMS[(i - 1) % 10]}"))
            serial = outsiders.setdefault(name, 500 + len(outsiders))
            record.update(id_number=_make_id(dt.date(1980, 1, 1), "male", serial), name=name)
        record.update(row)
        for key in ("self_paid", "total_cost"):
            record[key] = _money(record.get(key))
        for key in ("id_number", "name", "plate_no", "vehicle_type", "registration_status", "property_type",
                    "category", "enrolment_status", "insurance_status"):
            if record.get(key) is not None and not isinstance(record[key], str):
                record[key] = str(record[key])
        out.append(record)
    try:
        return pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in out], schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        raise RuleTestError(f"{where}: a value of the {kind} table has the wrong type: {exc}") from exc


def _households(rows, where) -> list[dict]:
    rows = [dict(r) for r in rows] if rows is not None else [{}]
    out = []
    for i, row in enumerate(rows, 1):
        _known("household", row, where, i)
        household = {
            "household_id": i,
            "household_no": f"H{i}",
            "county_code": "C1",
            "town_code": "T1",
            "village_code": "V1",
            "hamlet_code": None,
            "is_poor_village": False,
            "head_name": None,
            "household_size": None,
            "household_type": "ordinary",
            "status": "lifted",
            "identified_year": 2014,
            "exit_year": 2019,
            "main_cause": "capital",
            "food_clothing": True,
            "water_safe": True,
            "house_rating": "A",
            "house_renovated": False,
            "helper_id": i,
            "helper_name": f"帮扶人{i}",
        }
        household.update(row)
        household["_given"] = set(row)
        out.append(household)
    numbers = [h["household_no"] for h in out]
    if len(set(numbers)) != len(numbers):
        raise RuleTestError(f"{where}: two household rows have the same household_no")
    return out


def _people(rows, households, as_of, where) -> list[dict]:
    if rows is None:
        rows = [{"household_no": h["household_no"], "relation": "head"} for h in households]
    by_no = {h["household_no"]: h for h in households}
    out, counters = [], {}
    for i, given in enumerate(rows, 1):
        row = dict(given)
        _known("person", row, where, i, extra=("birth_date", "age"))
        if "household_no" not in row:
            if len(households) != 1:
                raise RuleTestError(f"{where}: person row {i} must name its household_no (the case has several)")
            row["household_no"] = households[0]["household_no"]
        household = by_no.get(str(row["household_no"]))
        if household is None:
            raise RuleTestError(f"{where}: person row {i} names household {row['household_no']}, which the case lacks")
        counters[household["household_no"]] = counters.get(household["household_no"], 0) + 1
        relation = row.get("relation", "other")
        birth = _birth(row, relation, as_of, where, i)
        person = {
            "person_id": i,
            "person_no": f"{household['household_no']}-{counters[household['household_no']]}",
            "household_id": household["household_id"],
            "household_no": household["household_no"],
            "name": _SURNAMES[(i - 1) // 10 % len(_SURNAMES)] + _STEMS[(i - 1) % 10],
            "relation": relation,
            "schooling": "not_in_school",
            "health": "healthy",
            "disability_grade": "",
            "labor": "ordinary",
            "medical_insured": True,
            "deceased": False,
        }
        default_sex = "female" if relation in _FEMALE_RELATIONS else "male"
        if "id_number" in row:
            person["sex"] = _sex_of(row["id_number"]) or default_sex
        else:
            person["sex"] = row.get("sex", default_sex)
            person["id_number"] = _make_id(birth, person["sex"], i)
        person.update(row)
        person["id_number"] = "" if person["id_number"] is None else str(person["id_number"])
        person.setdefault("person_key", person["person_no"])
        out.append(person)
    return out


def _birth(row, relation, as_of, where, i) -> dt.date:
    birth, age = row.pop("birth_date", None), row.pop("age", None)
    if birth is not None and age is not None:
        raise RuleTestError(f"{where}: person row {i} gives both birth_date and age")
    if age is not None:
        try:
            return as_of.replace(year=as_of.year - int(age))
        except ValueError:  # 29 February
            return dt.date(as_of.year - int(age), 3, 1)
    if birth is not None:
        return birth if isinstance(birth, dt.date) else dt.date.fromisoformat(str(birth))
    return _BIRTH_BY_RELATION.get(relation, _BIRTH_BY_RELATION["other"])


def _make_id(birth: dt.date, sex: str, serial: int) -> str:
    order = (2 * serial + (1 if sex == "male" else 0)) % 1000
    first17 = f"{ID_PREFIX}{birth:%Y%m%d}{order:03d}"
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _sex_of(id_number) -> str | None:
    text = str(id_number or "")
    if len(text) == 18 and text[16].isdigit():
        return "male" if int(text[16]) % 2 else "female"
    return None


def _complete_households(households, people) -> None:
    for h in households:
        members = [p for p in people if p["household_id"] == h["household_id"]]
        given = h.pop("_given")
        if "household_size" not in given:
            h["household_size"] = sum(1 for p in members if not p["deceased"])
        if "head_name" not in given:
            h["head_name"] = next((p["name"] for p in members if p["relation"] == "head"), None)
        size = h["household_size"] if h["household_size"] and h["household_size"] > 0 else 1
        per_capita = _money(h.get("per_capita_income", 10000))
        if not any(k in given for k in MONEY_PARTS):
            h["wage"] = per_capita * size if per_capita is not None else Decimal(10000) * size
        for key in MONEY_PARTS:
            h[key] = _money(h.get(key, 0))
        wage, business, expense, prop, transfer = (h[k] or 0 for k in MONEY_PARTS)
        parts = wage + business - expense + prop + transfer
        if "net_income" not in given:
            h["net_income"] = parts
        if "per_capita_income" not in given:
            h["per_capita_income"] = (parts / size).quantize(CENT)
        h["net_income"] = _money(h["net_income"])
        h["per_capita_income"] = _money(h["per_capita_income"])


def _money(value):
    return None if value is None else Decimal(str(value)).quantize(CENT)


def _regions(rows, households, where) -> list[dict]:
    if rows is not None:
        out = []
        for i, row in enumerate(rows, 1):
            _known("region", row, where, i)
            code = str(row.get("code", f"R{i}"))
            out.append({"region_id": i, "code": code, "name": code, "level": "village", "parent_code": None,
                        "is_poor_village": False, **row})
        return out
    out = [{"region_id": 1, "code": "C1", "name": "C1", "level": "county", "parent_code": None,
            "is_poor_village": None}]
    for code in dict.fromkeys(h["town_code"] for h in households):
        out.append({"region_id": len(out) + 1, "code": code, "name": code, "level": "town", "parent_code": "C1",
                    "is_poor_village": None})
    for h in households:
        if h["village_code"] not in {r["code"] for r in out}:
            out.append({"region_id": len(out) + 1, "code": h["village_code"], "name": h["village_code"],
                        "level": "village", "parent_code": h["town_code"], "is_poor_village": h["is_poor_village"]})
    return out


def _known(table: str, row, where, i, extra=()) -> None:
    if not isinstance(row, dict):
        raise RuleTestError(f"{where}: {table} row {i} must be a mapping of columns")
    unknown = sorted(set(row) - set(SNAPSHOT_SCHEMAS[table].names) - set(extra))
    if unknown:
        raise RuleTestError(f"{where}: {table} row {i} has unknown columns: {', '.join(unknown)}")


def _table(name: str, rows: list[dict], where: str) -> pa.Table:
    schema = SNAPSHOT_SCHEMAS[name]
    text = {f.name for f in schema if f.type == pa.string()}

    def value(row, key):
        v = row.get(key)
        return str(v) if key in text and v is not None and not isinstance(v, str) else v

    try:
        return pa.Table.from_pylist([{k: value(r, k) for k in schema.names} for r in rows], schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        raise RuleTestError(f"{where}: a value of the {name} table has the wrong type: {exc}") from exc


def run_rule_tests(extra_dirs=(), engine: str = "duckdb") -> list[str]:
    """Every test case of every rule file (built-in and `extra_dirs`); one line per failed case."""
    from ..catalog import load_rules

    failures = []
    for rule in load_rules(list(extra_dirs), known_parameters=POLICY_DEFAULTS):
        for case in rule.tests:
            try:
                found = flagged_targets(rule, case, engine)
            except Exception as exc:  # noqa: BLE001 — a county's file may fail in any way; report it
                failures.append(f"{rule.code}::{case.name}: {exc}")
                continue
            missed, wrong = set(case.flagged) - found, set(case.not_flagged) & found
            if missed or wrong:
                failures.append(f"{rule.code}::{case.name}: missed {sorted(missed)}, flagged wrongly {sorted(wrong)}")
    return failures


def main(argv=None) -> int:
    """`python -m huitoukan.lookback.engine.testing [FOLDER …]`: run the rule files' test cases."""
    import sys

    failures = run_rule_tests(argv if argv is not None else sys.argv[1:])
    for line in failures:
        print(line)
    print("all rule tests pass" if not failures else f"{len(failures)} rule tests fail")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
