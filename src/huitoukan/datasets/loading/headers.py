"""Which column of a department file is which of its kind's columns.

Headers are compared after the registry's normalisation (`cleaning.normalize_word`: NFKC, no
whitespace, lower case, a leading * dropped): " 证 件 号 码 ", "＊证件号码" and full-width forms all
match the synonyms kinds.py writes once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from huitoukan.registry.importing.cleaning import normalize_word

from ..kinds import Kind, get_kind

# Every file must have these columns (a row may leave one of them empty, not both).
PERSON_KEYS = ("id_number", "name")


@cache
def header_lookup(code: str) -> dict[str, str]:
    """normalised header → column name, for one kind; a word meaning two columns is a mistake in kinds.py."""
    lookup: dict[str, str] = {}
    for spec in get_kind(code).columns:
        for header in spec.headers:
            key = normalize_word(header)
            if lookup.setdefault(key, spec.name) != spec.name:
                raise ValueError(f"{code}: header {header!r} means both {lookup[key]!r} and {spec.name!r}")
    return lookup


def column_for_header(code: str, header: str) -> str | None:
    return header_lookup(code).get(normalize_word(header or ""))


def header_scorer(code: str):
    """For `reading.read_table`: how many distinct columns of the kind a row's cells name."""
    def score(cells: list[str]) -> int:
        return len({name for name in (column_for_header(code, cell) for cell in cells) if name})

    return score


# A header row names at least two of the kind's columns (ID number and name); a title row names none.
MIN_HEADER_SCORE = 2


@dataclass
class HeaderMap:
    index: dict[str, int] = field(default_factory=dict)  # column → position in the file
    headers: dict[str, str] = field(default_factory=dict)  # column → header as written
    extra: list[tuple[int, str]] = field(default_factory=list)  # (position, key) of columns not read
    duplicated: list[str] = field(default_factory=list)  # a second column for a column already read
    missing: list[str] = field(default_factory=list)  # required columns the file lacks
    unnamed: int = 0  # columns without a header (their cells are not kept)


def map_headers(kind: Kind, headers: list[str]) -> HeaderMap:
    result = HeaderMap()
    keys: set[str] = set()
    for position, header in enumerate(headers):
        name = column_for_header(kind.code, header)
        if name is not None and name not in result.index:
            result.index[name] = position
            result.headers[name] = header
            continue
        if not header.strip():
            result.unnamed += 1
            continue
        if name is not None:
            result.duplicated.append(header)
        # Kept under the header as written; a repeated header gets its position appended.
        key = header if header not in keys else f"{header}#{position + 1}"
        keys.add(key)
        result.extra.append((position, key))
    required = list(PERSON_KEYS) + [spec.name for spec in kind.required]
    result.missing = [name for name in required if name not in result.index]
    return result
