"""An independent reference checker for the synthetic county: a plain pandas implementation of the
registry rules of DOMAIN.md §3 and of the cross-comparison rules with exact ID matching, run over the
files the generator wrote (never over its in-memory state, and sharing no code with it).

`findings(outdir)` returns the set of (code, target) pairs the rules flag, and `links` / `decoys`
the generator's linkage notes, so that tests can compare the lot with ground_truth.csv.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
import yaml
from stdnum.cn import ric

YES = {"是", "1", "Y"}
NO = {"否", "0", "N"}
ACTIVE_BUSINESS = {"存续", "在业", "开业"}


# --- reading and cleaning ------------------------------------------------------------------------


def manifest(outdir: Path) -> dict:
    return json.loads((Path(outdir) / "manifest.json").read_text(encoding="utf-8"))


def read(outdir: Path, name: str) -> pd.DataFrame:
    info = manifest(outdir)["files"][name]
    encoding = {"utf-8-sig": "utf-8-sig", "gbk": "gbk", "utf-8": "utf-8"}[info["encoding"]]
    return pd.read_csv(Path(outdir) / name, dtype=str, keep_default_na=False, encoding=encoding,
                       skiprows=info["header_row"] - 1)


def text(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def id_number(value: str) -> str:
    return re.sub(r"\s+", "", text(value)).upper()


def amount(value: str) -> Decimal:
    return Decimal(text(value).replace("元", "").replace(",", ""))


def flag(value: str) -> bool:
    value = text(value)
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(f"not a flag: {value!r}")


def year(value: str) -> int | None:
    value = text(value).replace("年", "")
    return int(value) if value else None


def date(value: str) -> dt.date | None:
    value = text(value)
    if not value:
        return None
    for pattern in (r"^(\d{4})-(\d{2})-(\d{2})$", r"^(\d{4})/(\d{1,2})/(\d{1,2})$", r"^(\d{4})\.(\d{2})\.(\d{2})$",
                    r"^(\d{4})(\d{2})(\d{2})$"):
        match = re.match(pattern, value)
        if match:
            return dt.date(*map(int, match.groups()))
    raise ValueError(f"not a date: {value!r}")


def birth_of(valid_id: str) -> dt.date:
    return dt.date(int(valid_id[6:10]), int(valid_id[10:12]), int(valid_id[12:14]))


def age(birth: dt.date, as_of: dt.date) -> int:
    return as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))


@dataclass
class County:
    registry: pd.DataFrame
    datasets: dict[str, pd.DataFrame]
    as_of: dt.date
    policy: dict


def load(outdir: Path) -> County:
    outdir = Path(outdir)
    info = manifest(outdir)
    as_of = dt.date.fromisoformat(info["as_of"])
    policy = yaml.safe_load((outdir / "policy.yaml").read_text(encoding="utf-8"))
    raw = read(outdir, "registry.csv")
    r = pd.DataFrame({
        "household_no": raw["户编号"].map(id_number),
        "person_no": raw["人编号"].map(id_number),
        "name": raw["姓名"].map(text),
        "id": raw["证件号码"].map(id_number),
        "sex": raw["性别"].map(text),
        "relation": raw["与户主关系"].map(text),
        "size": raw["人数"].map(lambda v: int(text(v))),
        "schooling": raw["在校生状况"].map(text),
        "insured": raw["是否参加城乡居民基本医疗保险"].map(flag),
        "household_type": raw["贫困户属性"].map(text),
        "status": raw["脱贫属性"].map(text),
        "identified_year": raw["识别年度"].map(year),
        "exit_year": raw["脱贫年度"].map(year),
        "cause": raw["主要致贫原因"].map(text),
        "rating": raw["危房等级"].map(text),
        "renovated": raw["是否完成危房改造"].map(flag),
        "water_safe": raw["饮水是否安全"].map(flag),
        "helper": raw["帮扶责任人"].map(text),
        "deceased": raw["是否死亡"].map(flag),
    })
    for column, header in (("wage", "工资性收入"), ("business", "生产经营性收入"), ("expense", "生产经营性支出"),
                           ("property", "财产性收入"), ("transfer", "转移性收入"), ("net", "家庭年纯收入"),
                           ("per_capita", "人均纯收入")):
        r[column] = raw[header].map(amount)
    r["valid"] = r["id"].map(ric.is_valid)
    r["age"] = [age(birth_of(i), as_of) if ok else None for i, ok in zip(r["id"], r["valid"])]
    datasets = {}
    for name, meta in info["files"].items():
        if meta["kind"] in ("death", "vehicle", "business", "property", "payroll", "dibao", "disability", "school",
                            "medical_insurance", "medical_cost"):
            df = read(outdir, name)
            df["id"] = df[meta["id_column"]].map(id_number)
            df["row_number"] = range(2, len(df) + 2)
            datasets[meta["kind"]] = df
    return County(r, datasets, as_of, policy)


# --- the rules -----------------------------------------------------------------------------------


def _people(df: pd.DataFrame, code: str) -> set[tuple[str, str]]:
    return {(code, p) for p in df["person_no"]}


def _households(values, code: str) -> set[tuple[str, str]]:
    return {(code, h) for h in values}


def registry_findings(c: County, other_reading: bool = False) -> set[tuple[str, str]]:
    """With `other_reading`, the places where §3 leaves room are read the other way: the sex digit
    is read from any number that has one, ages are compared by birth date, every head is compared
    with every spouse, and the monitored households that exited (脱贫不稳定户, 风险已消除) count as
    lifted. The generator keeps its data clear of these differences, so both readings agree."""
    r, p = c.registry, c.policy
    out: set[tuple[str, str]] = set()
    out |= _people(r[~r["valid"]], "ID_INVALID")
    counts = r.loc[r["id"] != "", "id"].value_counts()
    out |= _people(r[r["id"].isin(counts[counts > 1].index)], "ID_DUPLICATE")
    if other_reading:
        valid = r[(r["id"].str.len() >= 17) & r["id"].str[16:17].str.isdigit()]
    else:
        valid = r[r["valid"]]
    id_male = valid["id"].str[16].astype(int) % 2 == 1
    out |= _people(valid[id_male != (valid["sex"] == "男")], "ID_SEX_MISMATCH")

    heads = r[r["relation"] == "户主"].groupby("household_no").size()
    households = r.groupby("household_no").first()
    out |= _households(households.index.difference(heads.index), "HEAD_MISSING")
    out |= _households(heads[heads > 1].index, "HEAD_MULTIPLE")

    head = r[r["relation"] == "户主"][["household_no", "sex", "age", "id"]].rename(
        columns={"sex": "head_sex", "age": "head_age", "id": "head_id"})
    one_head = head if other_reading else head[head["household_no"].isin(heads[heads == 1].index)]
    spouses = r[r["relation"] == "配偶"].merge(one_head, on="household_no")
    out |= _households(spouses.loc[spouses["sex"] == spouses["head_sex"], "household_no"], "SPOUSE_SAME_SEX")

    # Ages from the ID numbers; compared with every head of the household.
    aged = r[r["age"].notna()].merge(head[head["head_age"].notna()], on="household_no")
    gap = aged["head_age"] - aged["age"]
    if other_reading:  # whole years between the birth dates, by date
        gap = pd.Series([_years_between(birth_of(h), birth_of(i)) for h, i in zip(aged["head_id"], aged["id"])],
                        index=aged.index, dtype=float)
    too_close = (
        (aged["relation"].isin(["之子", "之女"]) & (gap < 12))
        | ((aged["relation"] == "之父母") & (-gap < 12))
        | (aged["relation"].isin(["之孙子", "之孙女"]) & (gap < 24))
    )
    out |= _people(aged[too_close].drop_duplicates("person_no"), "RELATION_AGE")

    living = r[~r["deceased"]].groupby("household_no").size().reindex(households.index, fill_value=0)
    out |= _households(households.index[households["size"] != living], "SIZE_MISMATCH")
    out |= _households(households.index[(households["helper"] == "") & (households["status"] != "风险已消除")],
                       "NO_HELPER")
    out |= _households(households.index[households["cause"] == ""], "CAUSE_MISSING")

    parts = (households["wage"] + households["business"] - households["expense"] + households["property"]
             + households["transfer"])
    computed = [a / Decimal(s) for a, s in zip(parts, households["size"])]
    diff = [abs(rec - com) for rec, com in zip(households["per_capita"], computed)]
    bad = [d > 1 and d > Decimal("0.01") * abs(com) for d, com in zip(diff, computed)]
    out |= _households(households.index[bad], "INCOME_INCONSISTENT")

    line, upper = Decimal(str(p["poverty_line"])), Decimal(str(p["borderline_upper"]))
    lifted = households["status"].isin(["已脱贫", "脱贫不稳定户", "风险已消除"] if other_reading else ["已脱贫"])
    pc = households["per_capita"]
    out |= _households(households.index[lifted & pc.map(lambda v: v < line)], "EXIT_BELOW_LINE")
    out |= _households(households.index[lifted & pc.map(lambda v: line <= v < upper)], "BORDERLINE")
    same = households["exit_year"].notna() & (households["identified_year"] == households["exit_year"])
    out |= _households(households.index[same], "EXIT_SAME_YEAR")
    out |= _households(households.index[households["rating"].isin(["C", "D"]) & ~households["renovated"]],
                       "GUARANTEE_HOUSING")
    out |= _households(households.index[~households["water_safe"]], "GUARANTEE_WATER")

    alive = r[~r["deceased"]]
    school_age = alive[alive["age"].notna() & alive["age"].between(6, 15)]
    out |= _people(school_age[school_age["schooling"] == "辍学"], "GUARANTEE_EDUCATION")
    out |= _people(alive[~alive["insured"]], "GUARANTEE_MEDICAL")

    d = c.datasets
    if "school" in d:
        enrolled = set(d["school"].loc[d["school"]["学籍状态"].map(text) != "辍学", "id"])
        listed = set(d["school"]["id"])
        dropped = listed - enrolled
        gone = school_age[~school_age["id"].isin(list(listed)) | school_age["id"].isin(list(dropped))]
        out |= _people(gone, "GUARANTEE_EDUCATION")
    if "medical_insurance" in d:
        mi = d["medical_insurance"]
        insured = set(mi.loc[mi["参保状态"].map(text) == "参保", "id"])
        out |= _people(alive[~alive["id"].isin(list(insured))], "GUARANTEE_MEDICAL")
    return out


def _years_between(older: dt.date, younger: dt.date) -> float:
    """Whole years from `older` to `younger` (negative when `younger` is in fact older)."""
    if younger >= older:
        return age(older, younger)
    return -age(younger, older)


def is_car(vehicle_type: str) -> bool:
    if "轿车" in vehicle_type or "越野" in vehicle_type:
        return True
    return "客车" in vehicle_type and "面包" not in vehicle_type


def active_dibao(c: County) -> pd.DataFrame:
    df = c.datasets["dibao"]
    start = df["开始日期"].map(date)
    end = df["终止日期"].map(date)
    active = [s is not None and s <= c.as_of and (e is None or e >= c.as_of) for s, e in zip(start, end)]
    return df[active]


def cost_in_year(c: County) -> pd.DataFrame:
    df = c.datasets["medical_cost"]
    this_year = df["年度"].map(year) == c.policy["year"]
    high = df["个人自付金额"].map(amount) >= Decimal(str(c.policy["medical_cost_threshold"]))
    return df[this_year & high]


def qualifying_records(c: County) -> dict[str, pd.DataFrame]:
    """The department records that make a finding when their person is (or is not) in the registry."""
    d = c.datasets
    disability = d["disability"]
    return {
        "death": d["death"],
        "payroll": d["payroll"],
        "business": d["business"][d["business"]["登记状态"].map(text).isin(ACTIVE_BUSINESS)],
        "property": d["property"][d["property"]["房屋性质"].map(text) == "商品房"],
        "vehicle": d["vehicle"][d["vehicle"]["车辆类型"].map(text).map(is_car)],
        "dibao": active_dibao(c),
        "disability": disability[disability["残疾等级"].map(text).isin(["一级", "二级", "1", "2"])],
        "medical_cost": cost_in_year(c),
    }


CROSS = [("DECEASED_UNMARKED", "death"), ("EXCL_PAYROLL", "payroll"), ("EXCL_BUSINESS", "business"),
         ("EXCL_PROPERTY", "property"), ("EXCL_CAR", "vehicle"), ("RISK_MEDICAL_COST", "medical_cost")]


def cross_findings(c: County, resolve: dict | None = None) -> set[tuple[str, str]]:
    """Exact ID matching; `resolve` optionally maps (dataset, row_number) → registry ID for records a
    probabilistic linkage would attach to a registry member (the generator's links.csv), and keeps
    those records out of ENTRY_MISSED."""
    r = c.registry
    alive = r[~r["deceased"]]
    records = qualifying_records(c)
    resolve = resolve or {}

    def ids(kind: str) -> set[str]:
        df = records[kind]
        return {resolve.get((kind, row), i) for i, row in zip(df["id"], df["row_number"])}

    out: set[tuple[str, str]] = set()
    for code, kind in CROSS:
        out |= _people(alive[alive["id"].isin(list(ids(kind)))], code)

    in_list = r["id"].isin(list(ids("dibao"))).groupby(r["household_no"]).any()
    supported = r.groupby("household_no")["household_type"].first().isin(["低保贫困户", "特困供养贫困户"])
    out |= _households(in_list.index[in_list != supported], "DIBAO_MISMATCH")

    registry_ids = set(r["id"])
    for kind in ("dibao", "disability", "medical_cost"):
        df = records[kind]
        for i, row in zip(df["id"], df["row_number"]):
            if (kind, row) in resolve or not i:
                continue
            if i not in registry_ids:
                out.add(("ENTRY_MISSED", i))
    return out


def findings(outdir: Path, resolve: dict | None = None) -> set[tuple[str, str]]:
    county = load(outdir)
    return registry_findings(county) | cross_findings(county, resolve)
