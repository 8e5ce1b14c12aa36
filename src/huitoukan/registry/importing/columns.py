"""The registry file's columns: which field each header means, how each is cleaned, and which
are required. The words themselves are in vocabulary.py; this module says what to do with them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

import pyarrow.compute as pc

from . import cleaning
from . import vocabulary as vocab

# Levels: which record a field belongs to.
REGION, HOUSEHOLD, HELPER, PERSON = "region", "household", "helper", "person"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text, identifier, id_number, region_code, amount, year, integer, months, flag, enum
    level: str
    # Where the field is stored, for its maximum length: (model name, field name).
    model_field: tuple[str, str] | None = None


def _f(name, kind, level, model_field=None):
    return FieldSpec(name, kind, level, model_field)


FIELDS: list[FieldSpec] = [
    _f("county", "text", REGION, ("Region", "name")),
    _f("town", "text", REGION, ("Region", "name")),
    _f("village", "text", REGION, ("Region", "name")),
    _f("hamlet", "text", REGION, ("Region", "name")),
    _f("region_code", "region_code", REGION),
    _f("household_no", "identifier", HOUSEHOLD, ("Household", "household_no")),
    _f("household_size", "integer", HOUSEHOLD),
    _f("household_type", "enum", HOUSEHOLD),
    _f("status", "enum", HOUSEHOLD),
    _f("identified_year", "year", HOUSEHOLD),
    _f("exit_year", "year", HOUSEHOLD),
    _f("main_cause", "enum", HOUSEHOLD),
    _f("house_rating", "enum", HOUSEHOLD),
    _f("house_renovated", "flag", HOUSEHOLD),
    _f("water_safe", "flag", HOUSEHOLD),
    _f("food_clothing", "flag", HOUSEHOLD),
    _f("wage", "amount", HOUSEHOLD),
    _f("business", "amount", HOUSEHOLD),
    _f("business_expense", "amount", HOUSEHOLD),
    _f("property", "amount", HOUSEHOLD),
    _f("transfer", "amount", HOUSEHOLD),
    _f("net_income", "amount", HOUSEHOLD),
    _f("per_capita_income", "amount", HOUSEHOLD),
    _f("helper", "text", HELPER, ("Helper", "name")),
    _f("helper_phone", "phone", HELPER, ("Helper", "phone")),
    _f("helper_unit", "text", HELPER, ("AssistingUnit", "name")),
    _f("person_no", "identifier", PERSON, ("Person", "person_no")),
    _f("name", "text", PERSON, ("Person", "name")),
    _f("id_number", "id_number", PERSON, ("Person", "id_number")),
    _f("sex", "enum", PERSON),
    _f("relation", "enum", PERSON),
    _f("ethnicity", "text", PERSON, ("Person", "ethnicity")),
    _f("education_level", "text", PERSON, ("Person", "education_level")),
    _f("schooling", "enum", PERSON),
    _f("health", "enum", PERSON),
    _f("disability_grade", "text", PERSON, ("Person", "disability_grade")),
    _f("labor", "enum", PERSON),
    _f("migrant_months", "months", PERSON),
    _f("medical_insured", "flag", PERSON),
    _f("deceased", "flag", PERSON),
    _f("phone", "phone", PERSON, ("Person", "phone")),
]
BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}

# A row must have these; a file without their columns cannot be imported at all.
REQUIRED_COLUMNS = ["household_no", "name", "relation", "status", "county", "town", "village"]
# Of those, these are the household's: one row of the household giving them is enough.
HOUSEHOLD_REQUIRED = ["status", "county", "town", "village"]
PERSON_REQUIRED = ["household_no", "name", "relation"]
# Fields that must agree on every row of a household (the export repeats them per member).
HOUSEHOLD_FIELDS = [s.name for s in FIELDS if s.level in (REGION, HOUSEHOLD, HELPER) and s.name != "household_no"]

HOUSEHOLD_SIZE_RANGE = (1, 99)
MIGRANT_MONTHS_RANGE = (Decimal(0), Decimal(12))


def canonical_header(field_name: str) -> str:
    """The header the documentation and messages use for a field."""
    return vocab.HEADERS[field_name][0]


@cache
def _header_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for name, headers in vocab.HEADERS.items():
        for header in headers:
            key = cleaning.normalize_word(header)
            if lookup.setdefault(key, name) != name:
                raise ValueError(f"header {header!r} means both {lookup[key]!r} and {name!r}")
    return lookup


def field_for_header(header: str) -> str | None:
    return _header_lookup().get(cleaning.normalize_word(header or ""))


def header_score(cells: list[str]) -> int:
    """How many distinct registry fields a row's cells name (for finding the header row)."""
    return len({f for f in map(field_for_header, cells) if f})


@dataclass
class HeaderMap:
    index: dict[str, int] = field(default_factory=dict)  # field → column position
    headers: dict[str, str] = field(default_factory=dict)  # field → header as written
    ignored: list[str] = field(default_factory=list)  # headers the registry does not read
    duplicated: list[str] = field(default_factory=list)  # second columns for a field already read
    missing: list[str] = field(default_factory=list)  # required fields without a column


def map_headers(headers: list[str]) -> HeaderMap:
    result = HeaderMap()
    for position, header in enumerate(headers):
        name = field_for_header(header)
        if name is None:
            if header.strip():
                result.ignored.append(header)
        elif name in result.index:
            result.duplicated.append(header)
        else:
            result.index[name] = position
            result.headers[name] = header
    result.missing = [name for name in REQUIRED_COLUMNS if name not in result.index]
    return result


@cache
def max_length(spec: FieldSpec) -> int | None:
    if spec.model_field is None:
        return None
    from django.apps import apps

    model_name, field_name = spec.model_field
    return apps.get_model("registry", model_name)._meta.get_field(field_name).max_length


# Mostly one value per person: not worth cleaning per distinct value.
UNIQUE_PER_ROW = {"name", "person_no", "id_number", "phone"}


def clean(spec: FieldSpec, column) -> cleaning.Cleaned:
    if spec.name in UNIQUE_PER_ROW:
        return _clean(spec, column)
    return cleaning.on_distinct(lambda values: _clean(spec, values), column)


def _clean(spec: FieldSpec, column) -> cleaning.Cleaned:
    kind = spec.kind
    if kind == "text":
        return cleaning.plain_text(column, max_length(spec))
    if kind == "phone":
        return cleaning.identifier(column, max_length(spec))
    if kind == "identifier":
        return cleaning.identifier(column, max_length(spec))
    if kind == "id_number":
        result = cleaning.id_number(column)
        result.invalid = pc.or_(result.invalid, cleaning.too_long(result.values, max_length(spec)))
        return result
    if kind == "region_code":
        return cleaning.digits(column, (12, 15))
    if kind == "amount":
        return cleaning.amount(column)
    if kind == "year":
        return cleaning.year(column)
    if kind == "integer":
        low, high = HOUSEHOLD_SIZE_RANGE
        return cleaning.integer(column, minimum=low, maximum=high)
    if kind == "months":
        low, high = MIGRANT_MONTHS_RANGE
        return cleaning.decimal(column, max_digits=4, scale=1, units=vocab.COUNT_UNITS, minimum=low, maximum=high)
    if kind == "flag":
        return cleaning.flag(column)
    if kind == "enum":
        return cleaning.enum(column, vocab.VALUES[spec.name])
    raise ValueError(f"unknown column kind {kind!r}")
