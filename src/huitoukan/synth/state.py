"""The synthetic county in memory: column arrays for households, people and helpers.

Categorical values are integer codes into `vocab`; money is int64 fen (1/100 yuan) so that every sum
and per-capita figure is exact; dates are numpy datetime64[D]. People are sorted by household, the
head first, so a household's members are `people[start:start + count]`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .idnumbers import BirthTable, IdAllocator
from .regions import Regions


@dataclass
class People:
    hh: np.ndarray  # int: household index
    relation: np.ndarray  # int8, vocab.RELATIONS
    male: np.ndarray  # bool
    birth: np.ndarray  # datetime64[D]: the true birth date (the ID's, unless an injection broke it)
    prefix: np.ndarray  # int64: 6-digit address code of the ID
    key: np.ndarray  # int64: the ID's first 17 digits
    id_number: np.ndarray  # object: the ID as the registry records it
    name: np.ndarray  # object
    surname: np.ndarray  # int: index into names.SURNAMES
    ethnicity: np.ndarray  # int8
    education: np.ndarray  # int8
    schooling: np.ndarray  # int8
    health: np.ndarray  # int8
    disability: np.ndarray  # int8: grade 1–4, 0 = none
    labor: np.ndarray  # int8
    migrant_months: np.ndarray  # int8
    insured: np.ndarray  # bool: 是否参加城乡居民基本医疗保险
    deceased: np.ndarray  # bool: 是否死亡
    person_no: np.ndarray  # object
    # Bookkeeping, not written to the registry:
    id_touched: np.ndarray  # bool: ID_INVALID / ID_DUPLICATE changed the recorded ID
    insurance_state: np.ndarray  # int8: 0 listed 参保, 1 absent, 2 未参保, 3 停保 (medical_insurance.csv)
    school_state: np.ndarray  # int8: 0 as the registry says, 1 absent, 2 辍学 (school.csv)
    busy: np.ndarray  # bool: already the target of an injection

    def __len__(self) -> int:
        return len(self.hh)


@dataclass
class Households:
    village: np.ndarray  # int
    hamlet: np.ndarray  # int, -1 = none
    household_no: np.ndarray  # object
    start: np.ndarray  # int64: index of the first member in People
    count: np.ndarray  # int64: member records (living and deceased)
    size: np.ndarray  # int64: recorded 人数
    htype: np.ndarray  # int8, vocab.HOUSEHOLD_TYPES
    status: np.ndarray  # int8, vocab.STATUSES
    identified_year: np.ndarray  # int
    exit_year: np.ndarray  # int, 0 = none
    cause: np.ndarray  # int8, -1 = none recorded
    rating: np.ndarray  # int8: 0..3 = A..D
    renovated: np.ndarray  # bool
    water_safe: np.ndarray  # bool
    food_clothing: np.ndarray  # bool
    wage: np.ndarray  # int64 fen, and the four below
    business: np.ndarray
    expense: np.ndarray
    property: np.ndarray
    transfer: np.ndarray
    net: np.ndarray  # int64 fen: recorded 家庭年纯收入
    per_capita: np.ndarray  # int64 fen: recorded 人均纯收入
    helper: np.ndarray  # int, -1 = none
    phone: np.ndarray  # object
    used: np.ndarray  # bool: already the target of an injection (targets are kept disjoint)

    def __len__(self) -> int:
        return len(self.village)


@dataclass
class Helpers:
    name: np.ndarray
    phone: np.ndarray
    unit: np.ndarray
    village: np.ndarray
    key: np.ndarray  # int64: their own ID (helpers are payroll staff)
    male: np.ndarray
    birth: np.ndarray


@dataclass
class County:
    as_of: dt.date
    rng: np.random.Generator
    regions: Regions
    households: Households
    people: People
    helpers: Helpers
    ids: IdAllocator
    births: BirthTable
    neighbour_prefixes: list[int]
    truth: list = field(default_factory=list)  # truth.Truth rows
    notes: dict = field(default_factory=dict)  # counts of subtle non-hits, for the manifest

    @property
    def year(self) -> int:
        return self.as_of.year

    def members(self, h: int) -> range:
        start = int(self.households.start[h])
        return range(start, start + int(self.households.count[h]))
