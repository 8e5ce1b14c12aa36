"""Every error case: found all at once, with the row Excel shows, the file's header and a reason."""

import pytest

from huitoukan.registry.importing.service import import_registry
from huitoukan.registry.importing.validation import short

from .conftest import registry_checksum
from .files import HEADERS, PEOPLE, people, write_csv

pytestmark = pytest.mark.django_db


def check(tmp_path, rows, headers=None, titles=()):
    return import_registry(write_csv(tmp_path / "r.csv", rows, headers, titles=titles), dry_run=True)


def where(report):
    return [(issue.row, issue.column) for issue in report.errors]


@pytest.mark.parametrize("header", ["户编号", "姓名", "与户主关系"])
def test_missing_person_values_are_errors(tmp_path, english, header):
    report = check(tmp_path, people({}, {header: " "}, {}))
    assert where(report)[0] == (3, header)
    assert "required" in report.errors[0].reason


@pytest.mark.parametrize("header, value", [
    ("工资性收入", "一千二"), ("人均纯收入", "5000元/年"), ("识别年度", "16年"), ("脱贫年度", "2019.5"),
    ("脱贫属性", "快脱贫了"), ("与户主关系", "邻居"), ("贫困户属性", "富裕户"), ("健康状况", "一般"),
    ("劳动技能", "很强"), ("在校生状况", "放假"), ("主要致贫原因", "运气"), ("危房等级", "E"), ("性别", "未知"),
    ("是否完成危房改造", "差不多"), ("饮水是否安全", "还行"), ("是否参加城乡居民基本医疗保险", "2"), ("人数", "两人"),
    ("务工时间（月）", "13"), ("村代码", "9901010010"), ("户编号", "9.90101E+15"),
    ("姓名", "张" * 51), ("帮扶责任人联系电话", "1" * 31),
])
def test_unreadable_values_are_errors(tmp_path, english, header, value):
    # Row 5: a title row, the header, two members of H001, then the one member of H002.
    report = check(tmp_path, people({}, {}, {header: value}), titles=["示例县"])
    assert (5, header) in where(report), report.errors
    issue = next(e for e in report.errors if e.column == header)
    assert issue.value == short(value) and issue.reason


def test_unknown_value_names_the_expected_ones(tmp_path, english):
    report = check(tmp_path, people({}, {"与户主关系": "邻居"}, {}))
    assert "户主" in report.errors[0].reason and "之子" in report.errors[0].reason


def test_every_error_of_the_file_is_listed(tmp_path):
    rows = [dict(PEOPLE[0], 户编号=f"H{i:03d}", 人编号=f"P{i:03d}", 脱贫属性="??") for i in range(50)]
    report = check(tmp_path, rows)
    assert len(report.errors) == 50
    assert [e.row for e in report.errors] == list(range(2, 52))


def test_two_values_for_one_household_are_an_error(tmp_path, english):
    report = check(tmp_path, people({}, {"脱贫属性": "未脱贫"}, {}))
    assert where(report) == [(3, "脱贫属性")]
    assert "H001" in report.errors[0].reason and "row 2" in report.errors[0].reason


def test_synonyms_of_one_value_are_not_a_conflict(tmp_path):
    report = check(tmp_path, people({"贫困户属性": "五保户"}, {"贫困户属性": "特困供养贫困户"}, {}))
    assert report.ok, report.errors


def test_a_household_field_given_only_on_the_heads_row_is_enough(tmp_path):
    report = check(tmp_path, people({}, {"脱贫属性": "", "人均纯收入": ""}, {}))
    assert report.ok, report.errors


def test_a_household_without_status_is_an_error(tmp_path, english):
    report = check(tmp_path, people({"脱贫属性": ""}, {"脱贫属性": ""}, {}))
    assert where(report) == [(2, "脱贫属性")]


def test_the_same_person_twice_is_an_error(tmp_path, english):
    report = check(tmp_path, PEOPLE + [PEOPLE[1]])
    assert where(report) == [(5, "人编号")]
    assert "row 3" in report.errors[0].reason


def test_one_region_code_for_two_villages_is_an_error(tmp_path):
    report = check(tmp_path, people({}, {}, {"村代码": "990101001001"}))
    assert report.errors and report.errors[0].row == 4


def test_a_hamlet_code_needs_a_hamlet_name(tmp_path):
    report = check(tmp_path, people({"村代码": "990101001001001"}, {"村代码": "990101001001001"}, {}))
    assert where(report) == [(2, "村代码")]


def test_a_ragged_row_is_an_error(tmp_path):
    path = write_csv(tmp_path / "r.csv", PEOPLE)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("a,b,c\r\n")
    report = import_registry(path, dry_run=True)
    assert where(report) == [(5, "")]


def test_no_header_row_is_a_file_error(tmp_path, english):
    path = tmp_path / "r.csv"
    path.write_text("示例县贫困户名单\n甲,乙,丙\n1,2,3\n", encoding="utf-8")
    report = import_registry(path, dry_run=True)
    assert where(report) == [(None, "")]
    assert "header" in report.errors[0].reason


@pytest.mark.parametrize("missing", ["户编号", "姓名", "与户主关系", "脱贫属性", "县", "乡镇", "行政村"])
def test_missing_required_columns_are_a_file_error(tmp_path, english, missing):
    report = check(tmp_path, PEOPLE, [h for h in HEADERS if h != missing])
    assert where(report) == [(None, "")]
    assert missing in report.errors[0].reason


def test_an_unsupported_file_type_is_a_file_error(tmp_path):
    path = tmp_path / "r.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    report = import_registry(path, dry_run=True)
    assert not report.ok and report.errors[0].row is None


def test_unknown_columns_are_ignored_with_a_notice(tmp_path, english):
    report = check(tmp_path, PEOPLE, HEADERS + ["备注", "填表人"])
    assert report.ok
    assert any("备注" in n and "填表人" in n for n in report.notices)


def test_an_invalid_id_number_is_data_not_an_error(tmp_path):
    report = check(tmp_path, people({"证件号码": "12345"}, {"证件号码": ""}, {}))
    assert report.ok and not report.warnings


def test_an_id_number_in_scientific_notation_is_a_warning(tmp_path, english):
    report = check(tmp_path, people({}, {"证件号码": "9.90101E+17"}, {}))
    assert report.ok
    assert [(w.row, w.column, w.value) for w in report.warnings] == [(3, "证件号码", "9.90101E+17")]
    assert "lost digits" in report.warnings[0].reason


def test_errors_write_nothing_even_without_dry_run(tmp_path):
    before = registry_checksum()
    report = import_registry(write_csv(tmp_path / "r.csv", people({}, {}, {"脱贫属性": "?"})))
    assert not report.ok and not report.written
    assert registry_checksum() == before
