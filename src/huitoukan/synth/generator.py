"""The synthetic county generator: `generate(outdir, SynthConfig(...)) -> SynthResult`.

Pure Python and numpy (no Django), deterministic (one seed, byte-identical files). The order of
work: a clean base county (base.py), near misses, registry problems (inject.py), department datasets
with cross-comparison problems, linkage errors and decoys (datasets.py), then messy values
(messy.py) applied to the finished text, and the files (writers.py). docs/synth.md describes the
output.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import vocab as V
from .base import add_near_misses, build_county
from .datasets import (
    AMOUNT_COLUMNS,
    COLUMNS,
    DATE_COLUMNS,
    DECOY_COLUMNS,
    ENCODINGS,
    ID_COLUMN,
    KINDS,
    LINK_COLUMNS,
    DatasetFactory,
)
from .inject import BORDERLINE_UPPER, MEDICAL_COST_THRESHOLD, POVERTY_LINE, inject_registry_problems
from .messy import Messer, as_arrow
from .regions import region_rows
from .state import County
from .truth import ALL_CODES, sort_key
from .truth import COLUMNS as TRUTH_COLUMNS
from .writers import write_csv, write_xlsx

GENERATOR_VERSION = 1

REGISTRY_HEADER = [
    "县", "乡镇", "行政村", "自然村", "行政区划代码", "户编号", "人编号", "姓名", "证件号码", "性别", "与户主关系", "民族",
    "人数", "文化程度", "在校生状况", "健康状况", "残疾等级", "劳动技能", "务工时间（月）", "是否参加城乡居民基本医疗保险",
    "贫困户属性", "脱贫属性", "识别年度", "脱贫年度", "主要致贫原因", "危房等级", "是否完成危房改造", "饮水是否安全",
    "是否不愁吃不愁穿", "工资性收入", "生产经营性收入", "生产经营性支出", "财产性收入", "转移性收入", "家庭年纯收入",
    "人均纯收入", "帮扶责任人", "帮扶责任人联系电话", "帮扶单位", "是否死亡", "联系电话",
]
AMOUNT_HEADERS = ["工资性收入", "生产经营性收入", "生产经营性支出", "财产性收入", "转移性收入", "家庭年纯收入", "人均纯收入"]
FLAG_HEADERS = ["是否参加城乡居民基本医疗保险", "是否完成危房改造", "饮水是否安全", "是否不愁吃不愁穿", "是否死亡"]

# Neighbouring counties (in-marrying spouses, people born elsewhere). Like the county's own prefix,
# they must be codes the national table knows, or validators reject the ID numbers.
DEFAULT_COUNTY_CODE = "522628"
DEFAULT_NEIGHBOURS = ("522626", "522627", "522629", "522631", "522633")


@dataclass
class SynthConfig:
    households: int = 5000
    seed: int = 1
    as_of: dt.date = dt.date(2020, 12, 31)
    xlsx: bool = False
    county_name: str = "青石县"
    county_code: str = DEFAULT_COUNTY_CODE
    neighbour_codes: tuple[str, ...] = DEFAULT_NEIGHBOURS

    def __post_init__(self):
        if isinstance(self.as_of, str):
            self.as_of = dt.date.fromisoformat(self.as_of)
        if self.households < 10:
            raise ValueError("households must be at least 10")
        if not 2016 <= self.as_of.year <= 2100:
            raise ValueError("as_of must be in 2016 or later (households are identified from 2014)")


@dataclass
class SynthResult:
    outdir: Path
    paths: dict[str, Path]  # file name (registry.csv, death.csv, …) → path
    households: int
    people: int
    truth_counts: dict[str, int]  # code → findings in ground_truth.csv
    rows: dict[str, int]  # file name → data rows
    manifest: dict = field(default_factory=dict)

    @property
    def registry_path(self) -> Path:
        return self.paths["registry.csv"]

    @property
    def ground_truth_path(self) -> Path:
        return self.paths["ground_truth.csv"]


def policy_values(as_of: dt.date) -> dict:
    return {"year": as_of.year, "poverty_line": POVERTY_LINE, "borderline_upper": BORDERLINE_UPPER,
            "medical_cost_threshold": MEDICAL_COST_THRESHOLD}


def generate(outdir: Path, config: SynthConfig | None = None) -> SynthResult:
    config = config or SynthConfig()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([config.seed, GENERATOR_VERSION])

    county = build_county(rng, config.households, config.as_of, config.county_code, config.county_name,
                          list(config.neighbour_codes))
    add_near_misses(county)
    inject_registry_problems(county)
    factory = DatasetFactory(county)
    factory.build()

    messer = Messer(np.random.default_rng([config.seed, GENERATOR_VERSION, 1]))
    paths: dict[str, Path] = {}
    rows: dict[str, int] = {}
    files: dict[str, dict] = {}

    header, columns = registry_columns(county, messer)
    title = (f"{config.county_name}建档立卡贫困人口信息表（截至{config.as_of.year}年{config.as_of.month}月"
             f"{config.as_of.day}日）")
    name = "registry.csv"
    paths[name] = outdir / name
    write_csv(paths[name], header, columns, title=title)
    rows[name] = len(county.people)
    files[name] = {"kind": "registry", "encoding": "utf-8-sig", "rows": rows[name], "title_row": True, "header_row": 2}
    if config.xlsx:
        name = "registry.xlsx"
        paths[name] = outdir / name
        write_xlsx(paths[name], header, columns, title=title, sheet="建档立卡")
        rows[name] = len(county.people)
        files[name] = {"kind": "registry", "encoding": "xlsx", "rows": rows[name], "title_row": True, "header_row": 2}

    for kind in KINDS:
        table = factory.tables[kind]
        name = f"{kind}.csv"
        _mess_dataset(messer, name, kind, table.columns)
        columns = [table.columns[h] for h in COLUMNS[kind]]
        encoding = ENCODINGS.get(kind, "utf-8-sig")
        paths[name] = outdir / name
        write_csv(paths[name], COLUMNS[kind], columns, encoding=encoding)
        rows[name] = len(table)
        files[name] = {"kind": kind, "encoding": encoding, "rows": rows[name], "title_row": False, "header_row": 1,
                           "id_column": ID_COLUMN[kind]}

    region_table = region_rows(county.regions)
    truth = sorted(county.truth, key=sort_key)
    machine_files = {
        "regions.csv": (["code", "name", "level", "parent_code", "is_poor_village"], region_table),
        "ground_truth.csv": (TRUTH_COLUMNS, [dict(zip(TRUTH_COLUMNS, t.row())) for t in truth]),
        "links.csv": (LINK_COLUMNS, sorted(factory.links, key=lambda r: (r["dataset"], r["row_number"]))),
        "decoys.csv": (DECOY_COLUMNS, sorted(factory.decoys, key=lambda r: (r["dataset"], r["row_number"]))),
    }
    for name, (cols, records) in machine_files.items():
        paths[name] = outdir / name
        write_csv(paths[name], cols, [np.array([str(r[c]) for r in records], dtype=object) for c in cols],
                  encoding="utf-8")
        rows[name] = len(records)
        files[name] = {"kind": name[:-4], "encoding": "utf-8", "rows": rows[name], "title_row": False, "header_row": 1}

    policy = policy_values(config.as_of)
    paths["policy.yaml"] = outdir / "policy.yaml"
    paths["policy.yaml"].write_text("".join(f"{k}: {v}\n" for k, v in policy.items()), encoding="utf-8")

    truth_counts = {code: 0 for code in ALL_CODES}
    for t in truth:
        truth_counts[t.code] += 1
    links_by_code: dict[str, int] = {}
    for link in factory.links:
        links_by_code[link["code"]] = links_by_code.get(link["code"], 0) + 1
    hh = county.households
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": config.seed,
        "households": len(hh),
        "people": len(county.people),
        "people_living": int((~county.people.deceased).sum()),
        "as_of": config.as_of.isoformat(),
        "county": {"name": config.county_name, "code": config.county_code, "towns": len(county.regions.town_name),
                    "villages": county.regions.n_villages, "poor_villages": int(county.regions.village_poor.sum()),
                    "hamlets": len(county.regions.hamlet_code), "neighbour_codes": list(config.neighbour_codes)},
        "policy": policy,
        "status_counts": {V.STATUS_IDENTIFIERS[s]: int((hh.status == s).sum()) for s in range(len(V.STATUSES))},
        "files": files,
        "injected": truth_counts,
        "probabilistic_links": {"total": len(factory.links), "by_code": dict(sorted(links_by_code.items()))},
        "decoys": len(factory.decoys),
        "near_misses": dict(sorted(county.notes.get("near_misses", {}).items())),
        "messy": messer.as_dict(),
    }
    paths["manifest.json"] = outdir / "manifest.json"
    paths["manifest.json"].write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return SynthResult(outdir=outdir, paths=paths, households=len(hh), people=len(county.people),
                       truth_counts=truth_counts, rows=rows, manifest=manifest)


# --- the registry export --------------------------------------------------------------------------


def _fen_text(fen: np.ndarray) -> pa.Array:
    """int64 fen → "1234.50" (Arrow strings)."""
    fen = np.asarray(fen, dtype=np.int64)
    whole = pc.cast(pa.array(fen // 100), pa.string())
    cents = pc.utf8_lpad(pc.cast(pa.array(fen % 100), pa.string()), 2, "0")
    return pc.binary_join_element_wise(whole, cents, ".")


def _words(vocabulary: list[str], codes: np.ndarray) -> pa.Array:
    return pa.array(vocabulary, pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))


def _text(values: np.ndarray) -> pa.Array:
    return as_arrow(np.asarray(values, dtype=object))


def _numbers(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def registry_columns(county: County, messer: Messer) -> tuple[list[str], list[pa.Array]]:
    p, hh, regions, helpers = county.people, county.households, county.regions, county.helpers
    file = "registry.csv"
    members = pa.array(p.hh.astype(np.int64))

    def per_person(household_values: pa.Array) -> pa.Array:
        return household_values.take(members)

    has_hamlet = hh.hamlet >= 0
    hamlet_name = np.full(len(hh), "", dtype=object)
    hamlet_name[has_hamlet] = regions.hamlet_name[hh.hamlet[has_hamlet]]
    code = regions.village_code[hh.village].copy()
    code[has_hamlet] = regions.hamlet_code[hh.hamlet[has_hamlet]]
    with_helper = hh.helper >= 0

    def helper_field(values: np.ndarray) -> pa.Array:
        out = np.full(len(hh), "", dtype=object)
        out[with_helper] = values[hh.helper[with_helper]]
        return per_person(_text(out))

    cause = np.full(len(hh), "", dtype=object)
    cause[hh.cause >= 0] = np.array(V.CAUSES, dtype=object)[hh.cause[hh.cause >= 0]]
    exit_year = np.where(hh.exit_year > 0, hh.exit_year.astype("U4"), "").astype(object)
    identified_year = messer.years(file, per_person(_numbers(hh.identified_year)), 0.03)
    exit_year = messer.years(file, per_person(_text(exit_year)), 0.03)

    name = messer.spaces(file, _text(p.name), 0.01)
    id_number = messer.lower_x(file, _text(p.id_number), 0.3)
    id_number = messer.fullwidth(file, id_number, 0.005, "id")
    id_number = messer.spaces(file, id_number, 0.01)
    household_no = messer.spaces(file, per_person(_text(hh.household_no)), 0.003)

    amounts = {}
    for header, values in zip(AMOUNT_HEADERS, (hh.wage, hh.business, hh.expense, hh.property, hh.transfer, hh.net,
                                                hh.per_capita)):
        amounts[header] = messer.amounts(file, per_person(_fen_text(values)), 0.02, 0.02, 0.01)
    flags = {header: messer.flags(file, values, 0.04, 0.01) for header, values in zip(
        FLAG_HEADERS, (p.insured, hh.renovated[p.hh], hh.water_safe[p.hh], hh.food_clothing[p.hh], p.deceased))}
    towns = np.array(regions.town_name, dtype=object)[regions.village_town[hh.village]]

    values = {
        "县": pa.array([regions.county_name] * len(p), pa.string()),
        "乡镇": per_person(_text(towns)),
        "行政村": per_person(_text(regions.village_name[hh.village])),
        "自然村": per_person(_text(hamlet_name)),
        "行政区划代码": per_person(_text(code)),
        "户编号": household_no,
        "人编号": _text(p.person_no),
        "姓名": name,
        "证件号码": id_number,
        "性别": _words(V.SEX, p.male),
        "与户主关系": _words(V.RELATIONS, p.relation),
        "民族": _words(V.ETHNICITIES, p.ethnicity),
        "人数": per_person(_numbers(hh.size)),
        "文化程度": _words(V.EDUCATION_LEVELS, p.education),
        "在校生状况": _words(V.SCHOOLING, p.schooling),
        "健康状况": _words(V.HEALTH, p.health),
        "残疾等级": _words(V.DISABILITY_GRADES, p.disability),
        "劳动技能": _words(V.LABOR, p.labor),
        "务工时间（月）": _numbers(p.migrant_months),
        "贫困户属性": per_person(_words(V.HOUSEHOLD_TYPES, hh.htype)),
        "脱贫属性": per_person(_words(V.STATUSES, hh.status)),
        "识别年度": identified_year,
        "脱贫年度": exit_year,
        "主要致贫原因": per_person(_text(cause)),
        "危房等级": per_person(_words(V.HOUSE_RATINGS, hh.rating)),
        "帮扶责任人": helper_field(helpers.name),
        "帮扶责任人联系电话": helper_field(helpers.phone),
        "帮扶单位": helper_field(helpers.unit),
        "联系电话": per_person(_text(hh.phone)),
        **amounts,
        **flags,
    }
    return REGISTRY_HEADER, [values[h] for h in REGISTRY_HEADER]


def _mess_dataset(messer: Messer, file: str, kind: str, columns: dict) -> None:
    id_column = ID_COLUMN[kind]
    ids = messer.lower_x(file, columns[id_column], 0.3)
    ids = messer.fullwidth(file, ids, 0.005, "id")
    columns[id_column] = messer.spaces(file, ids, 0.01)
    columns["姓名"] = messer.spaces(file, columns["姓名"], 0.01)
    for header in DATE_COLUMNS.get(kind, []):
        columns[header] = messer.dates(file, columns[header], 0.05)
    for header in AMOUNT_COLUMNS.get(kind, []):
        columns[header] = messer.amounts(file, columns[header], 0.02, 0.03, 0.01)


def write_broken_variant(source: Path, target: Path, **options) -> list[dict]:
    """A copy of a generated registry.csv with import errors (see broken.py)."""
    from .broken import write_broken_variant as write

    return write(source, target, **options)
