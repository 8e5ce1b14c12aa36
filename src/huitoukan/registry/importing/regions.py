"""Regions from the file's names and codes: county → town → village (→ hamlet).

With a code column, a village's 12-digit code gives its town (first 9 digits + "000") and county
(first 6 + "000000"); a 15-digit code is a hamlet's (village code + 3 digits). Without codes, regions
are found by name under their parent and new ones get a code "X" + 14 hex digits derived from level,
parent and name, unique and the same on every import; when a later file brings the real code, the
region keeps its identity and takes the real code.

Planning reads the existing regions once and works on the distinct region tuples of the file (a few
thousand at most); new regions get negative placeholder ids until `create` writes them, so that a
dry run can diff households against the registry without writing anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pyarrow as pa
from django.utils.translation import gettext as _

from ..choices import RegionLevel
from ..models import Region
from .bulk_sql import insert_rows
from .validation import Issue

LEVELS = [RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.HAMLET]


@dataclass
class NewRegion:
    placeholder: int
    code: str
    name: str
    level: str
    parent: int | None  # an existing id or another new region's placeholder


@dataclass
class RegionPlan:
    # household_no order: county_id, town_id, village_id, hamlet_id (placeholders < 0 for new regions)
    ids: dict[str, pa.Array] = field(default_factory=dict)
    new: list[NewRegion] = field(default_factory=list)
    recode: dict[int, str] = field(default_factory=dict)  # existing id → real code replacing an X code
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


def synthetic_code(level: str, parent_code: str, name: str) -> str:
    digest = hashlib.sha1(f"{level}|{parent_code}|{name}".encode()).hexdigest()[:14].upper()
    return "X" + digest


def codes_from(code: str | None) -> dict[str, str | None]:
    if not code:
        return dict.fromkeys(LEVELS)
    return {
        RegionLevel.COUNTY: code[:6] + "000000",
        RegionLevel.TOWN: code[:9] + "000",
        RegionLevel.VILLAGE: code[:12],
        RegionLevel.HAMLET: code if len(code) == 15 else None,
    }


class _Planner:
    def __init__(self, headers: dict[str, str]):
        self.headers = headers
        self.by_code: dict[str, tuple] = {}
        self.by_name: dict[tuple, tuple] = {}
        self.code_of: dict[int, str] = {}
        for rid, code, name, level, parent_id in Region.objects.values_list("id", "code", "name", "level", "parent_id"):
            self.by_code[code] = (rid, name, level)
            self.by_name[(parent_id, name, level)] = (rid, code)
            self.code_of[rid] = code
        self.plan = RegionPlan()
        # What the file said so far, to catch one code with two names and one name with two codes.
        self.planned_code: dict[str, tuple[str, int]] = {}  # file code → (name, row)
        self.planned_name: dict[tuple, tuple[str | None, int, int]] = {}  # (parent, name, level) → (file code, id, row)
        self.next_placeholder = -1

    def resolve(self, level: str, name: str, code: str | None, parent: int | None, row: int) -> int | None:
        column = self.headers.get(level, "")
        key = (parent, name, level)
        if key in self.planned_name:
            file_code, rid, first_row = self.planned_name[key]
            if code and file_code and file_code != code:
                self._error(row, self.headers.get("region_code", column), code, _(
                    "“%(name)s” has region code %(code)s here but %(other)s in row %(row)s.")
                    % {"name": name, "code": code, "other": file_code, "row": first_row})
            return rid
        if code and code in self.planned_code:
            other_name, first_row = self.planned_code[code]
            self._error(row, self.headers.get("region_code", column), code, _(
                "Region code %(code)s is also used for “%(other)s” (row %(row)s).")
                % {"code": code, "other": other_name, "row": first_row})
            return None
        rid = self._existing(level, name, code, parent, row, column)
        if rid is None:
            parent_code = self.code_of.get(parent, "") if parent is not None else ""
            rid = self.next_placeholder
            self.next_placeholder -= 1
            self.code_of[rid] = code or synthetic_code(level, parent_code, name)
            self.plan.new.append(NewRegion(rid, self.code_of[rid], name, level, parent))
        self.planned_name[key] = (code, rid, row)
        if code:
            self.planned_code[code] = (name, row)
        return rid

    def _existing(self, level, name, code, parent, row, column) -> int | None:
        if code and code in self.by_code:
            rid, existing_name, existing_level = self.by_code[code]
            if existing_level != level:
                self._error(row, self.headers.get("region_code", column), code, _(
                    "Region code %(code)s belongs to “%(other)s”, which is not a %(level)s.")
                    % {"code": code, "other": existing_name, "level": RegionLevel(level).label})
            elif existing_name != name:
                self.plan.warnings.append(Issue(row, column, name, _(
                    "Region code %(code)s is “%(other)s” in the registry; the name is kept.")
                    % {"code": code, "other": existing_name}))
            return rid
        if parent is not None and parent < 0:
            return None
        found = self.by_name.get((parent, name, level))
        if found is None:
            return None
        rid, existing_code = found
        if code and existing_code != code:
            if existing_code.startswith("X"):
                self.plan.recode[rid] = code
                self.code_of[rid] = code
            else:
                self.plan.warnings.append(Issue(row, self.headers.get("region_code", column), code, _(
                    "“%(name)s” has region code %(other)s in the registry; that code is kept.")
                    % {"name": name, "other": existing_code}))
        return rid

    def _error(self, row, column, value, reason):
        self.plan.errors.append(Issue(row, column, value, reason))


def plan_regions(households: pa.Table, headers: dict[str, str]) -> RegionPlan:
    """`households` has county, town, village, optional hamlet and region_code, and _row;
    `headers` maps those fields (and levels) to the file's headers for messages."""
    planner = _Planner(headers)
    names = households.column_names
    columns = [households.column(c).to_pylist() if c in names else [None] * households.num_rows
               for c in ("county", "town", "village", "hamlet", "region_code", "_row")]
    resolved: dict[tuple, tuple] = {}
    out = {level: [] for level in LEVELS}
    for county, town, village, hamlet, code, row in zip(*columns):
        key = (county, town, village, hamlet, code)
        if key not in resolved:
            resolved[key] = _resolve_chain(planner, county, town, village, hamlet, code, row)
        for level, rid in zip(LEVELS, resolved[key]):
            out[level].append(rid)
    plan = planner.plan
    plan.ids = {f"{level}_id": pa.array(values, pa.int64()) for level, values in out.items()}
    return plan


def _resolve_chain(planner: _Planner, county, town, village, hamlet, code, row) -> tuple:
    if not (county and town and village):
        return (None, None, None, None)  # reported as missing values already
    codes = codes_from(code)
    chain: list[int | None] = []
    parent = None
    for level, name in ((RegionLevel.COUNTY, county), (RegionLevel.TOWN, town), (RegionLevel.VILLAGE, village)):
        parent = planner.resolve(level, name, codes[level], parent, row)
        if parent is None:  # a conflict, reported; the rest of the chain would only repeat it
            return (None, None, None, None)
        chain.append(parent)
    hamlet_id = None
    if hamlet:
        hamlet_id = planner.resolve(RegionLevel.HAMLET, hamlet, codes[RegionLevel.HAMLET], parent, row)
    elif codes[RegionLevel.HAMLET]:
        planner._error(row, planner.headers.get("region_code", ""), code,
                       _("A 15-digit code is a hamlet's, but the row names no hamlet."))
    return (*chain, hamlet_id)


def create_regions(plan: RegionPlan) -> dict[int, int]:
    """Write the plan's new regions level by level and the real codes; placeholder → id."""
    real: dict[int, int] = {}
    for level in LEVELS:
        batch = [r for r in plan.new if r.level == level]
        if not batch:
            continue
        insert_rows(Region, ["code", "name", "level", "parent_id", "is_poor_village"], [
            (r.code, r.name, r.level, real[r.parent] if r.parent is not None and r.parent < 0 else r.parent, False)
            for r in batch
        ])
        ids = dict(Region.objects.filter(level=level).values_list("code", "id"))
        for r in batch:
            real[r.placeholder] = ids[r.code]
    for rid, code in plan.recode.items():
        Region.objects.filter(id=rid).update(code=code)
    return real
