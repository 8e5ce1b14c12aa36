"""Snapshot tables (engine/schema.py) straight from a synthetic county's files, without Django.

The files are read and cleaned by the independent reference checker (tests/synth/checker.py), and
the Chinese words mapped to DOMAIN.md §2's identifiers through the importer's vocabulary (plain
data, no Django), so that the look-back rules can be compared with the ground truth, and the two
engines with each other, without going through the database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import yaml

from huitoukan.lookback.engine.schema import SNAPSHOT_SCHEMAS
from huitoukan.lookback.engine.testing import POLICY_DEFAULTS
from huitoukan.registry.importing.vocabulary import VALUES
from tests.synth import checker


def _key(word: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", word)).lower()


_CODES = {field: {_key(w): code for code, words in values.items() for w in words} for field, values in VALUES.items()}


def code_of(field: str, word: str) -> str:
    """The identifier of a cell's word; '' stays '' (nothing recorded)."""
    if word == "":
        return ""
    try:
        return _CODES[field][_key(word)]
    except KeyError:
        raise ValueError(f"{field}: unknown word {word!r}") from None


def _codes(field: str, words: pd.Series) -> list[str]:
    return [code_of(field, w) for w in words]


def as_of(outdir: Path) -> dt.date:
    return dt.date.fromisoformat(json.loads((Path(outdir) / "manifest.json").read_text(encoding="utf-8"))["as_of"])


def parameters(outdir: Path) -> dict:
    """The policy values the county's files set (policy.yaml), over the defaults, with as_of and year."""
    policy = yaml.safe_load((Path(outdir) / "policy.yaml").read_text(encoding="utf-8"))
    day = as_of(outdir)
    return {**POLICY_DEFAULTS, **{k: v for k, v in policy.items() if k != "year"}, "as_of": day, "year": day.year}


def snapshot_tables(outdir: Path) -> dict[str, pa.Table]:
    county = checker.load(outdir)
    r = county.registry.copy()
    raw = checker.read(outdir, "registry.csv")
    r["region_code"] = raw["行政区划代码"].map(checker.text)
    r["food_clothing"] = raw["是否不愁吃不愁穿"].map(checker.flag)
    r["health"] = _codes("health", raw["健康状况"].map(checker.text))
    r["labor"] = _codes("labor", raw["劳动技能"].map(checker.text))
    r["disability_grade"] = raw["残疾等级"].map(checker.text)
    regions = _regions(outdir)
    return {"region": regions, "household": _households(r, regions), "person": _people(r)}


def _regions(outdir: Path) -> pa.Table:
    df = pd.read_csv(Path(outdir) / "regions.csv", dtype=str, keep_default_na=False)
    poor = [None if v == "" else checker.flag(v) for v in df["is_poor_village"]]
    return pa.table({
        "region_id": pa.array(range(1, len(df) + 1), pa.int64()),
        "code": df["code"].tolist(),
        "name": df["name"].tolist(),
        "level": df["level"].tolist(),
        "parent_code": [v or None for v in df["parent_code"]],
        "is_poor_village": pa.array(poor, pa.bool_()),
    }, schema=SNAPSHOT_SCHEMAS["region"])


def _households(r: pd.DataFrame, regions: pa.Table) -> pa.Table:
    h = r.groupby("household_no", sort=False).first()
    heads = r[r["relation"] == "户主"].groupby("household_no")["name"].first()
    parent = dict(zip(regions["code"].to_pylist(), regions["parent_code"].to_pylist(), strict=True))
    poor = dict(zip(regions["code"].to_pylist(), regions["is_poor_village"].to_pylist(), strict=True))
    villages = [c[:12] for c in h["region_code"]]
    towns = [parent[v] for v in villages]
    helpers = {name: i for i, name in enumerate(dict.fromkeys(n for n in h["helper"] if n), 1)}
    money = {"wage": "wage", "business": "business", "business_expense": "expense", "property": "property",
             "transfer": "transfer", "net_income": "net", "per_capita_income": "per_capita"}
    columns = {
        "household_id": range(1, len(h) + 1),
        "household_no": h.index.tolist(),
        "county_code": [parent[t] for t in towns],
        "town_code": towns,
        "village_code": villages,
        "hamlet_code": [c if len(c) == 15 else None for c in h["region_code"]],
        "is_poor_village": [poor[v] for v in villages],
        "head_name": [heads.get(no) for no in h.index],
        "household_size": h["size"].tolist(),
        "household_type": _codes("household_type", h["household_type"]),
        "status": _codes("status", h["status"]),
        "identified_year": _years(h["identified_year"]),
        "exit_year": _years(h["exit_year"]),
        "main_cause": _codes("main_cause", h["cause"]),
        "food_clothing": h["food_clothing"].tolist(),
        "water_safe": h["water_safe"].tolist(),
        "house_rating": _codes("house_rating", h["rating"]),
        "house_renovated": h["renovated"].tolist(),
        **{column: [Decimal(v) for v in h[source]] for column, source in money.items()},
        "helper_id": [helpers.get(n) for n in h["helper"]],
        "helper_name": [n or None for n in h["helper"]],
    }
    return pa.table({k: list(v) for k, v in columns.items()}, schema=SNAPSHOT_SCHEMAS["household"])


def _years(values: pd.Series) -> list[int | None]:
    return [None if v is None or pd.isna(v) else int(v) for v in values]


def _people(r: pd.DataFrame) -> pa.Table:
    household_ids = {no: i for i, no in enumerate(dict.fromkeys(r["household_no"]), 1)}
    return pa.table({
        "person_id": pa.array(range(1, len(r) + 1), pa.int64()),
        "person_key": r["person_no"].tolist(),
        "person_no": r["person_no"].tolist(),
        "household_id": [household_ids[no] for no in r["household_no"]],
        "household_no": r["household_no"].tolist(),
        "name": r["name"].tolist(),
        "id_number": r["id"].tolist(),
        "sex": _codes("sex", r["sex"]),
        "relation": _codes("relation", r["relation"]),
        "schooling": _codes("schooling", r["schooling"]),
        "health": r["health"].tolist(),
        "disability_grade": r["disability_grade"].tolist(),
        "labor": r["labor"].tolist(),
        "medical_insured": r["insured"].tolist(),
        "deceased": r["deceased"].tolist(),
    }, schema=SNAPSHOT_SCHEMAS["person"])
