"""load_dataset: every kind from the synthetic county's files, typed and cleaned; all or nothing;
dry runs; the same file twice; which load is in use."""

import csv
import datetime as dt
import unicodedata
from decimal import Decimal

import pyarrow as pa
import pytest

from huitoukan.datasets import tables
from huitoukan.datasets.kinds import KINDS, table_schema
from huitoukan.datasets.loading import storage
from huitoukan.datasets.loading.service import load_dataset
from huitoukan.datasets.models import DatasetLoad
from huitoukan.synth.datasets import COLUMNS, ID_COLUMN

from .conftest import AS_OF, nothing_stored, stored_files
from .files import write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def raw_rows(county, kind) -> list[dict]:
    """The file as the csv module reads it: an independent view of what the loader must find."""
    info = county.manifest["files"][f"{kind}.csv"]
    with open(county.paths[f"{kind}.csv"], encoding=info["encoding"], newline="") as handle:
        return list(csv.DictReader(handle))


def expected_id(raw: str) -> str | None:
    value = "".join(unicodedata.normalize("NFKC", raw).split()).upper()
    return value or None


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_loads_from_the_synthetic_county(county, kind):
    report = load_dataset(county.paths[f"{kind}.csv"], kind, as_of=AS_OF)
    assert report.errors == [], report.errors[:5]
    assert report.written and not report.unchanged
    rows = raw_rows(county, kind)
    assert report.row_count == len(rows) == county.rows[f"{kind}.csv"]
    assert report.encoding == ("GBK" if county.manifest["files"][f"{kind}.csv"]["encoding"] == "gbk" else "UTF-8 (BOM)")

    load = DatasetLoad.objects.get()
    assert (load.kind, load.as_of, load.row_count, load.file_name) == (kind, AS_OF, len(rows), f"{kind}.csv")
    assert load.stored_file == storage.final_name(load.pk, kind, load.sha256) and load.sha256 == report.sha256
    table = tables.load_table(load)
    assert table.num_rows == len(rows)
    assert table.schema.remove_metadata() == table_schema(kind).remove_metadata().append(
        pa.field("load_id", pa.int64(), nullable=False))
    assert set(table.column("load_id").to_pylist()) == {load.pk}
    # Row numbers as Excel shows them: the header is row 1.
    assert table.column("row_number").to_pylist() == list(range(2, len(rows) + 2))
    # ID numbers cleaned (full-width, spaces, lower-case x), never dropped or validated away.
    assert table.column("id_number").to_pylist() == [expected_id(r[ID_COLUMN[kind]]) for r in rows]
    missing = sum(1 for r in rows if not r[ID_COLUMN[kind]].strip())
    assert load.id_missing_count == missing
    assert table.column("name").to_pylist() == [unicodedata.normalize("NFKC", r["姓名"]).strip() for r in rows]
    if "户籍地址" in COLUMNS[kind]:
        assert table.column("address").null_count == sum(1 for r in rows if not r["户籍地址"].strip())


def test_typed_columns(county):
    for kind in ("death", "dibao", "medical_cost", "disability", "medical_insurance", "vehicle"):
        load_dataset(county.paths[f"{kind}.csv"], kind, as_of=AS_OF)
    t = tables.current_tables()

    death = t["death"]
    raw = raw_rows(county, "death")
    assert death.column("death_date").type == pa.date32() and death.column("death_date").null_count == 0
    assert death.column("birth_date").to_pylist()[0] == _date(raw[0]["出生日期"])
    assert set(death.column("sex").to_pylist()) == {"male", "female"}

    dibao = t["dibao"]
    raw = raw_rows(county, "dibao")
    assert dibao.column("end_date").to_pylist() == [_date(r["终止日期"]) for r in raw]
    assert dibao.column("start_date").to_pylist() == [_date(r["开始日期"]) for r in raw]

    cost = t["medical_cost"]
    raw = raw_rows(county, "medical_cost")
    assert cost.column("self_paid").type == pa.decimal128(14, 2)
    assert cost.column("self_paid").to_pylist() == [_yuan(r["个人自付金额"]) for r in raw]
    assert cost.column("year").type == pa.int32() and set(cost.column("year").to_pylist()) <= {2019, 2020}

    grades = t["disability"].column("disability_grade")
    assert grades.type == pa.int8() and set(grades.to_pylist()) <= {1, 2, 3, 4}
    raw = raw_rows(county, "disability")
    words = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "1": 1, "2": 2, "3": 3, "4": 4}
    assert grades.to_pylist() == [words[r["残疾等级"]] for r in raw]

    assert set(t["medical_insurance"].column("insured_year").to_pylist()) == {2020}
    # Columns a kind does not read are kept, per row, under their header.
    extra = t["medical_insurance"].column("extra").to_pylist()[0]
    assert extra == [("险种", "城乡居民基本医疗保险")]
    assert t["vehicle"].column("extra").null_count == t["vehicle"].num_rows  # no extra columns


def _date(text: str):
    text = text.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise AssertionError(text)


def _yuan(text: str) -> Decimal:
    return Decimal(unicodedata.normalize("NFKC", text).replace("元", "").replace(",", "").strip()).quantize(Decimal("0.01"))


def test_the_linkage_records_are_kept(county):
    """Rows whose ID number was mistyped or left out (links.csv) are loaded like any other."""
    with open(county.paths["links.csv"], encoding="utf-8") as handle:
        links = list(csv.DictReader(handle))
    kinds = {link["dataset"] for link in links}
    for kind in kinds:
        load_dataset(county.paths[f"{kind}.csv"], kind, as_of=AS_OF)
    t = tables.current_tables()
    for link in links:
        table = t[link["dataset"]]
        row = table.filter(pa.compute.equal(table.column("row_number"), int(link["row_number"]))).to_pylist()
        assert len(row) == 1 and row[0]["name"] == link["name"]
        assert row[0]["id_number"] == (link["recorded_id_number"] or None)


def test_an_xlsx_file_with_a_title_row_and_numeric_cells(tmp_path):
    header = ["姓名", "证件号码", "年度", "个人自付金额", "医疗总费用", "备注"]
    rows = [
        ["张三", "52262819800102002X", 2020, 21000.5, 40000, "住院"],
        ["李四", "522628198001010016", "2020年", "1,234.50元", None, None],
        ["王五", 5.22628198001030e17, 2020, 300, None, None],  # Excel turned the number into a float
    ]
    path = write_xlsx(tmp_path / "医保.xlsx", header, rows, title="2020年医疗费用明细")
    report = load_dataset(path, "medical_cost", as_of=AS_OF)
    assert report.errors == []
    assert (report.header_row, report.sheet, report.row_count) == (2, "明细", 3)
    assert len(report.warnings) == 1 and report.warnings[0].row == 5  # the number lost digits in Excel
    table = tables.current_tables()["medical_cost"]
    assert table.column("row_number").to_pylist() == [3, 4, 5]
    assert table.column("self_paid").to_pylist() == [Decimal("21000.50"), Decimal("1234.50"), Decimal("300.00")]
    assert table.column("year").to_pylist() == [2020, 2020, 2020]
    assert table.column("id_number").to_pylist()[:2] == ["52262819800102002X", "522628198001010016"]
    assert table.column("extra").to_pylist()[0] == [("备注", "住院")]
    assert DatasetLoad.objects.get().id_invalid_count == 1  # the number Excel mangled


def test_one_bad_row_among_good_ones_stores_nothing_and_names_it(county, tmp_path, data_dir):
    rows = raw_rows(county, "medical_cost")[:50]
    rows[9]["个人自付金额"] = "很多"
    rows[20]["姓名"], rows[20]["证件号码"] = "", ""
    header = COLUMNS["medical_cost"]
    path = write_csv(tmp_path / "cost.csv", header, [[r[h] for h in header] for r in rows])
    report = load_dataset(path, "medical_cost", as_of=AS_OF)
    assert not report.written and nothing_stored(data_dir)
    assert [(e.row, e.column) for e in report.errors] == [(11, "个人自付金额"), (22, "证件号码/姓名")]
    # In the installation's language (zh-hans).
    assert "金额" in report.errors[0].reason and "第 11 行" in str(report.errors[0])
    assert "姓名" in report.errors[1].reason or "证件号码" in report.errors[1].reason


@pytest.mark.parametrize("field,value,column", [
    ("开始日期", "2019-02-30", "开始日期"),
    ("开始日期", "", "开始日期"),  # required
    ("救助类别", "", "救助类别"),
])
def test_dates_and_required_values(county, tmp_path, data_dir, field, value, column):
    rows = raw_rows(county, "dibao")[:10]
    rows[3][field] = value
    header = COLUMNS["dibao"]
    path = write_csv(tmp_path / "dibao.csv", header, [[r[h] for h in header] for r in rows])
    report = load_dataset(path, "dibao", as_of=AS_OF)
    assert [(e.row, e.column) for e in report.errors] == [(5, column)]
    assert nothing_stored(data_dir)


def test_a_file_without_a_required_column(tmp_path, data_dir):
    path = write_csv(tmp_path / "d.csv", ["证件号码", "姓名", "性别"], [["522628198001020021", "李四", "男"]])
    report = load_dataset(path, "death", as_of=AS_OF)
    assert len(report.errors) == 1 and report.errors[0].row is None and "死亡日期" in report.errors[0].reason
    assert nothing_stored(data_dir)


def test_a_file_of_another_kind_has_no_header_for_this_one(county, data_dir):
    report = load_dataset(county.paths["school.csv"], "vehicle", as_of=AS_OF)
    assert report.errors and any("车辆类型" in e.reason for e in report.errors)
    assert nothing_stored(data_dir)


def test_dry_run_stores_nothing(county, data_dir):
    report = load_dataset(county.paths["payroll.csv"], "payroll", as_of=AS_OF, dry_run=True)
    assert report.errors == [] and not report.written
    assert report.row_count == county.rows["payroll.csv"] and report.preview["rows"]
    assert nothing_stored(data_dir)


def test_the_same_file_twice_changes_nothing(county, data_dir):
    first = load_dataset(county.paths["death.csv"], "death", as_of=AS_OF)
    files = stored_files(data_dir)
    again = load_dataset(county.paths["death.csv"], "death", as_of=dt.date(2021, 1, 31))
    assert again.unchanged and not again.written and again.load_id == first.load_id
    assert again.errors == [] and any("SHA-256" in n for n in again.notices)
    assert DatasetLoad.objects.count() == 1 and stored_files(data_dir) == files
    assert DatasetLoad.objects.get().as_of == AS_OF
    # The same file as another kind is another load (its meaning differs).
    other = load_dataset(county.paths["death.csv"], "dibao", as_of=AS_OF)
    assert other.errors  # …but a death file has no dibao columns


def test_the_newest_load_is_in_use(county, tmp_path):
    rows = raw_rows(county, "payroll")
    header = COLUMNS["payroll"]

    def file(name, n):
        return write_csv(tmp_path / name, header, [[r[h] for h in header] for r in rows[:n]], encoding="gbk")

    june = load_dataset(file("a.csv", 10), "payroll", as_of=dt.date(2020, 6, 30))
    december = load_dataset(file("b.csv", 20), "payroll", as_of=dt.date(2020, 12, 31))
    # Loaded later, but describing an earlier date: on record, not in use.
    march = load_dataset(file("c.csv", 30), "payroll", as_of=dt.date(2020, 3, 31))
    assert DatasetLoad.objects.current("payroll").pk == december.load_id
    assert tables.current_tables(["payroll"])["payroll"].num_rows == 20
    # Two loads of one as-of date: the later load wins.
    again = load_dataset(file("d.csv", 25), "payroll", as_of=dt.date(2020, 12, 31))
    assert tables.current_loads(["payroll"])["payroll"].pk == again.load_id
    assert DatasetLoad.objects.count() == 4
    assert {june.load_id, march.load_id, december.load_id} < set(DatasetLoad.objects.values_list("pk", flat=True))
    assert tables.current_tables(["death"]) == {}


def test_a_load_that_fails_while_storing_leaves_no_row_and_no_file(county, data_dir, monkeypatch):
    """A disk that refuses the rename: the transaction rolls back and the temporary file goes."""
    def refuse(temp, name):
        raise OSError("no space left on device")

    monkeypatch.setattr(storage, "commit_file", refuse)
    with pytest.raises(OSError):
        load_dataset(county.paths["death.csv"], "death", as_of=AS_OF)
    assert nothing_stored(data_dir)


def test_a_failed_commit_removes_the_renamed_file(county, data_dir, monkeypatch):
    """Failing after the rename (as a failed COMMIT would): the renamed file is removed too."""
    real = storage.commit_file

    def commit_then_fail(temp, name):
        real(temp, name)
        raise RuntimeError("commit failed")

    monkeypatch.setattr(storage, "commit_file", commit_then_fail)
    with pytest.raises(RuntimeError):
        load_dataset(county.paths["death.csv"], "death", as_of=AS_OF)
    assert nothing_stored(data_dir)


def test_id_numbers_are_cleaned_not_validated(tmp_path):
    header = ["证件号码", "姓名", "死亡日期"]
    rows = [
        ["５２２６２８１９８００１０２００２ｘ", "全角", "2020-01-01"],
        [" 52262819800102002x ", "小写", "2020/1/2"],
        ["522628198001010011", "校验位错", "2020.01.03"],
        ["", "无号码", "20200104"],
        ["5.22628E+17", "科学计数", "43835"],
    ]
    report = load_dataset(write_csv(tmp_path / "d.csv", header, rows), "death", as_of=AS_OF)
    assert report.errors == [] and [w.row for w in report.warnings] == [6]
    table = tables.current_tables()["death"]
    assert table.column("id_number").to_pylist() == [
        "52262819800102002X", "52262819800102002X", "522628198001010011", None, "5.22628E+17"]
    assert table.column("death_date").to_pylist() == [dt.date(2020, 1, d) for d in range(1, 6)]
    load = DatasetLoad.objects.get()
    assert (load.id_missing_count, load.id_invalid_count) == (1, 2)


def test_unknown_kind():
    with pytest.raises(ValueError):
        load_dataset(__file__, "pets")
