"""Reading files: encodings, title rows, header synonyms, xlsx cells, row numbers as Excel shows them."""

import datetime as dt

import pytest

from huitoukan.registry.importing.columns import header_score, map_headers
from huitoukan.registry.importing.reading import ReadError, read_table

from .files import HEADERS, PEOPLE, table, write_csv, write_xlsx


def read(path):
    return read_table(path, header_score)


def column(source, header):
    return source.table.column(source.headers.index(header)).to_pylist()


@pytest.mark.parametrize("encoding, shown", [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("gbk", "GBK"),
                                             ("utf-16", "UTF-16")])
def test_csv_encodings(tmp_path, encoding, shown):
    source = read(write_csv(tmp_path / "r.csv", PEOPLE, encoding=encoding))
    assert source.encoding == shown
    assert source.headers == HEADERS
    assert column(source, "姓名") == ["张三丰", "李小梅", "孙大山"]
    assert source.row_numbers.to_pylist() == [2, 3, 4]


def test_title_rows_above_the_header_are_skipped_and_rows_keep_excel_numbers(tmp_path):
    source = read(write_csv(tmp_path / "r.csv", PEOPLE, titles=["示例县建档立卡贫困人口明细表", "单位：元,,,", ""]))
    assert source.header_row == 4
    assert source.row_numbers.to_pylist() == [5, 6, 7]


def test_blank_lines_between_rows_count_as_rows_like_in_excel(tmp_path):
    path = write_csv(tmp_path / "r.csv", PEOPLE[:1])
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\r\n" + ",".join(PEOPLE[1].get(h, "") for h in HEADERS) + "\r\n", encoding="utf-8")
    source = read(path)
    assert source.row_numbers.to_pylist() == [2, 4]


def test_ragged_rows_are_reported_with_their_row_number(tmp_path):
    path = write_csv(tmp_path / "r.csv", PEOPLE)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "a,b,c")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    source = read(path)
    assert source.ragged_rows == [(3, 3)]
    assert source.row_numbers.to_pylist() == [2, 4, 5]


def test_tab_separated_text(tmp_path):
    source = read(write_csv(tmp_path / "r.csv", PEOPLE, delimiter="\t", encoding="utf-16"))
    assert column(source, "户编号") == ["H001", "H001", "H002"]


def test_quoted_cells_with_newlines_and_commas(tmp_path):
    rows = [dict(PEOPLE[0], 帮扶单位="示例县农业局,\n第二办公室")] + PEOPLE[1:]
    source = read(write_csv(tmp_path / "r.csv", rows, titles=["标题"]))
    assert column(source, "帮扶单位")[0] == "示例县农业局,\n第二办公室"
    assert source.row_numbers.to_pylist() == [3, 4, 5]


def test_no_header_is_a_file_error(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ReadError):
        read(path)


def test_other_file_types_are_refused(tmp_path):
    path = tmp_path / "r.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ReadError):
        read(path)


def test_undecodable_bytes_are_a_file_error(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(",".join(HEADERS).encode("utf-8") + b"\n\xff\xfe\xfa\xfb\x81\x30\n")
    with pytest.raises(ReadError):
        read(path)


@pytest.mark.parametrize("synonym, field", [
    ("县（市、区、旗）", "county"), ("乡（镇）", "town"), ("村", "village"), ("组", "hamlet"), ("行政区划代码", "region_code"),
    ("身份证号", "id_number"), ("身份证号码", "id_number"), ("公民身份号码", "id_number"), ("家庭人口数", "household_size"),
    ("在校情况", "schooling"), ("劳动能力", "labor"), ("务工月数", "migrant_months"), ("户类型", "status"),
    ("贫困户状态", "status"), ("纳入年度", "identified_year"), ("退出年度", "exit_year"), ("住房安全等级", "house_rating"),
    ("是否解决安全饮水", "water_safe"), ("基本医保", "medical_insured"), ("死亡标注", "deceased"),
    ("是否参加基本医疗保险", "medical_insured"), (" 姓 名 ", "name"), ("*户编号", "household_no"),
    ("县(市、区、旗)", "county"), ("务工时间(月)", "migrant_months"),
])
def test_header_synonyms(synonym, field):
    header_map = map_headers([synonym])
    assert header_map.index == {field: 0}


def test_unknown_and_repeated_columns_are_listed():
    header_map = map_headers(["户编号", "备注", "身份证号", "证件号码", ""])
    assert header_map.ignored == ["备注"]
    assert header_map.duplicated == ["证件号码"]
    assert "name" in header_map.missing


def test_xlsx_cells_become_the_text_excel_shows(tmp_path):
    rows = table(PEOPLE)
    id_col, year_col, size_col, phone_col = (HEADERS.index(h) for h in ("证件号码", "识别年度", "人数", "联系电话"))
    rows[1][id_col] = 990101198503151234  # a number: Excel kept 15 digits
    rows[2][id_col] = 990101198706201  # an old 15-digit number stored as a number: exact
    rows[1][year_col] = 2016
    rows[1][size_col] = 2.0
    rows[1][phone_col] = 13700000001
    rows[3][year_col] = dt.date(2016, 5, 1)
    source = read(write_xlsx(tmp_path / "r.xlsx", rows, titles=["示例县建档立卡明细"], before=["说明"]))
    assert source.sheet == "登记表"
    assert source.header_row == 2
    assert source.row_numbers.to_pylist() == [3, 4, 5]
    ids = column(source, "证件号码")
    assert ids[0] == "9.90101198503151E+17"
    assert ids[1] == "990101198706201"
    assert column(source, "识别年度") == ["2016", "2016", "2016-05-01"]
    assert column(source, "人数")[0] == "2"
    assert column(source, "联系电话")[0] == "13700000001"


def test_xlsx_trailing_empty_rows_are_dropped(tmp_path):
    rows = table(PEOPLE) + [[""] * len(HEADERS), [""] * len(HEADERS)]
    source = read(write_xlsx(tmp_path / "r.xlsx", rows))
    assert source.num_rows == 3
