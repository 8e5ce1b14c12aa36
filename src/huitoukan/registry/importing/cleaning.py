"""Vectorised cleaners for spreadsheet columns: whole Arrow columns in, cleaned columns out.

Free of Django on purpose: the department-dataset imports reuse these. Each cleaner takes a string
column (nulls for empty cells) and returns a `Cleaned`: the typed values, a mask of cells that could
not be understood (`invalid`, an error for the caller to report) and, where it applies, a mask of
cells kept but doubtful (`doubtful`, a warning). Python never loops over rows here; the caller
looks at the few rows a mask selects.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from . import vocabulary as vocab

Column = pa.Array | pa.ChunkedArray

# Zero-width characters and the BOM turn up inside cells pasted from web pages and Word.
_INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff]"
# Excel's scientific notation for a number too long to show: digits were lost for good.
_SCIENTIFIC = r"^[0-9]+(\.[0-9]+)?E\+?[0-9]+$"
# A whole number that went through a float: "430524199001011234.0".
_TRAILING_POINT_ZERO = (r"^([0-9]+)\.0+$", r"\1")


@dataclass
class Cleaned:
    values: Column
    invalid: Column  # bool, no nulls: the cell has a value that could not be understood
    doubtful: Column | None = None  # bool, no nulls: kept as it is, but the user should look


def on_distinct(function, column: Column, *args, **kwargs) -> Cleaned:
    """Apply a cleaner to the column's distinct values only and spread the result back: most
    spreadsheet columns (statuses, villages, years, flags) hold a handful of values over hundreds
    of thousands of rows. Columns of mostly unique values are cleaned directly."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    encoded = pc.dictionary_encode(column)
    if len(encoded.dictionary) * 4 > len(column):
        return function(column, *args, **kwargs)
    result = function(encoded.dictionary, *args, **kwargs)

    def spread(values):
        return pc.take(values, encoded.indices)

    return Cleaned(
        spread(result.values),
        _mask(spread(result.invalid)),
        _mask(spread(result.doubtful)) if result.doubtful is not None else None,
    )


def _mask(expr: Column) -> Column:
    """A boolean mask with nulls read as False."""
    return pc.fill_null(expr, False)


def none_set(column: Column) -> Column:
    """A mask as long as `column` with no cell set."""
    return pc.and_(pc.is_valid(column), pc.is_null(column))


def _blank_to_null(column: Column) -> Column:
    return pc.if_else(pc.equal(pc.utf8_length(column), 0), pa.scalar(None, pa.string()), column)


def normalize_word(word: str) -> str:
    """The Python twin of `lookup_key`, for vocabulary words and headers."""
    return "".join(unicodedata.normalize("NFKC", word).split()).lower().lstrip("*")


# --- text ---------------------------------------------------------------------------------------


def text(column: Column) -> Column:
    """Unicode NFKC (full-width digits, letters, spaces and brackets become ASCII), invisible
    characters removed, surrounding whitespace trimmed; empty cells become null."""
    column = pc.cast(column, pa.string())
    column = pc.utf8_normalize(column, "NFKC")
    column = pc.replace_substring_regex(column, _INVISIBLE, "")
    column = pc.utf8_trim_whitespace(column)
    return _blank_to_null(column)


def compact(column: Column) -> Column:
    """`text` with every inner whitespace removed: for codes, numbers and telephone numbers."""
    column = pc.replace_substring_regex(text(column), r"\s+", "")
    # A leading apostrophe is how Excel users force text; some exports keep it.
    column = pc.replace_substring_regex(column, r"^['`‘’]+", "")
    return _blank_to_null(column)


def lookup_key(column: Column) -> Column:
    """How a cell is compared with vocabulary words: compact and lower-case."""
    return pc.utf8_lower(compact(column))


def _is_null_word(keys: Column) -> Column:
    words = pa.array(sorted({normalize_word(w) for w in vocab.NULL_WORDS}))
    return _mask(pc.is_in(keys, value_set=words))


def _strip_units(column: Column, units: list[str]) -> Column:
    pattern = "(" + "|".join(re.escape(normalize_word(u)) for u in sorted(units, key=len, reverse=True)) + ")"
    column = pc.replace_substring_regex(column, "^" + pattern, "")
    return pc.replace_substring_regex(column, pattern + "$", "")


def plain_text(column: Column, max_length: int | None = None) -> Cleaned:
    values = text(column)
    invalid = too_long(values, max_length)
    return Cleaned(values, invalid)


def too_long(values: Column, max_length: int | None) -> Column:
    if max_length is None:
        return none_set(values)
    return _mask(pc.greater(pc.utf8_length(values), max_length))


# --- identifiers ---------------------------------------------------------------------------------


def lost_digits(values: Column) -> Column:
    """Cells that Excel showed in scientific notation: the number was too long and lost digits."""
    return _mask(pc.match_substring_regex(values, _SCIENTIFIC))


def id_number(column: Column) -> Cleaned:
    """Citizen ID numbers. Invalid numbers are data (the look-back flags them); numbers that lost
    digits in Excel are kept as written and marked doubtful."""
    values = pc.utf8_upper(compact(column))
    values = pc.replace_substring_regex(values, *_TRAILING_POINT_ZERO)
    doubtful = lost_digits(values)
    return Cleaned(values, none_set(values), doubtful)


def identifier(column: Column, max_length: int | None = None) -> Cleaned:
    """Household and person numbers: like ID numbers, but a number that lost its digits cannot
    identify anything, so it is invalid."""
    values = pc.utf8_upper(compact(column))
    values = pc.replace_substring_regex(values, *_TRAILING_POINT_ZERO)
    invalid = pc.or_(lost_digits(values), too_long(values, max_length))
    return Cleaned(values, invalid)


def digits(column: Column, lengths: tuple[int, ...]) -> Cleaned:
    """A code made of digits only, of one of the given lengths (region codes)."""
    values = compact(column)
    values = pc.replace_substring_regex(values, *_TRAILING_POINT_ZERO)
    pattern = "^[0-9]{" + "}$|^[0-9]{".join(str(n) for n in lengths) + "}$"
    invalid = _mask(pc.invert(pc.match_substring_regex(values, pattern)))
    return Cleaned(values, invalid)


# --- numbers -------------------------------------------------------------------------------------

_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"


def _numeric_text(column: Column, units: list[str]) -> tuple[Column, Column]:
    """Number-looking text and the mask of cells that are not numbers at all."""
    keys = lookup_key(column)
    is_null_word = _is_null_word(keys)
    keys = pc.if_else(is_null_word, pa.scalar(None, pa.string()), keys)
    keys = _strip_units(keys, units)
    keys = pc.replace_substring(keys, ",", "")  # thousands separators (full-width ones after NFKC)
    keys = _blank_to_null(keys)
    invalid = _mask(pc.invert(pc.match_substring_regex(keys, _NUMBER)))
    return pc.if_else(invalid, pa.scalar(None, pa.string()), keys), invalid


def decimal(column: Column, *, max_digits: int, scale: int, units: list[str] | None = None,
            minimum: Decimal | None = None, maximum: Decimal | None = None) -> Cleaned:
    """Decimal numbers, rounded half-up to `scale` places; out of range is invalid."""
    numbers, invalid = _numeric_text(column, units if units is not None else vocab.AMOUNT_UNITS)
    wide = pc.cast(numbers, pa.decimal128(38, 10))
    rounded = pc.round(wide, ndigits=scale, round_mode="half_up")
    limit = Decimal(10) ** (max_digits - scale)
    low = -limit if minimum is None else max(minimum, -limit)
    high = limit if maximum is None else min(maximum, limit)
    out_of_range = pc.or_(
        _mask(pc.less(rounded, pa.scalar(low, pa.decimal128(38, 10)))),
        _mask(pc.greater(rounded, pa.scalar(high, pa.decimal128(38, 10)))),
    )
    # Excluding the limit itself: 10**12 does not fit in DECIMAL(14, 2).
    if minimum is None:
        out_of_range = pc.or_(out_of_range, _mask(pc.equal(rounded, pa.scalar(low, pa.decimal128(38, 10)))))
    if maximum is None:
        out_of_range = pc.or_(out_of_range, _mask(pc.equal(rounded, pa.scalar(high, pa.decimal128(38, 10)))))
    invalid = pc.or_(invalid, out_of_range)
    rounded = pc.if_else(out_of_range, pa.scalar(None, rounded.type), rounded)
    return Cleaned(pc.cast(rounded, pa.decimal128(max_digits, scale)), invalid)


def amount(column: Column) -> Cleaned:
    """Yuan: "1,234.50元", "￥300", " 1 200 " → Decimal with 2 places (DECIMAL(14, 2))."""
    return decimal(column, max_digits=14, scale=2, units=vocab.AMOUNT_UNITS)


def integer(column: Column, *, minimum: int, maximum: int, units: list[str] | None = None) -> Cleaned:
    """Whole numbers in a range ("3人" → 3); a fraction other than .0 is invalid."""
    numbers, invalid = _numeric_text(column, units if units is not None else vocab.COUNT_UNITS)
    numbers = pc.replace_substring_regex(numbers, r"\.0*$", "")
    fraction = _mask(pc.match_substring(numbers, "."))
    numbers = pc.if_else(fraction, pa.scalar(None, pa.string()), numbers)
    # Long digit strings would overflow the cast; they are out of range anyway.
    overflow = _mask(pc.greater(pc.utf8_length(numbers), 12))
    numbers = pc.if_else(overflow, pa.scalar(None, pa.string()), numbers)
    values = pc.cast(numbers, pa.int64())
    out_of_range = pc.or_(_mask(pc.less(values, minimum)), _mask(pc.greater(values, maximum)))
    invalid = pc.or_(pc.or_(invalid, fraction), pc.or_(overflow, out_of_range))
    values = pc.if_else(out_of_range, pa.scalar(None, pa.int64()), values)
    return Cleaned(values, invalid)


def year(column: Column, minimum: int = 1949, maximum: int = 2100) -> Cleaned:
    """Years: "2016", "2016年", "2016.0", "2016年度"."""
    return integer(column, minimum=minimum, maximum=maximum, units=vocab.YEAR_UNITS)


# --- dates ---------------------------------------------------------------------------------------

# Excel counts days from 1899-12-30 (the 1900 leap-year bug included); 25569 is 1970-01-01.
_EXCEL_EPOCH_OFFSET = 25569


def date(column: Column) -> Cleaned:
    """Dates as 2019-05-01, 2019/5/1, 2019.05.01, 2019年5月1日, 20190501 or an Excel serial
    number (five digits: 1927–2173); a time of day after the date is ignored."""
    values = text(column)
    values = pc.replace_substring_regex(values, r"[ T]+[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$", "")
    keys = lookup_key(values)
    is_null_word = _is_null_word(keys)
    keys = pc.if_else(is_null_word, pa.scalar(None, pa.string()), keys)
    serial_mask = _mask(pc.match_substring_regex(keys, r"^[0-9]{5}(\.0+)?$"))
    iso = pc.replace_substring_regex(keys, r"^([0-9]{4})([0-9]{2})([0-9]{2})$", r"\1-\2-\3")
    iso = pc.replace_substring_regex(iso, r"^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?$", r"\1-\2-\3")
    iso = pc.replace_substring_regex(iso, r"^([0-9]{4})-([0-9])-", r"\1-0\2-")
    iso = pc.replace_substring_regex(iso, r"-([0-9])$", r"-0\1")
    iso = pc.if_else(_mask(pc.match_substring_regex(iso, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")), iso,
                     pa.scalar(None, pa.string()))
    parsed = pc.cast(pc.strptime(iso, format="%Y-%m-%d", unit="s", error_is_null=True), pa.date32())
    # strptime rolls 2019-02-30 over to March; a date that does not read back the same is invalid.
    rolled_over = _mask(pc.not_equal(pc.strftime(parsed, format="%Y-%m-%d"), iso))
    parsed = pc.if_else(rolled_over, pa.scalar(None, pa.date32()), parsed)
    serial_text = pc.if_else(serial_mask, keys, pa.scalar(None, pa.string()))
    serial_days = pc.subtract(pc.cast(pc.cast(serial_text, pa.float64()), pa.int32()), _EXCEL_EPOCH_OFFSET)
    from_serial = pc.cast(pc.cast(serial_days, pa.int32()), pa.date32())
    values = pc.if_else(serial_mask, from_serial, parsed)
    invalid = _mask(pc.and_(pc.is_valid(keys), pc.is_null(values)))
    return Cleaned(values, invalid)


# --- vocabularies --------------------------------------------------------------------------------


def build_lookup(words_by_value: dict) -> tuple[pa.Array, pa.Array]:
    """(keys, values) arrays for `enum`; a word meaning two things is a mistake in the vocabulary."""
    lookup: dict[str, object] = {}
    for value, words in words_by_value.items():
        for word in words:
            key = normalize_word(word)
            if lookup.setdefault(key, value) != value:
                raise ValueError(f"vocabulary word {word!r} means both {lookup[key]!r} and {value!r}")
    return pa.array(list(lookup.keys()), pa.string()), pa.array(list(lookup.values()))


def enum(column: Column, words_by_value: dict) -> Cleaned:
    """Map cells through a vocabulary ({value: [words]}); an unknown word is invalid, a cell such as
    "/" or "无" that only says "nothing" is null."""
    keys_array, values_array = build_lookup(words_by_value)
    keys = lookup_key(column)
    index = pc.index_in(keys, value_set=keys_array)
    values = pc.take(values_array, index)
    unknown = _mask(pc.and_(pc.is_valid(keys), pc.is_null(index)))
    invalid = pc.and_(unknown, pc.invert(_is_null_word(keys)))
    return Cleaned(values, invalid)


def flag(column: Column) -> Cleaned:
    """Yes/no cells: 是/否, 1/0, Y/N, √/× and the other words of `vocabulary.FLAG_WORDS`."""
    return enum(column, vocab.FLAG_WORDS)
