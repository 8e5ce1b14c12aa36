"""The vectorised ID check gives python-stdnum's verdict on every kind of number, right or wrong."""

import datetime as dt
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import stdnum
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum import exceptions as errors
from stdnum.cn import ric

from huitoukan.lookback.engine.idnumbers import check_id_numbers

AS_OF = dt.date(2020, 12, 31)
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def _codes() -> list[str]:
    """Every six-digit code of stdnum's table (some valid only in some years)."""
    codes, province = [], None
    for line in (Path(stdnum.__file__).parent / "cn" / "loc.dat").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
        else:
            codes.append(province + line.split()[0])
    return codes


CODES = _codes()


def with_check(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def reference(value):
    """stdnum's verdict, and the first check it fails."""
    try:
        number = ric.validate(value or "")
    except errors.InvalidLength:
        return False, "length", None, None, None
    except errors.InvalidFormat:
        return False, "characters", None, None, None
    except errors.InvalidChecksum:
        return False, "check_digit", None, None, None
    except (errors.InvalidComponent, KeyError):  # KeyError: stdnum has the province, no county
        try:
            ric.get_birth_date(value)
        except errors.InvalidComponent:
            return False, "birth_date", None, None, None
        return False, "birth_place", None, None, None
    birth = ric.get_birth_date(number)
    age = AS_OF.year - birth.year - ((AS_OF.month, AS_OF.day) < (birth.month, birth.day))
    return True, None, birth, "male" if int(number[16]) % 2 else "female", age


def ours(values):
    t = check_id_numbers(pa.array(values, pa.string()), AS_OF)
    return list(zip(*(t[c].to_pylist() for c in t.column_names), strict=True))


def assert_same(values):
    assert ours(values) == [reference(v) for v in values]


dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
order = st.integers(0, 999).map(lambda i: f"{i:03d}")


@st.composite
def valid_ids(draw):
    return with_check(draw(st.sampled_from(CODES)) + draw(dates).strftime("%Y%m%d").zfill(8) + draw(order))


@st.composite
def one_digit_typos(draw):
    number = draw(valid_ids())
    i = draw(st.integers(0, 17))
    return number[:i] + draw(st.sampled_from("0123456789X")) + number[i + 1:]


@st.composite
def wrong_dates(draw):
    """A right check digit over a date no calendar has (30 February, month 13, day 0, year 0)."""
    y = draw(st.integers(0, 2100))
    m = draw(st.integers(0, 99))
    d = draw(st.integers(0, 99))
    return with_check(draw(st.sampled_from(CODES)) + f"{y:04d}{m:02d}{d:02d}" + draw(order))


@st.composite
def any_region(draw):
    """Six random digits (mostly unknown to stdnum) or a county outside its years of validity."""
    prefix = draw(st.one_of(st.integers(0, 999999).map(lambda i: f"{i:06d}"), st.sampled_from(CODES)))
    return with_check(prefix + draw(dates).strftime("%Y%m%d").zfill(8) + draw(order))


messy_text = st.text(alphabet="0123456789Xx 　０１２３４-.张A", max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(valid_ids(), one_digit_typos(), wrong_dates(), any_region(), messy_text,
                          valid_ids().map(lambda v: v[:-1] + "x" if v.endswith("X") else v),
                          valid_ids().map(lambda v: v[:-1] + ("0" if v[-1] != "0" else "1")), st.none()),
                max_size=40))
@example(["11010119900230002X", "110101199002300020", "110103201201010000", "119900199003070000"])
def test_same_verdict_reason_and_parts_as_stdnum(values):
    assert_same(values)


def test_known_cases_and_their_reasons():
    base = "11010119900307002"  # 东城区, 1990-03-07, order 002 (female)
    valid = with_check(base)
    cases = {
        valid: None,
        valid.lower(): None,  # a lower-case x is upper-cased, as stdnum does
        valid[:-1]: "length",
        valid + "1": "length",
        "": "length",
        None: "length",
        "1101011990030700AX": "characters",
        valid[:-1] + ("1" if valid[-1] != "1" else "2"): "check_digit",
        with_check("11010119900230002"): "birth_date",  # 30 February
        with_check("11010119901301002"): "birth_date",
        with_check("11010100000101002"): "birth_date",  # year 0
        with_check("99000019900307002"): "birth_place",
        with_check("11010320120101002"): "birth_place",  # 崇文区 was merged away in 2010
        with_check("11010320090101002"): None,
        with_check("11990019900307002"): "birth_place",  # province known, county not (stdnum: KeyError)
    }
    t = check_id_numbers(pa.array(list(cases), pa.string()), AS_OF)
    assert t["id_invalid_reason"].to_pylist() == list(cases.values())
    assert t["id_valid"].to_pylist() == [v is None for v in cases.values()]


def test_parts_of_a_valid_number():
    t = check_id_numbers(pa.array([with_check("52262820001231001"), with_check("52262820010101002")]),
                         dt.date(2020, 12, 31))
    assert t["birth_date"].to_pylist() == [dt.date(2000, 12, 31), dt.date(2001, 1, 1)]
    assert t["id_sex"].to_pylist() == ["male", "female"]
    assert t["age"].to_pylist() == [20, 19]  # full years: the birthday on the as-of date counts


def test_chunked_and_empty_columns():
    chunked = pa.chunked_array([[with_check("52262820001231001")], [None, "x"]])
    assert check_id_numbers(chunked, AS_OF)["id_valid"].to_pylist() == [True, False, False]
    assert check_id_numbers(pa.chunked_array([], pa.string()), AS_OF).num_rows == 0


def test_a_million_ids(capsys):
    """Speed note (no assertion on time): printed with `pytest -s`."""
    rng = np.random.default_rng(5)
    n = 1_000_000
    prefixes = np.array(["522628", "110101", "522626", "990000"])[rng.integers(0, 4, n)]
    births = (np.datetime64("1930-01-01") + rng.integers(0, 32000, n)).astype("datetime64[D]").astype(str)
    first17 = np.char.add(np.char.add(prefixes, np.char.replace(births, "-", "")),
                          np.char.zfill(rng.integers(0, 1000, n).astype(str), 3))
    digits = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    check = np.frombuffer(b"10X98765432", dtype=np.uint8)[(digits.astype(np.int64) @ np.array(WEIGHTS)) % 11]
    ids = np.char.add(first17, check.view("S1").astype(str))
    ids[rng.random(n) < 0.01] = "52262819900230001X"
    column = pa.array(ids.tolist(), pa.string())
    started = time.perf_counter()
    t = check_id_numbers(column, AS_OF)
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n{n:,} ID numbers checked in {seconds:.2f} s")
    sample = rng.integers(0, n, 2000)
    assert [t["id_valid"][int(i)].as_py() for i in sample] == [ric.is_valid(ids[i]) for i in sample]
