"""GB 11643 citizen ID numbers, checked for a whole column at once.

The verdict is python-stdnum's (`stdnum.cn.ric.is_valid`), computed without a Python loop over the
rows: the length, characters, check digit and birth date are numpy arithmetic over the column's
bytes, and the birth place (stdnum's table of division codes with each county's years of validity)
is asked of stdnum itself, once per distinct (first six digits, birth year) pair and joined back.
A county has a few dozen such pairs, a province a few thousand, whatever the number of people.

The reason an ID is invalid is the first check stdnum fails, in stdnum's order: length,
characters (the first 17 must be digits), check_digit, birth_date, birth_place.

Values that are not plain ASCII letters and digits (spaces, full-width digits, punctuation) are rare
once the import has cleaned the column; they go through stdnum row by row, so that its own
clean-up of such values (`compact`) is followed exactly rather than imitated.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

LENGTH, CHARACTERS, CHECK_DIGIT = "length", "characters", "check_digit"
BIRTH_DATE, BIRTH_PLACE = "birth_date", "birth_place"
REASONS = (LENGTH, CHARACTERS, BIRTH_DATE, BIRTH_PLACE, CHECK_DIGIT)

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_SIMPLE = "^[0-9A-Za-z]*$"

# Reason codes as small integers while computing (0: valid).
_CODES = {LENGTH: 1, CHARACTERS: 2, CHECK_DIGIT: 3, BIRTH_DATE: 4, BIRTH_PLACE: 5}
_SEXES = pa.array(["female", "male"], pa.string())
_REASON_OF_CODE = pa.array([None, LENGTH, CHARACTERS, CHECK_DIGIT, BIRTH_DATE, BIRTH_PLACE], pa.string())

DERIVED = pa.schema([
    ("id_valid", pa.bool_()),
    ("id_invalid_reason", pa.string()),
    ("birth_date", pa.date32()),
    ("id_sex", pa.string()),
    ("age", pa.int32()),
])


def check_id_numbers(ids: pa.ChunkedArray | pa.Array, as_of: dt.date) -> pa.Table:
    """One row per ID: validity, the reason when invalid, and (valid IDs only) the birth date, the
    sex encoded by the 17th digit and the age in full years at `as_of`. Null or empty: length."""
    values = _as_string_array(ids)
    n = len(values)
    reason = np.full(n, _CODES[LENGTH], dtype=np.int8)
    year = np.zeros(n, dtype=np.int32)
    month = np.zeros(n, dtype=np.int32)
    day = np.zeros(n, dtype=np.int32)
    male = np.zeros(n, dtype=bool)

    lengths = pc.fill_null(pc.binary_length(values), 0).to_numpy(zero_copy_only=False)
    common = np.nonzero(lengths == 18)[0]
    if len(common):
        b = _byte_matrix(values if len(common) == n else values.take(pa.array(common)))
        plain = _is_alnum(b)
        upper = np.where((b >= ord("a")) & (b <= ord("z")), b - 32, b).astype(np.uint8)
        r, y, m, d, is_male = _check_matrix(upper)
        # Every value 18 long (the usual case): whole arrays, not a scatter through an index.
        at = slice(None) if len(common) == n else common
        reason[at], year[at], month[at], day[at], male[at] = r, y, m, d, is_male
        rare = common[~plain]
        common = common[plain]
    else:
        rare = common
    # Values of another length are invalid (length) unless stdnum's clean-up would change them.
    others = np.nonzero((lengths != 18) & (lengths > 0))[0]
    if len(others):
        simple = pc.match_substring_regex(values.take(pa.array(others)), _SIMPLE).to_numpy(zero_copy_only=False)
        rare = np.concatenate([rare, others[~simple]])
    for i in rare.tolist():
        reason[i], year[i], month[i], day[i], male[i] = _check_one(values[i].as_py())

    _check_birth_places(reason, common, values, year)

    valid = reason == 0
    birth_days = np.where(valid, _days_from_civil(year, month, day), 0).astype(np.int32)
    age = (as_of.year - year - ((month * 100 + day) > (as_of.month * 100 + as_of.day))).astype(np.int32)
    mask = ~valid
    return pa.table({
        "id_valid": pa.array(valid, pa.bool_()),
        "id_invalid_reason": _REASON_OF_CODE.take(pa.array(reason)),
        "birth_date": pa.array(birth_days, pa.int32(), mask=mask).cast(pa.date32()),
        "id_sex": _SEXES.take(pa.array(male.view(np.int8), mask=mask)),
        "age": pa.array(age, pa.int32(), mask=mask),
    }, schema=DERIVED)


def _as_string_array(ids) -> pa.Array:
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks() if ids.num_chunks else pa.array([], pa.string())
    if not isinstance(ids, pa.Array):
        ids = pa.array(list(ids), pa.string())
    if ids.type != pa.string():
        ids = ids.cast(pa.string())
    return ids


def _byte_matrix(values: pa.Array) -> np.ndarray:
    """(n, 18) uint8 matrix of an array whose every value is 18 ASCII bytes, without copying rows
    one by one: the values of such an array lie end to end in its data buffer."""
    _, offsets, data = values.buffers()
    n = len(values)
    bounds = np.frombuffer(offsets, dtype=np.int32, count=n + 1 + values.offset)[values.offset:]
    start = int(bounds[0])
    assert int(bounds[-1]) - start == 18 * n
    return np.frombuffer(data, dtype=np.uint8, count=18 * n, offset=start).reshape(n, 18)


def _is_alnum(b: np.ndarray) -> np.ndarray:
    lower = b | 0x20  # ASCII letters to lower case; digits are unchanged by it
    return (((b >= ord("0")) & (b <= ord("9"))) | ((lower >= ord("a")) & (lower <= ord("z")))).all(axis=1)


def _check_matrix(b: np.ndarray):
    """Reason codes (0: valid so far; the birth place is checked later), birth date parts and sex
    for rows of 18 upper-case ASCII characters."""
    # One row per position (contiguous), digits as 0–9; wrapping below '0' makes one comparison
    # test "is a digit". Small integer types: the weighted sum is at most 900.
    d = np.ascontiguousarray(b.T[:17]) - np.uint8(ord("0"))
    is_digit = d <= 9
    all_digits = is_digit.all(axis=0)
    reason = np.where(all_digits, 0, _CODES[CHARACTERS]).astype(np.int8)
    if not all_digits.all():
        d = np.where(is_digit, d, np.uint8(0))
    total = np.zeros(len(b), dtype=np.uint16)
    for i, w in enumerate(_WEIGHTS.tolist()):
        total += d[i] * np.uint16(w)
    reason[(reason == 0) & (b[:, 17] != _CHECK[total % 11])] = _CODES[CHECK_DIGIT]
    wide = d[6:14].astype(np.int32)
    year = wide[0] * 1000 + wide[1] * 100 + wide[2] * 10 + wide[3]
    month = wide[4] * 10 + wide[5]
    day = wide[6] * 10 + wide[7]
    reason[(reason == 0) & ~_is_date(year, month, day)] = _CODES[BIRTH_DATE]
    return reason, year, month, day, (d[16] & 1).astype(bool)


def _is_date(year, month, day) -> np.ndarray:
    """What datetime.date accepts: years 1–9999 of the proleptic Gregorian calendar."""
    ok_month = (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _DAYS_IN_MONTH[np.where(ok_month, month, 0)] + ((month == 2) & leap)
    return (year >= 1) & ok_month & (day >= 1) & (day <= last)


def _check_one(value: str):
    """stdnum itself, for the few values its clean-up would change."""
    try:
        number = ric.compact(value)
        ric.validate(number)
    except stdnum_errors.InvalidLength:
        return _CODES[LENGTH], 0, 0, 0, False
    except stdnum_errors.InvalidChecksum:
        return _CODES[CHECK_DIGIT], 0, 0, 0, False
    except (stdnum_errors.InvalidComponent, KeyError):  # KeyError: see _place_known
        try:
            ric.get_birth_date(number)
        except stdnum_errors.InvalidComponent:
            return _CODES[BIRTH_DATE], 0, 0, 0, False
        return _CODES[BIRTH_PLACE], 0, 0, 0, False
    except (stdnum_errors.ValidationError, ValueError):
        return _CODES[CHARACTERS], 0, 0, 0, False
    birth = ric.get_birth_date(number)
    sex_digit = number[16]
    return 0, birth.year, birth.month, birth.day, sex_digit.isdigit() and int(sex_digit) % 2 == 1


def _check_birth_places(reason: np.ndarray, rows: np.ndarray, values: pa.Array, year: np.ndarray) -> None:
    """Mark birth_place where stdnum knows no county for the first six digits in the birth year
    (among `rows`; the others were checked whole by stdnum)."""
    todo = rows[reason[rows] == 0]
    if not len(todo):
        return
    # The six digits and the year as one integer per row, the distinct ones asked of stdnum.
    b = _byte_matrix(values if len(todo) == len(values) else values.take(pa.array(todo)))
    prefix = np.zeros(len(todo), dtype=np.int64)
    for i in range(6):
        prefix = prefix * 10 + (b[:, i] - np.uint8(ord("0")))
    keys, inverse = np.unique(prefix * 10_000 + year[todo], return_inverse=True)
    known = np.array([_place_known(f"{k // 10_000:06d}", int(k % 10_000)) for k in keys.tolist()], dtype=bool)
    reason[todo[~known[inverse]]] = _CODES[BIRTH_PLACE]


def _place_known(prefix: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{prefix}{year:04d}0101")
    except stdnum_errors.InvalidComponent:
        return False
    except KeyError:
        # stdnum's table has the province but no county entry for these digits, and stdnum then
        # fails with KeyError instead of a verdict; no county means no valid birth place.
        return False
    return True


def _days_from_civil(year, month, day) -> np.ndarray:
    """Days since 1970-01-01 (Howard Hinnant's algorithm; numpy's calendar conversion is slow)."""
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468
