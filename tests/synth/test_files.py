"""What the generator writes: determinism, formats and encodings, valid ID numbers, plausible
families, the manifest's counts, the messy values."""

import codecs
import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import unicodedata
from collections import Counter
from decimal import Decimal

import pandas as pd
import yaml
from stdnum.cn import ric

from huitoukan.synth.generator import SynthConfig, generate

from . import checker

DATASETS = ["death", "vehicle", "business", "property", "payroll", "dibao", "disability", "school",
            "medical_insurance", "medical_cost"]


def _files(outdir) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(outdir.iterdir())}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, small):
    again = tmp_path / "again"
    generate(again, SynthConfig(households=300, seed=1))
    assert _files(again) == _files(small)
    other = tmp_path / "other"
    generate(other, SynthConfig(households=300, seed=2))
    first, second = _files(small), _files(other)
    assert first.keys() == second.keys()
    for name in ("registry.csv", "death.csv", "ground_truth.csv"):
        assert first[name] != second[name]


def test_same_bytes_in_another_process_with_another_hash_seed(tmp_path, small):
    """Nothing may depend on the iteration order of sets of strings (PYTHONHASHSEED)."""
    code = ("from pathlib import Path; from huitoukan.synth.generator import SynthConfig, generate; "
            f"generate(Path({str(tmp_path / 'other')!r}), SynthConfig(households=300, seed=1))")
    env = {**os.environ, "PYTHONHASHSEED": "4321"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert _files(tmp_path / "other") == _files(small)


def test_python_api_result(tmp_path):
    result = generate(tmp_path, SynthConfig(households=120, seed=9, as_of=dt.date(2019, 12, 31)))
    assert result.registry_path == tmp_path / "registry.csv"
    assert result.households == 120
    assert result.people == result.rows["registry.csv"]
    assert all(path.exists() for path in result.paths.values())
    assert result.truth_counts == json.loads((tmp_path / "manifest.json").read_text())["injected"]
    assert yaml.safe_load((tmp_path / "policy.yaml").read_text())["year"] == 2019


def test_registry_layout_title_row_and_bom(small):
    raw = (small / "registry.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("青石县建档立卡贫困人口信息表（截至2020年12月31日）")
    header = lines[1].split(",")
    assert header[:8] == ["县", "乡镇", "行政村", "自然村", "行政区划代码", "户编号", "人编号", "姓名"]
    assert len(header) == 41 and header[-1] == "联系电话"


def test_encodings_are_as_the_manifest_says(small):
    info = checker.manifest(small)
    for kind in DATASETS:
        meta = info["files"][f"{kind}.csv"]
        raw = (small / f"{kind}.csv").read_bytes()
        if meta["encoding"] == "gbk":
            assert not raw.startswith(codecs.BOM_UTF8)
            raw.decode("gbk")
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                raise AssertionError(f"{kind}.csv is valid UTF-8, not GBK")
        else:
            assert raw.startswith(codecs.BOM_UTF8)
    assert {info["files"][f"{k}.csv"]["encoding"] for k in ("vehicle", "payroll")} == {"gbk"}


def test_manifest_counts_match_the_files(small):
    info = checker.manifest(small)
    for name, meta in info["files"].items():
        df = checker.read(small, name)
        assert len(df) == meta["rows"], name
    gt = pd.read_csv(small / "ground_truth.csv", dtype=str, keep_default_na=False)
    assert info["injected"] == {code: int(n) for code, n in gt["code"].value_counts().reindex(
        info["injected"].keys(), fill_value=0).items()}
    registry = checker.load(small).registry
    assert info["households"] == registry["household_no"].nunique()
    assert info["people"] == len(registry)
    assert info["people_living"] == int((~registry["deceased"]).sum())
    assert info["probabilistic_links"]["total"] == len(pd.read_csv(small / "links.csv"))
    assert info["decoys"] == len(pd.read_csv(small / "decoys.csv"))


def test_messy_counts_match_the_cells(county_factory):
    outdir = county_factory(2000, 7)
    messy = checker.manifest(outdir)["messy"]["registry.csv"]
    raw = checker.read(outdir, "registry.csv")
    amounts = raw[["工资性收入", "生产经营性收入", "生产经营性支出", "财产性收入", "转移性收入", "家庭年纯收入", "人均纯收入"]]
    cells = amounts.to_numpy().ravel()
    assert messy["amount_yuan_suffix"] == sum(c.endswith("元") for c in cells)
    assert messy["amount_thousands_separator"] == sum("," in c for c in cells)
    assert messy["amount_fullwidth"] == sum(any("０" <= ch <= "９" for ch in c) for c in cells)
    flags = raw[["是否参加城乡居民基本医疗保险", "是否完成危房改造", "饮水是否安全", "是否不愁吃不愁穿", "是否死亡"]].to_numpy().ravel()
    assert messy["flag_1_0"] == sum(c in ("1", "0") for c in flags)
    assert messy["flag_Y_N"] == sum(c in ("Y", "N") for c in flags)
    ids = raw["证件号码"]
    assert messy["id_lowercase_x"] == sum(c.strip(" \u3000").endswith("x") for c in ids)
    assert messy["id_fullwidth"] == sum(any("０" <= ch <= "９" for ch in c) for c in ids)
    years = pd.concat([raw["识别年度"], raw["脱贫年度"]])
    assert messy["year_suffix"] == sum(c.endswith("年") for c in years)
    spaced = sum(c != c.strip(" \u3000") for col in ("姓名", "证件号码", "户编号") for c in raw[col])
    assert messy["surrounding_space"] + messy["surrounding_fullwidth_space"] == spaced
    for kind in ("flag_1_0", "flag_Y_N", "amount_yuan_suffix", "amount_thousands_separator", "id_lowercase_x",
                 "year_suffix", "surrounding_fullwidth_space"):
        assert messy[kind] > 0, kind


def test_cleaning_recovers_the_values(county_factory):
    """After NFKC, trimming, upper-casing and stripping 元 and commas, every household field agrees
    on all its members' rows, and every amount, year and flag parses."""
    registry = checker.load(county_factory(2000, 7)).registry
    household_fields = ["size", "household_type", "status", "identified_year", "exit_year", "cause", "rating",
                        "renovated", "water_safe", "helper", "wage", "business", "expense", "property", "transfer",
                        "net", "per_capita"]
    per_household = registry.groupby("household_no")[household_fields].nunique(dropna=False)
    assert (per_household <= 1).all().all()
    assert registry["person_no"].is_unique
    assert registry["household_no"].str.fullmatch(r"\d{16}").all()


def test_id_numbers_are_valid_except_the_injected_ones(county_factory):
    outdir = county_factory(2000, 7)
    county = checker.load(outdir)
    gt = pd.read_csv(outdir / "ground_truth.csv", dtype=str, keep_default_na=False)
    invalid_targets = set(gt.loc[gt["code"] == "ID_INVALID", "target"])
    registry = county.registry
    invalid = registry[~registry["id"].map(ric.is_valid)]
    assert set(invalid["person_no"]) == invalid_targets
    county_code = checker.manifest(outdir)["county"]["code"]
    valid = registry[registry["id"].map(ric.is_valid)]
    assert (valid["id"].str[:6] == county_code).mean() > 0.9
    # Departments: valid except the mistyped records and the registry's own broken numbers they copied.
    typos = set(pd.read_csv(outdir / "links.csv", dtype=str, keep_default_na=False)["recorded_id_number"])
    allowed = typos | set(invalid["id"]) | {""}
    for kind, df in county.datasets.items():
        bad = set(df.loc[~df["id"].map(ric.is_valid), "id"])
        assert bad <= allowed, (kind, sorted(bad - allowed)[:5])
        if kind in ("death", "vehicle", "business", "property", "payroll", "dibao", "medical_cost"):
            assert not bad & set(invalid["id"]), kind


def test_families_are_plausible(county_factory):
    outdir = county_factory(2000, 7)
    county = checker.load(outdir)
    r = county.registry
    gt = pd.read_csv(outdir / "ground_truth.csv", dtype=str, keep_default_na=False)
    touched = set(gt["target"]) | set(gt["household_no"])
    clean = r[~r["household_no"].isin(touched) & ~r["person_no"].isin(touched)]
    # relation and sex agree
    sexes = {"之子": "男", "之女": "女", "之儿媳": "女", "之女婿": "男", "之孙子": "男", "之孙女": "女"}
    for relation, sex in sexes.items():
        assert (clean.loc[clean["relation"] == relation, "sex"] == sex).all(), relation
    # the ID agrees with the recorded sex
    assert ((clean["id"].str[16].astype(int) % 2 == 1) == (clean["sex"] == "男")).all()
    # households: one head, sizes 1–7, mean about 3.3
    sizes = clean[~clean["deceased"]].groupby("household_no").size()
    assert sizes.between(1, 7).all()
    assert 3.0 <= sizes.mean() <= 3.6
    # ages: children ≥ 20 years younger than the head, parents ≥ 20 older, grandchildren ≥ 40 younger
    heads = clean[clean["relation"] == "户主"].set_index("household_no")["age"]
    gap = clean["household_no"].map(heads) - clean["age"]
    assert (gap[clean["relation"].isin(["之子", "之女"])] >= 20).all()
    assert (-gap[clean["relation"] == "之父母"] >= 20).all()
    assert (gap[clean["relation"].isin(["之孙子", "之孙女"])] >= 40).all()
    # spouses are of the other sex
    spouse = clean[clean["relation"] == "配偶"]
    head_sex = clean[clean["relation"] == "户主"].set_index("household_no")["sex"]
    assert (spouse["household_no"].map(head_sex) != spouse["sex"]).all()
    # children of compulsory-education age are at school
    school_age = clean[clean["age"].between(6, 15) & ~clean["deceased"]]
    assert school_age["schooling"].isin(["小学", "初中", "高中", "中职"]).all()
    # deceased members are not counted in 人数 and not insured
    assert (~r.loc[r["deceased"], "insured"]).all()
    assert (r.loc[r["deceased"], "relation"] != "户主").all()


def test_incomes_are_plausible(county_factory):
    registry = checker.load(county_factory(2000, 7)).registry
    households = registry.groupby("household_no").first()
    lifted = households[households["status"] == "已脱贫"]["per_capita"].map(float)
    assert 0.8 <= ((lifted >= 4500) & (lifted <= 15000)).mean()
    statuses = households["status"].value_counts(normalize=True)
    assert statuses["已脱贫"] > 0.6 and statuses["未脱贫"] > 0.01
    assert set(households["status"]) >= {"未脱贫", "已脱贫", "脱贫不稳定户", "边缘易致贫户", "风险已消除"}
    assert set(households["household_type"]) == {"一般贫困户", "低保贫困户", "特困供养贫困户"}
    for column in ("wage", "business", "expense", "property", "transfer", "net"):
        assert (households[column] >= 0).all()
    # one helper covers several households
    helpers = households.loc[households["helper"] != "", "helper"].value_counts()
    assert helpers.mean() > 2


def test_regions_structure(small):
    regions = pd.read_csv(small / "regions.csv", dtype=str, keep_default_na=False)
    county_code = checker.manifest(small)["county"]["code"]
    assert set(regions["level"]) == {"county", "town", "village", "hamlet"}
    villages = regions[regions["level"] == "village"]
    assert villages["code"].str.fullmatch(county_code + r"\d{6}").all()
    assert 0.1 < (villages["is_poor_village"] == "是").mean() < 0.6
    hamlets = regions[regions["level"] == "hamlet"]
    assert (hamlets["code"].str[:12] == hamlets["parent_code"]).all()
    assert hamlets["code"].str.len().eq(15).all()
    towns = regions[regions["level"] == "town"]
    assert 3 <= len(towns) <= 30
    registry = checker.read(small, "registry.csv")
    codes = registry["行政区划代码"].map(checker.text)
    assert codes.isin(set(regions["code"])).all()
    assert registry["县"].map(checker.text).eq("青石县").all()


def test_dataset_values(county_factory):
    outdir = county_factory(2000, 7)
    county = checker.load(outdir)
    d = county.datasets
    vehicle_types = set(d["vehicle"]["车辆类型"])
    assert any("面包" in t for t in vehicle_types) and any("货车" in t for t in vehicle_types)
    assert {"注销", "吊销"} & set(d["business"]["登记状态"])
    assert {"商品房", "自建房", "安置房"} <= set(d["property"]["房屋性质"])
    assert {"一级", "二级"} & set(d["disability"]["残疾等级"]) and {"1", "2", "3", "4"} & set(d["disability"]["残疾等级"])
    assert {"低保", "特困"} <= set(d["dibao"]["救助类别"])
    assert "出生日期" in d["death"] and "出生日期" in d["dibao"] and "户籍地址" in d["vehicle"]
    for kind, df in d.items():
        registry_share = df["id"].isin(set(county.registry["id"])).mean()
        if kind not in ("medical_insurance", "dibao", "school", "disability"):
            assert registry_share < 0.5, kind  # mostly the county's other residents
    costs = d["medical_cost"]["个人自付金额"].map(checker.amount)
    assert (costs == Decimal("19999.99")).any()


def test_unicode_is_clean(small):
    """Only the characters the importer is told to expect: no control characters, no stray BOMs."""
    for path in small.glob("*.csv"):
        info = checker.manifest(small)["files"][path.name]
        text = path.read_bytes().decode({"gbk": "gbk"}.get(info["encoding"], "utf-8-sig"))
        assert "\ufeff" not in text
        assert not any(unicodedata.category(ch) == "Cc" and ch not in "\r\n" for ch in text)
    counts = Counter(checker.read(small, "registry.csv")["性别"].map(checker.text))
    assert set(counts) == {"男", "女"}


def test_broken_variant_breaks_exactly_the_cells_it_says(tmp_path, small):
    from huitoukan.synth.generator import write_broken_variant

    target = tmp_path / "broken.csv"
    errors = write_broken_variant(small / "registry.csv", target, seed=3)
    assert len(errors) == 16 and len({e["row"] for e in errors}) == 16
    original = (small / "registry.csv").read_bytes().decode("utf-8-sig").split("\r\n")
    broken = target.read_bytes().decode("utf-8-sig").split("\r\n")
    assert len(original) == len(broken)
    changed = [i + 1 for i, (a, b) in enumerate(zip(original, broken)) if a != b]
    assert changed == [e["row"] for e in errors]
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    header = rows[1]
    for error in errors:
        assert rows[error["row"] - 1][header.index(error["column"])] == error["value"]
