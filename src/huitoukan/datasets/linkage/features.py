"""The columns the linkage compares, for registry people and department records alike.

Both sides become one shape (`FEATURES`): a normalised name, a birth date, a sex, a place (town and
village names, the six-digit code of the ID's birth place) and the parts of the ID number a typo
leaves standing. Everything is computed a column at a time (pyarrow compute, numpy), never a Python
loop over rows: a department dataset can hold a million records.

What an ID number still tells when it is invalid: GB 11643 digits 1–6 are the birth place, 7–14 the
birth date, 15–17 an order code whose last digit is odd for men, 18 the check digit. One mistyped or
two swapped digits (what the check digit catches) leave most of these standing, so each part is read
on its own: the birth date when digits 7–14 form a real date, the sex when digit 17 is a digit, the
place when digits 1–6 are digits. A 15-digit number of the first generation is read the same way
(birth date 19YYMMDD from digits 7–12, sex from digit 15).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from huitoukan.lookback.engine.idnumbers import check_id_numbers

FEATURES = pa.schema([
    ("unique_id", pa.int64()),
    ("name", pa.string()),
    ("birth_date", pa.string()),  # YYYYMMDD: one-character typos are edit distances on it
    ("birth_year", pa.string()),
    ("sex", pa.string()),  # 'male' | 'female'
    ("town", pa.string()),
    ("village", pa.string()),
    ("place_code", pa.string()),  # the ID number's first six digits
    ("id_number", pa.string()),
    ("id_valid", pa.bool_()),  # GB 11643 valid (lookback.engine.idnumbers); null when missing
    ("id_tail", pa.string()),  # digits 15–18: untouched by a typo in the birth place or date
])

# Province/city, county, town, village as Chinese addresses write them (青石县岩铺镇杉河村一组).
_ADDRESS = (r"^(?:.*?[省州])?(?:.*?市)?(?:.*?[县区旗])?(?P<town>[^县区旗]*?(?:镇|乡|街道))?"
            r"(?P<village>[^镇乡]*(?:村|社区|居委会))?")
_EARLIEST_BIRTH_YEAR = 1880


def normalise_id_numbers(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    """As the registry import leaves them: NFKC (full-width digits), no surrounding space,
    upper-case X; empty → null."""
    ids = _array(ids).cast(pa.string())
    ids = pc.utf8_upper(pc.utf8_trim_whitespace(pc.utf8_normalize(ids, "NFKC")))
    return pc.if_else(pc.equal(ids, ""), pa.scalar(None, pa.string()), ids)


def normalise_names(names: pa.Array | pa.ChunkedArray) -> pa.Array:
    """NFKC, no space anywhere (姓名 never holds one; exports pad with full-width spaces), the middle
    dot of minority names in one form; empty → null."""
    names = pc.utf8_normalize(_array(names).cast(pa.string()), "NFKC")
    names = pc.replace_substring_regex(names, r"\s+", "")
    names = pc.replace_substring_regex(names, "[•・‧∙]", "·")
    return pc.if_else(pc.equal(names, ""), pa.scalar(None, pa.string()), names)


def id_parts(ids: pa.Array) -> dict[str, pa.Array]:
    """What survives in each (normalised) ID number: place_code, birth_date (YYYYMMDD), sex, id_tail.
    Null where the part is not readable."""
    n = len(ids)
    lengths = pc.fill_null(pc.utf8_length(ids), 0).to_numpy(zero_copy_only=False)
    padded = pc.utf8_rpad(pc.fill_null(ids, ""), 18, " ")
    b = _fixed_bytes(pc.utf8_slice_codeunits(padded, 0, 18), 18)
    digit = (b >= ord("0")) & (b <= ord("9"))
    d = np.where(digit, b - ord("0"), 0).astype(np.int32)
    long_, short = lengths == 18, lengths == 15

    place_ok = (long_ | short) & digit[:, :6].all(axis=1)
    year = np.where(long_, d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9], 1900 + d[:, 6] * 10 + d[:, 7])
    md = np.where(long_[:, None], d[:, 10:14], d[:, 8:12])
    month, day = md[:, 0] * 10 + md[:, 1], md[:, 2] * 10 + md[:, 3]
    date_digits = np.where(long_, digit[:, 6:14].all(axis=1), digit[:, 6:12].all(axis=1))
    date_ok = (long_ | short) & date_digits & _is_date(year, month, day) & (year >= _EARLIEST_BIRTH_YEAR)
    sex_at = np.where(long_, 16, 14)
    sex_digit = b[np.arange(n), sex_at]
    sex_ok = (long_ | short) & (sex_digit >= ord("0")) & (sex_digit <= ord("9"))
    male = (sex_digit - ord("0")) % 2 == 1

    birth = np.char.add(np.char.zfill(year.astype("U4"), 4),
                        np.char.add(np.char.zfill(month.astype("U2"), 2), np.char.zfill(day.astype("U2"), 2)))
    return {
        "place_code": pc.if_else(pa.array(place_ok), pc.utf8_slice_codeunits(ids, 0, 6), None),
        "birth_date": pa.array(birth.astype(object), pa.string(), mask=~date_ok),
        "sex": pa.array(np.where(male, "male", "female").astype(object), pa.string(), mask=~sex_ok),
        "id_tail": pc.if_else(pa.array(long_), pc.utf8_slice_codeunits(ids, 14, 18), None),
    }


def parse_addresses(addresses: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(town, village) names read from address text; null where the address does not say."""
    text = pc.replace_substring_regex(pc.utf8_normalize(_array(addresses).cast(pa.string()), "NFKC"), r"\s+", "")
    parts = pc.extract_regex(text, _ADDRESS)
    town, village = pc.struct_field(parts, "town"), pc.struct_field(parts, "village")
    return _empty_to_null(town), _empty_to_null(village)


def dates_as_text(dates: pa.Array | pa.ChunkedArray) -> pa.Array:
    """date32 → YYYYMMDD."""
    return pc.strftime(pc.cast(_array(dates), pa.timestamp("s")), "%Y%m%d")


def build(unique_id, ids, names, *, birth_date=None, sex=None, town=None, village=None, address=None) -> pa.Table:
    """The FEATURES table of one side. A given birth date or sex wins over the ID number's (it was
    entered apart from the number, so a typo in the number leaves it right)."""
    ids = normalise_id_numbers(ids)
    parts = id_parts(ids)
    birth = parts["birth_date"]
    if birth_date is not None:
        birth = pc.coalesce(dates_as_text(birth_date), birth)
    person_sex = parts["sex"]
    if sex is not None:
        person_sex = pc.coalesce(_sexes(sex), person_sex)
    if address is not None:
        parsed_town, parsed_village = parse_addresses(address)
        town = parsed_town if town is None else pc.coalesce(_array(town), parsed_town)
        village = parsed_village if village is None else pc.coalesce(_array(village), parsed_village)
    n = len(ids)
    nulls = pa.nulls(n, pa.string())
    return pa.table({
        "unique_id": _array(unique_id).cast(pa.int64()),
        "name": normalise_names(names),
        "birth_date": birth,
        "birth_year": pc.utf8_slice_codeunits(birth, 0, 4),
        "sex": person_sex,
        "town": nulls if town is None else _empty_to_null(_array(town).cast(pa.string())),
        "village": nulls if village is None else _empty_to_null(_array(village).cast(pa.string())),
        "place_code": parts["place_code"],
        "id_number": ids,
        # The as-of date only decides ages, which the linkage does not read.
        "id_valid": pc.if_else(pc.is_valid(ids), check_id_numbers(ids, dt.date.today())["id_valid"], None),
        "id_tail": parts["id_tail"],
    }, schema=FEATURES)


def _sexes(values) -> pa.Array:
    """'male'/'female' as given, or 男/女; anything else unknown."""
    values = pc.utf8_trim_whitespace(_array(values).cast(pa.string()))
    male = pc.is_in(values, pa.array(["male", "男", "M", "m"]))
    female = pc.is_in(values, pa.array(["female", "女", "F", "f"]))
    return pc.case_when(pc.make_struct(male, female), "male", "female", pa.scalar(None, pa.string()))


def _fixed_bytes(values: pa.Array, width: int) -> np.ndarray:
    """(n, width) uint8 of an array of ASCII-or-other text cut to `width` code units (non-ASCII
    code units count as non-digits: their UTF-8 bytes are ≥ 0x80)."""
    as_bytes = pc.cast(values, pa.binary())
    lengths = pc.binary_length(as_bytes).to_numpy(zero_copy_only=False)
    if len(lengths) and (lengths == width).all():
        _, offsets, data = as_bytes.buffers()
        start = np.frombuffer(offsets, dtype=np.int32, count=len(values) + 1 + as_bytes.offset)[as_bytes.offset]
        return np.frombuffer(data, dtype=np.uint8, count=width * len(values), offset=int(start)).reshape(-1, width)
    # Rare: multi-byte characters. Their first `width` bytes are enough to say "not a digit".
    rows = [row.ljust(width, b" ")[:width] for row in as_bytes.to_pylist()]
    return np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(-1, width) if rows else np.zeros((0, width), np.uint8)


def _is_date(year, month, day) -> np.ndarray:
    days = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    ok_month = (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = days[np.where(ok_month, month, 0)] - ((month == 2) & ~leap)
    return ok_month & (day >= 1) & (day <= last)


def _empty_to_null(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _array(values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    if isinstance(values, pa.Array):
        return values
    return pa.array(values)
