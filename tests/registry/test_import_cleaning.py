"""Every cleaning case of DOMAIN.md §4, on the Django-free cleaners."""

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from huitoukan.registry.importing import cleaning
from huitoukan.registry.importing import vocabulary as vocab


def clean(function, values, *args, **kwargs):
    result = function(pa.array(values, pa.string()), *args, **kwargs)
    doubtful = result.doubtful.to_pylist() if result.doubtful is not None else None
    return result.values.to_pylist(), result.invalid.to_pylist(), doubtful


def test_text_trims_surrounding_and_full_width_spaces_and_invisible_characters():
    values, invalid, _ = clean(cleaning.plain_text, ["\u3000张三丰\u3000", "  李小梅 ", "王\u200b五", "", "   ", None])
    assert values == ["张三丰", "李小梅", "王五", None, None, None]
    assert invalid == [False] * 6


def test_text_turns_full_width_digits_and_letters_into_ascii():
    values, _, _ = clean(cleaning.plain_text, ["ＡＢＣ１２３", "（一组）"])
    assert values == ["ABC123", "(一组)"]


def test_text_longer_than_the_field_is_invalid():
    _, invalid, _ = clean(cleaning.plain_text, ["张三丰", "张三丰李"], 3)
    assert invalid == [False, True]


@pytest.mark.parametrize("raw, expected", [
    ("99010119850315123x", "99010119850315123X"),  # lower-case x
    (" 990101198503151234 ", "990101198503151234"),
    ("９９０１０１１９８５０３１５１２３４", "990101198503151234"),  # full-width digits
    ("990101198503151234.0", "990101198503151234"),  # went through a float
    ("'990101198503151234", "990101198503151234"),  # Excel's text apostrophe
    ("9901 0119 8503 1512 34", "990101198503151234"),
    ("12345", "12345"),  # invalid numbers are data: kept for the look-back to flag
])
def test_id_number_cleaning(raw, expected):
    values, invalid, doubtful = clean(cleaning.id_number, [raw])
    assert values == [expected]
    assert invalid == [False] and doubtful == [False]


@pytest.mark.parametrize("raw", ["9.90101E+17", "9.90101198503151E+17", "9.9e17", "9.90101E17"])
def test_id_number_in_scientific_notation_is_kept_and_doubtful(raw):
    values, invalid, doubtful = clean(cleaning.id_number, [raw])
    assert values == [raw.upper()]
    assert invalid == [False] and doubtful == [True]


def test_identifier_that_lost_digits_is_invalid():
    values, invalid, _ = clean(cleaning.identifier, ["H001", "9.90101E+15", "4305241010010001.0"], 40)
    assert values[0] == "H001" and values[2] == "4305241010010001"
    assert invalid == [False, True, False]


@pytest.mark.parametrize("raw, expected", [
    ("1,234.50元", Decimal("1234.50")), ("￥300", Decimal("300.00")), ("¥300", Decimal("300.00")),
    (" 1 200 ", Decimal("1200.00")), ("１，２００", Decimal("1200.00")), ("12.345", Decimal("12.35")),
    ("-5", Decimal("-5.00")), ("0", Decimal("0.00")), (".5", Decimal("0.50")), ("300 元", Decimal("300.00")),
])
def test_amounts(raw, expected):
    values, invalid, _ = clean(cleaning.amount, [raw])
    assert values == [expected] and invalid == [False]


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "1000000000000", "12万", "--5"])
def test_unreadable_amounts_are_invalid(raw):
    values, invalid, _ = clean(cleaning.amount, [raw])
    assert values == [None] and invalid == [True]


@pytest.mark.parametrize("raw", [None, "", "/", "无", "-"])
def test_empty_amounts_are_null_not_errors(raw):
    values, invalid, _ = clean(cleaning.amount, [raw])
    assert values == [None] and invalid == [False]


@pytest.mark.parametrize("raw, expected", [
    ("2016", 2016), ("2016年", 2016), ("2016.0", 2016), ("２０１６年", 2016), ("2016年度", 2016), (" 2016 ", 2016),
])
def test_years(raw, expected):
    values, invalid, _ = clean(cleaning.year, [raw])
    assert values == [expected] and invalid == [False]


@pytest.mark.parametrize("raw", ["16", "2016.5", "abcd", "1800", "二〇一六"])
def test_unreadable_years_are_invalid(raw):
    _, invalid, _ = clean(cleaning.year, [raw])
    assert invalid == [True]


def test_integers_with_units_and_range():
    values, invalid, _ = clean(cleaning.integer, ["3", "3人", "0", "100", "2.5", "x"], minimum=1, maximum=99)
    assert values[:2] == [3, 3]
    assert invalid == [False, False, True, True, True, True]


@pytest.mark.parametrize("raw", [
    "2019-05-01", "2019/5/1", "2019.05.01", "20190501", "2019年5月1日", "43586", "43586.0", "2019-05-01 00:00:00",
    "2019-5-1",
])
def test_dates(raw):
    values, invalid, _ = clean(cleaning.date, [raw])
    assert values == [dt.date(2019, 5, 1)] and invalid == [False]


@pytest.mark.parametrize("raw", ["2019-02-30", "2019", "2019-13-01", "五月一日", "1/5/2019"])
def test_unreadable_dates_are_invalid(raw):
    values, invalid, _ = clean(cleaning.date, [raw])
    assert values == [None] and invalid == [True]


@pytest.mark.parametrize("raw, expected", [
    ("是", True), ("否", False), ("1", True), ("0", False), ("Y", True), ("n", False), ("√", True), ("×", False),
    (" 是 ", True), ("ｙ", True), ("TRUE", True), ("false", False),
])
def test_flags(raw, expected):
    values, invalid, _ = clean(cleaning.flag, [raw])
    assert values == [expected] and invalid == [False]


def test_unknown_flag_is_invalid_and_empty_is_null():
    values, invalid, _ = clean(cleaning.flag, ["也许", None, "/"])
    assert values == [None, None, None]
    assert invalid == [True, False, False]


@pytest.mark.parametrize("field, raw, expected", [
    ("relation", "户主", "head"), ("relation", "之子", "son"), ("relation", "儿子", "son"), ("relation", "子", "son"),
    ("relation", "长女", "daughter"), ("relation", "之儿媳", "daughter_in_law"), ("relation", "孙女", "granddaughter"),
    ("status", "未脱贫", "not_lifted"), ("status", "已脱贫", "lifted"), ("status", "返贫", "returned"),
    ("status", "边缘易致贫户", "marginal"), ("status", "风险已消除", "risk_cleared"),
    ("household_type", "五保户", "tekun"), ("household_type", "特困供养贫困户（五保户）", "tekun"),
    ("household_type", "低保贫困户", "dibao"), ("household_type", "一般贫困户", "ordinary"),
    ("health", "长期慢性病", "chronic"), ("labor", "弱劳动力或半劳动力", "weak"), ("schooling", "高职/大专", "college"),
    ("main_cause", "缺劳力", "labor"), ("house_rating", "c", "C"), ("house_rating", "D级", "D"), ("sex", "女", "female"),
])
def test_vocabularies(field, raw, expected):
    values, invalid, _ = clean(cleaning.enum, [raw], vocab.VALUES[field])
    assert values == [expected] and invalid == [False]


def test_unknown_enum_value_is_invalid():
    values, invalid, _ = clean(cleaning.enum, ["外星人", "/"], vocab.VALUES["relation"])
    assert values == [None, None] and invalid == [True, False]


def test_every_vocabulary_is_unambiguous():
    for words in [*vocab.VALUES.values(), vocab.FLAG_WORDS]:
        cleaning.build_lookup(words)  # raises on a word with two meanings


def test_an_ambiguous_vocabulary_is_refused():
    with pytest.raises(ValueError):
        cleaning.build_lookup({"a": ["是"], "b": ["是"]})


@given(st.integers(min_value=-10**11, max_value=10**11), st.integers(min_value=0, max_value=99))
def test_amount_round_trips_any_formatted_value(yuan, fen):
    sign = "-" if yuan < 0 else ""
    text = f"{sign}{abs(yuan):,}.{fen:02d}元"
    values, invalid, _ = clean(cleaning.amount, [text])
    assert invalid == [False]
    assert values == [Decimal(f"{sign}{abs(yuan)}.{fen:02d}")]
