"""The clean base county: regions, households, members and helpers on which no rule of DOMAIN.md §3
fires, plus the subtle non-findings (cases near a rule's edge that must not be flagged)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from . import vocab as V
from .families import build_people, education_for, health_for, labor_for, schooling_for_ages
from .households import (
    STATUS_SHARES,
    assign_helpers,
    draw_per_capita,
    identification_years,
    phones,
    split_income,
)
from .idnumbers import BirthTable, IdAllocator, format_ids
from .names import draw_surnames, full_names
from .regions import build_regions
from .state import County, Helpers, Households, People


def build_county(rng: np.random.Generator, n_households: int, as_of: dt.date, county_code: str,
                 county_name: str, neighbour_codes: list[str]) -> County:
    regions = build_regions(rng, n_households, county_code, county_name)
    ids = IdAllocator(rng)
    births = BirthTable(as_of)
    neighbours = [int(c) for c in neighbour_codes]

    # Households, sorted by village so that household numbers run in sequence within a village.
    village = np.sort(rng.choice(regions.n_villages, size=n_households, p=regions.village_weight))
    counts = np.bincount(village, minlength=regions.n_villages)
    v_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    seq = np.arange(n_households) - v_start[village] + 1
    width = max(4, len(str(int(counts.max()))))
    household_no = regions.village_code[village] + np.char.zfill(seq.astype("U8"), width).astype(object)
    n_ham = regions.village_hamlet_count[village]
    hamlet = np.where(n_ham > 0, regions.village_hamlet_start[village] + (rng.random(n_households) * n_ham)
                      .astype(np.int64), -1)

    cols = build_people(rng, n_households, int(county_code), neighbours, ids, births)
    hh = cols["hh"]
    n_people = len(hh)
    start = np.searchsorted(hh, np.arange(n_households))
    count = np.bincount(hh, minlength=n_households)
    deceased = cols["deceased"]
    living_count = np.bincount(hh, weights=~deceased, minlength=n_households).astype(np.int64)
    age = cols["age"]

    schooling = schooling_for_ages(rng, age)
    education = education_for(rng, age, schooling)
    health, grade = health_for(rng, age)
    labor, months = labor_for(rng, age, health, grade, schooling)
    hh_ethnicity = rng.choice(len(V.ETHNICITIES), size=n_households, p=V.ETHNICITY_WEIGHTS)
    ethnicity = hh_ethnicity[hh].astype(np.int8)
    married_in = np.isin(cols["relation"], (V.SPOUSE, V.DAUGHTER_IN_LAW, V.SON_IN_LAW, V.OTHER))
    other = married_in & (rng.random(n_people) < 0.25)
    ethnicity[other] = rng.choice(len(V.ETHNICITIES), size=int(other.sum()), p=V.ETHNICITY_WEIGHTS)
    labor[deceased] = V.LOST_LABOR
    months[deceased] = 0

    seq_in_hh = np.arange(n_people) - start[hh] + 1
    person_no = household_no[hh] + np.char.zfill(seq_in_hh.astype("U3"), 2).astype(object)
    people = People(
        hh=hh, relation=cols["relation"].astype(np.int8), male=cols["male"], birth=cols["birth"],
        prefix=cols["prefix"], key=cols["key"], id_number=format_ids(cols["key"]), name=cols["name"],
        surname=cols["surname"], ethnicity=ethnicity, education=education, schooling=schooling, health=health,
        disability=grade, labor=labor, migrant_months=months, insured=~deceased, deceased=deceased.copy(),
        person_no=person_no, id_touched=np.zeros(n_people, dtype=bool),
        insurance_state=np.where(deceased, 1, 0).astype(np.int8), school_state=np.zeros(n_people, dtype=np.int8),
        busy=np.zeros(n_people, dtype=bool),
    )

    # Status, type, years, cause, housing.
    status = rng.choice(len(V.STATUSES), size=n_households, p=STATUS_SHARES).astype(np.int8)
    template = cols["template"]
    htype = np.full(n_households, V.ORDINARY, dtype=np.int8)
    single_old = template == 0
    htype[single_old & (rng.random(n_households) < 0.35)] = V.TEKUN
    poor_kind = ~np.isin(status, (V.MARGINAL, V.SUDDEN_HARDSHIP)) & (htype == V.ORDINARY)
    htype[poor_kind & (rng.random(n_households) < 0.22)] = V.DIBAO
    htype[np.isin(status, (V.MARGINAL, V.SUDDEN_HARDSHIP))] = V.ORDINARY
    ident, exit_year = identification_years(rng, status, as_of.year)
    cause = rng.choice(len(V.CAUSES), size=n_households, p=V.CAUSE_WEIGHTS).astype(np.int8)
    u = rng.random(n_households)
    rating = np.select([u < 0.35, u < 0.90, u < 0.96], [0, 1, 2], 3).astype(np.int8)
    # C/D houses in the base have been renovated; some A/B houses are A/B because they were.
    renovated = np.where(rating >= 2, True, rng.random(n_households) < 0.25)

    # Incomes, by the size the registry records (living members).
    able = np.isin(labor, (V.ORDINARY_LABOR, V.SKILLED_LABOR, V.WEAK_LABOR)) & ~deceased
    has_labour = np.bincount(hh, weights=able, minlength=n_households) > 0
    target = draw_per_capita(rng, status)
    inc = split_income(rng, target, living_count, has_labour)

    helper, helper_village = assign_helpers(rng, village, status, regions.n_villages)
    n_helpers = len(helper_village)
    helper_male = rng.random(n_helpers) < 0.7
    helper_birth = births.draw(rng, rng.integers(25, 56, n_helpers))
    helper_key = ids.allocate(np.full(n_helpers, int(county_code)), helper_birth, helper_male)
    helper_name = full_names(rng, draw_surnames(rng, n_helpers), helper_male,
                             helper_birth.astype("datetime64[Y]").astype(np.int64) + 1970)
    county_units = np.array([county_name + u for u in V.COUNTY_UNITS], dtype=object)
    town_units = np.array([t + "人民政府" for t in regions.town_name], dtype=object)
    from_town = rng.random(n_helpers) < 0.25
    unit = county_units[rng.integers(0, len(county_units), n_helpers)]
    unit[from_town] = town_units[regions.village_town[helper_village[from_town]]]
    helpers = Helpers(name=helper_name, phone=phones(rng, n_helpers, unique=True), unit=unit,
                      village=helper_village, key=helper_key, male=helper_male, birth=helper_birth)

    phone = phones(rng, n_households)
    phone[rng.random(n_households) < 0.03] = ""

    households = Households(
        village=village, hamlet=hamlet, household_no=household_no, start=start.astype(np.int64),
        count=count.astype(np.int64), size=living_count, htype=htype, status=status, identified_year=ident,
        exit_year=exit_year, cause=cause, rating=rating, renovated=renovated,
        water_safe=np.ones(n_households, dtype=bool), food_clothing=np.ones(n_households, dtype=bool),
        wage=inc["wage"], business=inc["business"], expense=inc["expense"], property=inc["property"],
        transfer=inc["transfer"], net=inc["net"], per_capita=inc["per_capita"], helper=helper, phone=phone,
        used=np.zeros(n_households, dtype=bool),
    )
    county = County(as_of=as_of, rng=rng, regions=regions, households=households, people=people,
                    helpers=helpers, ids=ids, births=births, neighbour_prefixes=neighbours)
    county.notes["template"] = template
    county.notes["has_labour"] = has_labour
    county.notes["age"] = age
    return county


def add_near_misses(county: County) -> None:
    """Cases at the edge of a rule that must NOT be flagged (counted in the manifest):
    per-capita incomes rounded down to the yuan (< 1 yuan off) or off by < 1 %; 16–17-year-olds who
    dropped out (compulsory education ends at 15); lifted households at exactly the borderline
    upper bound are made by the injector, which needs the exact-amount machinery."""
    rng, hh, p = county.rng, county.households, county.people
    n = len(hh)
    notes = county.notes.setdefault("near_misses", {})

    truncated = rng.random(n) < 0.05
    hh.per_capita[truncated] = (hh.net[truncated] // hh.size[truncated]) // 100 * 100
    notes["per_capita_rounded_down"] = int(truncated.sum())

    # Off by 0.2–0.8 %: more than a yuan but less than 1 %. Only where the recorded figure stays in
    # the same band (≥ 6,400 yuan keeps lifted households clear of the borderline band).
    off = ~truncated & (rng.random(n) < 0.01) & (hh.per_capita >= 640000)  # 6,400 yuan: see households.PC_RANGE
    computed = hh.per_capita[off]
    delta = (computed * rng.uniform(0.002, 0.008, int(off.sum()))).astype(np.int64)
    hh.per_capita[off] = computed + np.where(rng.random(int(off.sum())) < 0.5, delta, -delta)
    notes["per_capita_off_below_1_percent"] = int(off.sum())

    age = county.notes["age"]
    older_dropout = (age >= 16) & (age <= 17) & ~p.deceased & (rng.random(len(p)) < 0.1)
    p.schooling[older_dropout] = V.DROPPED_OUT
    notes["dropped_out_aged_16_17"] = int(older_dropout.sum())
