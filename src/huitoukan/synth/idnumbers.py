"""Citizen ID numbers (GB 11643-1999): address code (6) + birth date (8) + order code (3) + check.

The order code's last digit is odd for men and even for women; the check character is ISO 7064
MOD 11-2 over the first 17 digits. The generator handles the first 17 digits as one int64 "key",
which makes uniqueness checks and vectorised formatting cheap.

Validators (python-stdnum's `cn.ric` among them) also check that the address code is in the
national table of division codes, so the county prefix must be a code that table knows, even
though every name in the synthetic county is invented (see docs/synth.md).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = "10X98765432"
_CHECK_ARRAY = np.array(list(CHECK_CHARS))
_POW10 = 10 ** np.arange(16, -1, -1, dtype=np.int64)


def check_char(first17: str) -> str:
    total = sum(int(c) * int(w) for c, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def check_chars(keys: np.ndarray) -> np.ndarray:
    keys = np.asarray(keys, dtype=np.int64)
    total = np.zeros(len(keys), dtype=np.int64)
    for position, weight in enumerate(WEIGHTS.tolist()):
        total += (keys // int(_POW10[position])) % 10 * weight
    return _CHECK_ARRAY[total % 11]


def format_ids(keys: np.ndarray) -> np.ndarray:
    """int64 keys (first 17 digits) → object array of 18-character ID strings."""
    keys = np.asarray(keys, dtype=np.int64)
    if len(keys) == 0:
        return np.empty(0, dtype=object)
    first = keys.astype("U17")
    return np.char.add(first, check_chars(keys)).astype(object)


def format_id(key: int) -> str:
    s = str(int(key))
    return s + check_char(s)


# --- dates ---------------------------------------------------------------------------------------


def ymd(dates: np.ndarray) -> np.ndarray:
    """datetime64[D] → int64 YYYYMMDD (integer civil-from-days arithmetic: numpy's calendar
    conversions are slow on large arrays)."""
    z = np.asarray(dates, dtype="datetime64[D]").astype(np.int64) + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y * 10000 + m * 100 + d


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def age_at(birth: dt.date, as_of: dt.date) -> int:
    """Full years at `as_of`."""
    return as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))


def ages_at(births: np.ndarray, as_of: dt.date) -> np.ndarray:
    births = np.asarray(births, dtype="datetime64[D]")
    b = ymd(births)
    by, bmd = b // 10000, b % 10000
    return as_of.year - by - ((as_of.month * 100 + as_of.day) < bmd).astype(np.int64)


class BirthTable:
    """For each age in full years at `as_of`, the range of birth dates that give it."""

    MAX_AGE = 120

    def __init__(self, as_of: dt.date):
        self.as_of = as_of
        lows, spans = [], []
        for age in range(self.MAX_AGE + 1):
            latest = _add_years(as_of, -age)  # the last birthday giving this age
            earliest = _add_years(as_of, -(age + 1)) + dt.timedelta(days=1)
            lows.append(np.datetime64(earliest, "D").astype(np.int64))
            spans.append((latest - earliest).days + 1)
        self.low = np.array(lows, dtype=np.int64)
        self.span = np.array(spans, dtype=np.int64)

    def draw(self, rng: np.random.Generator, ages: np.ndarray) -> np.ndarray:
        ages = np.clip(np.asarray(ages, dtype=np.int64), 0, self.MAX_AGE)
        offset = (rng.random(len(ages)) * self.span[ages]).astype(np.int64)
        return (self.low[ages] + offset).astype("datetime64[D]")


# --- allocation ----------------------------------------------------------------------------------


class IdAllocator:
    """Hands out ID numbers that no one else in the synthetic county has, and remembers every ID
    string written anywhere (valid or not) so that a deliberately broken number never equals
    another person's."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.used_keys: set[int] = set()
        self.used_strings: set[str] = set()

    def allocate(self, prefix: np.ndarray, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
        n = len(birth)
        if n == 0:
            return np.empty(0, dtype=np.int64)
        base = np.asarray(prefix, dtype=np.int64) * 10**11 + ymd(birth) * 1000
        parity = np.asarray(male, dtype=np.int64)
        keys = base + 2 * self.rng.integers(0, 500, n) + parity
        todo = np.arange(n)
        while True:
            sub = keys[todo]
            taken = np.fromiter((k in self.used_keys for k in sub.tolist()), dtype=bool, count=len(sub))
            # Within the batch, all but the first of equal keys must draw again.
            order = np.argsort(keys, kind="stable")
            dup_sorted = np.zeros(n, dtype=bool)
            dup_sorted[1:] = keys[order][1:] == keys[order][:-1]
            dup = np.zeros(n, dtype=bool)
            dup[order] = dup_sorted
            bad = todo[taken] if taken.any() else np.empty(0, dtype=np.int64)
            bad = np.union1d(bad, np.nonzero(dup)[0])
            if len(bad) == 0:
                break
            keys[bad] = base[bad] + 2 * self.rng.integers(0, 500, len(bad)) + parity[bad]
            todo = bad
        self.used_keys.update(keys.tolist())
        return keys

    def allocate_one(self, prefix: int, birth: np.datetime64, male: bool) -> int:
        day = np.datetime64(birth, "D").astype(dt.date)
        base = prefix * 10**11 + (day.year * 10000 + day.month * 100 + day.day) * 1000
        while True:
            key = base + 2 * int(self.rng.integers(0, 500)) + int(bool(male))
            if key not in self.used_keys:
                self.used_keys.add(key)
                return key

    def remember(self, strings) -> None:
        self.used_strings.update(strings)

    def is_free(self, s: str) -> bool:
        return s not in self.used_strings and not (len(s) == 18 and s[:17].isdigit()
                                                   and int(s[:17]) in self.used_keys
                                                   and check_char(s[:17]) == s[17])


# --- deliberately broken numbers -------------------------------------------------------------------

INVALID_KINDS = ("check_digit", "birth_date", "length_short", "length_long", "character")
INVALID_NOTES = {
    "check_digit": "校验码错误",
    "birth_date": "出生日期不存在",
    "length_short": "位数不足（17位）",
    "length_long": "位数过多（19位）",
    "character": "含非数字字符",
}


def make_invalid(valid_id: str, kind: str, rng: np.random.Generator) -> str:
    """A broken version of `valid_id`. The first 17 characters' sex digit (the 17th) and, except
    for the impossible-date kind, the birth date stay as they were, so that the number still says
    the person's sex and age where a reader can make them out: the only finding is ID_INVALID."""
    first17, check = valid_id[:17], valid_id[17]
    if kind == "check_digit":
        wrong = [c for c in CHECK_CHARS if c != check]
        return first17 + wrong[int(rng.integers(len(wrong)))]
    if kind == "birth_date":
        year, month = first17[6:10], int(first17[10:12])
        # 30 February, 31 April/June/September/November or month 13.
        choice = int(rng.integers(3))
        if choice == 0:
            date = f"{year}0230"
        elif choice == 1:
            date = f"{year}{[4, 6, 9, 11][int(rng.integers(4))]:02d}31"
        else:
            date = f"{year}13{first17[12:14]}"
        del month
        broken = first17[:6] + date + first17[14:17]
        return broken + check_char(broken)
    if kind == "length_short":
        return first17
    if kind == "length_long":
        return valid_id + str(int(rng.integers(10)))
    if kind == "character":
        position = 14 + int(rng.integers(2))  # an order-code digit, not the sex digit
        letter = "OIZSB"[int(rng.integers(5))]
        return valid_id[:position] + letter + valid_id[position + 1:]
    raise ValueError(kind)


def make_typo(valid_id: str, kind: str, rng: np.random.Generator) -> str:
    """A typing error that the check digit catches: one digit changed, or two adjacent different
    digits swapped, among the first 17 (MOD 11-2 detects both always)."""
    if kind == "missing":
        return ""
    chars = list(valid_id)
    if kind == "typo_digit":
        position = int(rng.integers(17))
        old = chars[position]
        chars[position] = str((int(old) + 1 + int(rng.integers(9))) % 10)
        return "".join(chars)
    if kind == "typo_swap":
        candidates = [i for i in range(16) if chars[i] != chars[i + 1]]
        position = candidates[int(rng.integers(len(candidates)))]
        chars[position], chars[position + 1] = chars[position + 1], chars[position]
        return "".join(chars)
    raise ValueError(kind)
