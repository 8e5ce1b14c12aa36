"""Registry problems, injected at known rates into the clean base, each recorded as ground truth.

Every injection takes households no other injection has touched (`Households.used`), so that one
problem never creates a second finding by accident; where a change could reach another rule (an ID
that also encodes age and sex, a household size that also divides the income), the injection keeps
that rule's inputs clean, and the docstrings say how.
"""

from __future__ import annotations

import numpy as np

from . import vocab as V
from .households import round_half_up_div, split_income
from .idnumbers import INVALID_KINDS, INVALID_NOTES, ages_at, format_id, make_invalid
from .state import County
from .truth import TARGET_TYPE, Truth

# Share of registry households that receive each problem (pairs for ID_DUPLICATE).
RATES: dict[str, float] = {
    "ID_INVALID": 0.010, "ID_DUPLICATE": 0.004, "ID_SEX_MISMATCH": 0.005, "HEAD_MISSING": 0.005,
    "HEAD_MULTIPLE": 0.005, "SPOUSE_SAME_SEX": 0.005, "RELATION_AGE": 0.008, "SIZE_MISMATCH": 0.010,
    "NO_HELPER": 0.010, "CAUSE_MISSING": 0.010, "INCOME_INCONSISTENT": 0.010, "GUARANTEE_EDUCATION": 0.010,
    "GUARANTEE_MEDICAL": 0.010, "GUARANTEE_HOUSING": 0.010, "GUARANTEE_WATER": 0.010,
    "EXIT_BELOW_LINE": 0.010, "EXIT_SAME_YEAR": 0.010, "BORDERLINE": 0.020,
    # cross-comparison (datasets.py)
    "DECEASED_UNMARKED": 0.005, "EXCL_PAYROLL": 0.004, "EXCL_BUSINESS": 0.005, "EXCL_PROPERTY": 0.005,
    "EXCL_CAR": 0.006, "DIBAO_MISMATCH": 0.008, "ENTRY_MISSED": 0.010, "RISK_MEDICAL_COST": 0.008,
}
MINIMUM = 2
EXITED = (V.LIFTED, V.UNSTABLE, V.RISK_CLEARED)

# The year's standards the ground truth is decided with (written to policy.yaml). The base keeps
# its incomes and costs clear of them; injections place values on both sides, some exactly on them.
POVERTY_LINE = 4000
BORDERLINE_UPPER = 6000
MEDICAL_COST_THRESHOLD = 20000


def count_for(county: County, code: str, variants: int = 1) -> int:
    return max(MINIMUM, variants, round(RATES[code] * len(county.households)))


# --- helpers -------------------------------------------------------------------------------------


def record(county: County, code: str, target: str, household_no: str, note: str, dataset: str = "",
           link: str = "") -> None:
    county.truth.append(Truth(code, TARGET_TYPE[code], target, household_no, dataset, link, note))


def pick(county: County, eligible: np.ndarray, k: int) -> np.ndarray:
    """k unused households among `eligible` (fewer if there are not enough), marked used."""
    hh = county.households
    candidates = np.nonzero(eligible & ~hh.used)[0]
    k = min(k, len(candidates))
    chosen = np.sort(county.rng.choice(candidates, size=k, replace=False)) if k else candidates[:0]
    hh.used[chosen] = True
    return chosen


def households_with(county: County, person_mask: np.ndarray) -> np.ndarray:
    return np.bincount(county.people.hh, weights=person_mask, minlength=len(county.households)) > 0


def member_where(county: County, h: int, person_mask: np.ndarray) -> int:
    candidates = [i for i in county.members(h) if person_mask[i]]
    return candidates[int(county.rng.integers(len(candidates)))]


def relation_count(county: County, relations) -> np.ndarray:
    p = county.people
    return np.bincount(p.hh, weights=np.isin(p.relation, relations), minlength=len(county.households))


def clean_person(county: County) -> np.ndarray:
    """People whose record no injection has touched and who are alive."""
    p = county.people
    return ~p.deceased & ~p.busy & ~p.id_touched


def new_id(county: County, p: int, *, male: bool | None = None, birth=None) -> None:
    """Give person p a fresh valid ID (optionally with another sex digit or birth date)."""
    people = county.people
    male = bool(people.male[p]) if male is None else male
    birth = people.birth[p] if birth is None else birth
    key = county.ids.allocate_one(int(people.prefix[p]), birth, male)
    people.key[p] = key
    people.id_number[p] = format_id(key)
    people.birth[p] = birth


def set_income(county: County, h: int, per_capita_fen: int) -> None:
    """Income parts whose net income is exactly per_capita × recorded size, so the recorded
    per-capita figure is exact (for incomes placed on a band's edge)."""
    hh = county.households
    size = int(hh.size[h])
    parts = split_income(county.rng, np.array([per_capita_fen]), np.array([size]),
                         np.array([bool(county.notes["has_labour"][h])]))
    net = per_capita_fen * size
    rest = int(parts["wage"][0] + parts["business"][0] - parts["expense"][0] + parts["property"][0])
    transfer = net - rest
    wage = int(parts["wage"][0])
    if transfer < 0:  # the other parts overshoot: take it out of the wage
        wage += transfer
        transfer = 0
    hh.wage[h], hh.business[h], hh.expense[h] = wage, parts["business"][0], parts["expense"][0]
    hh.property[h], hh.transfer[h] = parts["property"][0], transfer
    hh.net[h] = wage + hh.business[h] - hh.expense[h] + hh.property[h] + transfer
    hh.per_capita[h] = round_half_up_div(hh.net[h], size)
    assert hh.net[h] == net and hh.per_capita[h] == per_capita_fen


def draw_fen(county: County, low_yuan: float, high_yuan: float) -> int:
    return int(county.rng.uniform(low_yuan, high_yuan) * 100)


def yuan_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


# --- the injections ------------------------------------------------------------------------------


def inject_registry_problems(county: County) -> None:
    """All registry-only codes, most constrained first."""
    county.notes["age_before_injection"] = ages_at(county.people.birth, county.as_of)
    for step in (id_duplicate, id_invalid, id_sex_mismatch, head_multiple, spouse_same_sex, head_missing,
                 relation_age, guarantee_education, guarantee_medical, exit_below_line, borderline,
                 exit_same_year, size_mismatch, income_inconsistent, no_helper, cause_missing,
                 guarantee_housing, guarantee_water):
        step(county)


def id_invalid(county: County) -> None:
    """Broken ID numbers, on spouses, children-in-law and heads living alone: nobody whose age another
    rule compares (RELATION_AGE), nobody of school age, and only in ordinary households (so that no
    dibao list depends on matching the number). Department files that list these people copy the
    number as the registry has it, as the insurance office does when it enrols registry members."""
    p, hh = county.people, county.households
    k = count_for(county, "ID_INVALID", len(INVALID_KINDS))
    lone_head = (p.relation == V.HEAD) & (hh.size[p.hh] == 1) & (relation_count(county, (
        V.SON, V.DAUGHTER, V.GRANDSON, V.GRANDDAUGHTER, V.PARENT))[p.hh] == 0)
    eligible = clean_person(county) & (np.isin(p.relation, (V.SPOUSE, V.DAUGHTER_IN_LAW, V.SON_IN_LAW)) | lone_head)
    eligible &= hh.htype[p.hh] == V.ORDINARY
    chosen = pick(county, households_with(county, eligible) & (hh.htype == V.ORDINARY), k)
    for i, h in enumerate(chosen):
        person = member_where(county, h, eligible)
        kind = INVALID_KINDS[i % len(INVALID_KINDS)]
        while True:
            broken = make_invalid(p.id_number[person], kind, county.rng)
            if county.ids.is_free(broken):
                break
        county.ids.remember([broken])
        p.id_number[person] = broken
        p.id_touched[person] = p.busy[person] = True
        record(county, "ID_INVALID", p.person_no[person], hh.household_no[h], INVALID_NOTES[kind])


def id_duplicate(county: County) -> None:
    """Two person records with one ID number. Across households, a spouse takes the number of an
    adult of the same sex elsewhere (spouses are in no age rule, and both are adults, so the number's
    age and sex raise nothing else); within a household, a child takes a same-sex sibling's number
    (both stay ≥ 20 years younger than the head, and neither has dropped out, so the number's age
    cannot make a school-age dropout). Both records are targets."""
    p, hh = county.people, county.households
    pairs = count_for(county, "ID_DUPLICATE")
    age = county.notes["age_before_injection"]
    base = clean_person(county) & (hh.htype[p.hh] == V.ORDINARY) & (p.schooling != V.DROPPED_OUT)

    n_within = max(1, pairs // 3)
    child = base & np.isin(p.relation, (V.SON, V.DAUGHTER))
    sons = np.bincount(p.hh, weights=child & p.male, minlength=len(hh))
    daughters = np.bincount(p.hh, weights=child & ~p.male, minlength=len(hh))
    for h in pick(county, (sons >= 2) | (daughters >= 2), n_within):
        male = sons[h] >= 2 if daughters[h] < 2 else (sons[h] >= 2 and county.rng.random() < 0.5)
        kids = [i for i in county.members(h) if child[i] and p.male[i] == male]
        first, second = sorted(county.rng.choice(kids, size=2, replace=False).tolist())
        _duplicate(county, first, second, "同户两人证件号码相同")

    source_ok = base & np.isin(p.relation, (V.HEAD, V.SPOUSE)) & (age >= 20)
    taker_ok = base & (p.relation == V.SPOUSE) & (age >= 20)
    sources = [member_where(county, h, source_ok)
               for h in pick(county, households_with(county, source_ok), pairs - n_within)]
    for male in (True, False):
        wanted = [a for a in sources if p.male[a] == male]
        takers = pick(county, households_with(county, taker_ok & (p.male == male)), len(wanted))
        for a, h in zip(wanted, takers):
            _duplicate(county, a, member_where(county, h, taker_ok & (p.male == male)), "与外户人员证件号码相同")
        for a in wanted[len(takers):]:  # nobody left to take the number: give the household back
            hh.used[p.hh[a]] = False


def _duplicate(county: County, a: int, b: int, note: str) -> None:
    p, hh = county.people, county.households
    p.id_number[b] = p.id_number[a]
    p.id_touched[[a, b]] = True
    p.busy[[a, b]] = True
    record(county, "ID_DUPLICATE", p.person_no[a], hh.household_no[p.hh[a]], f"{note}（人编号{p.person_no[b]}）")
    record(county, "ID_DUPLICATE", p.person_no[b], hh.household_no[p.hh[b]], f"{note}（人编号{p.person_no[a]}）")


def id_sex_mismatch(county: County) -> None:
    """The ID's sex digit says the other sex; the number stays valid (a new order code)."""
    p, hh = county.people, county.households
    eligible = clean_person(county)
    for h in pick(county, households_with(county, eligible), count_for(county, "ID_SEX_MISMATCH")):
        person = member_where(county, h, eligible)
        new_id(county, person, male=not p.male[person])
        p.busy[person] = True
        recorded = V.SEX[int(p.male[person])]
        record(county, "ID_SEX_MISMATCH", p.person_no[person], hh.household_no[h],
               f"登记性别{recorded}，证件号码显示为{V.SEX[1 - int(p.male[person])]}")


def _single_living_spouse(county: County) -> np.ndarray:
    p = county.people
    spouses = relation_count(county, (V.SPOUSE,))
    living_spouse = np.bincount(p.hh, weights=(p.relation == V.SPOUSE) & ~p.deceased, minlength=len(spouses))
    return (spouses == 1) & (living_spouse == 1)


def head_multiple(county: County) -> None:
    """The spouse recorded as a second head (the spouse is within −3…+6 years of the head, so the
    children are still ≥ 14 years younger than either head)."""
    p, hh = county.people, county.households
    spouse = (p.relation == V.SPOUSE) & clean_person(county)
    for h in pick(county, _single_living_spouse(county) & households_with(county, spouse),
                  count_for(county, "HEAD_MULTIPLE")):
        person = member_where(county, h, spouse)
        p.relation[person] = V.HEAD
        p.busy[person] = True
        record(county, "HEAD_MULTIPLE", hh.household_no[h], hh.household_no[h], "户内有两名户主")


def spouse_same_sex(county: County) -> None:
    """The spouse's recorded sex flipped together with the ID's sex digit, so that ID_SEX_MISMATCH
    stays clean."""
    p, hh = county.people, county.households
    spouse = (p.relation == V.SPOUSE) & clean_person(county)
    for h in pick(county, _single_living_spouse(county) & households_with(county, spouse),
                  count_for(county, "SPOUSE_SAME_SEX")):
        person = member_where(county, h, spouse)
        p.male[person] = not p.male[person]
        new_id(county, person)
        p.busy[person] = True
        record(county, "SPOUSE_SAME_SEX", hh.household_no[h], hh.household_no[h],
               f"户主与配偶性别均为{V.SEX[int(p.male[person])]}")


def head_missing(county: County) -> None:
    p, hh = county.people, county.households
    head = (p.relation == V.HEAD) & clean_person(county)
    eligible = (hh.size >= 2) & (relation_count(county, (V.HEAD,)) == 1) & households_with(county, head)
    for h in pick(county, eligible, count_for(county, "HEAD_MISSING")):
        person = member_where(county, h, head)
        p.relation[person] = V.OTHER
        p.busy[person] = True
        record(county, "HEAD_MISSING", hh.household_no[h], hh.household_no[h], "户内无户主")


def relation_age(county: County) -> None:
    """A child, parent or grandchild whose ID (birth date) puts them too close in age to the head:
    children and parents 2–8 years, grandchildren 14–22 years apart, well inside the limits (12 and
    24) however the difference is counted. Their schooling is set to fit the new age."""
    p, hh = county.people, county.households
    age = county.notes["age_before_injection"]
    base = clean_person(county)
    one_head = relation_count(county, (V.HEAD,)) == 1
    kinds = [("child", np.isin(p.relation, (V.SON, V.DAUGHTER))), ("parent", p.relation == V.PARENT),
             ("grandchild", np.isin(p.relation, (V.GRANDSON, V.GRANDDAUGHTER)))]
    k = count_for(county, "RELATION_AGE", 3)
    for i, (kind, mask) in enumerate(kinds):
        mask = mask & base
        for h in pick(county, one_head & households_with(county, mask), k // 3 + (i < k % 3)):
            person = member_where(county, h, mask)
            head = next(j for j in county.members(h) if p.relation[j] == V.HEAD)
            head_age = int(age[head])
            if kind == "child":
                gap = int(county.rng.integers(2, 9))
                new_age = head_age - gap
                note = f"{V.RELATIONS[p.relation[person]]}仅比户主小{gap}岁"
            elif kind == "parent":
                gap = int(county.rng.integers(2, 9))
                new_age = head_age + gap
                note = f"之父母仅比户主大{gap}岁"
            else:
                gap = int(county.rng.integers(14, 23))
                new_age = head_age - gap
                note = f"{V.RELATIONS[p.relation[person]]}仅比户主小{gap}岁"
            birth = county.births.draw(county.rng, np.array([new_age]))[0]
            new_id(county, person, birth=birth)
            _fit_schooling(county, person, new_age)
            p.busy[person] = True
            record(county, "RELATION_AGE", p.person_no[person], hh.household_no[h], note)


def _fit_schooling(county: County, person: int, age: int) -> None:
    p = county.people
    if 6 <= age <= 15:
        p.schooling[person] = V.PRIMARY if age <= 11 else V.JUNIOR
    elif 16 <= age <= 18:
        p.schooling[person] = V.SENIOR
    elif age < 6 or p.schooling[person] in (V.PRIMARY, V.JUNIOR, V.SENIOR, V.VOCATIONAL, V.PRESCHOOL):
        p.schooling[person] = V.NOT_IN_SCHOOL
    if age >= 16 and p.labor[person] == V.NO_LABOR and p.schooling[person] == V.NOT_IN_SCHOOL:
        p.labor[person] = V.ORDINARY_LABOR


def guarantee_education(county: County) -> None:
    """A child of compulsory-education age (6–15 at the as-of date) not in school: dropped out in
    the registry, absent from the school enrolment list, or marked 辍学 in it."""
    p, hh = county.people, county.households
    age = county.notes["age_before_injection"]
    child = clean_person(county) & (age >= 6) & (age <= 15)
    k = count_for(county, "GUARANTEE_EDUCATION", 3)
    chosen = pick(county, households_with(county, child), k)
    for i, h in enumerate(chosen):
        person = member_where(county, h, child)
        p.busy[person] = True
        variant = i % 3
        if variant == 0:
            p.schooling[person] = V.DROPPED_OUT
            p.school_state[person] = 1 + int(county.rng.random() < 0.5)  # absent or 辍学 there too
            record(county, "GUARANTEE_EDUCATION", p.person_no[person], hh.household_no[h],
                   f"{age[person]}岁，登记为辍学")
        elif variant == 1:
            p.school_state[person] = 1
            record(county, "GUARANTEE_EDUCATION", p.person_no[person], hh.household_no[h],
                   f"{age[person]}岁，学籍库中无此人", dataset="school")
        else:
            p.school_state[person] = 2
            record(county, "GUARANTEE_EDUCATION", p.person_no[person], hh.household_no[h],
                   f"{age[person]}岁，学籍状态为辍学", dataset="school", link="exact")


def guarantee_medical(county: County) -> None:
    """A living member without basic medical insurance: 否 in the registry, absent from the insurance
    list, or listed there as 未参保 / 停保."""
    p, hh = county.people, county.households
    living = clean_person(county)
    k = count_for(county, "GUARANTEE_MEDICAL", 3)
    for i, h in enumerate(pick(county, households_with(county, living), k)):
        person = member_where(county, h, living)
        p.busy[person] = True
        variant = i % 3
        if variant == 0:
            p.insured[person] = False
            p.insurance_state[person] = 1
            record(county, "GUARANTEE_MEDICAL", p.person_no[person], hh.household_no[h], "登记为未参加基本医疗保险")
        elif variant == 1:
            p.insurance_state[person] = 1
            record(county, "GUARANTEE_MEDICAL", p.person_no[person], hh.household_no[h], "医保参保名单中无此人",
                   dataset="medical_insurance")
        else:
            state = 2 + int(county.rng.random() < 0.4)
            p.insurance_state[person] = state
            word = V.NOT_INSURED if state == 2 else V.SUSPENDED
            record(county, "GUARANTEE_MEDICAL", p.person_no[person], hh.household_no[h], f"医保参保状态为{word}",
                   dataset="medical_insurance", link="exact")


def exit_below_line(county: County) -> None:
    """Lifted households with a per-capita income under the poverty line; the first at 3,999.99."""
    hh = county.households
    chosen = pick(county, hh.status == V.LIFTED, count_for(county, "EXIT_BELOW_LINE"))
    for i, h in enumerate(chosen):
        fen = POVERTY_LINE * 100 - 1 if i == 0 else draw_fen(county, 2500, POVERTY_LINE - 50)
        set_income(county, h, fen)
        record(county, "EXIT_BELOW_LINE", hh.household_no[h], hh.household_no[h],
               f"已脱贫，人均纯收入{yuan_text(fen)}元低于贫困线")


def borderline(county: County) -> None:
    """Lifted households in [4,000, 6,000): the first exactly at 4,000.00, the second at 5,999.99;
    and, as near misses, lifted households at exactly 6,000.00, which must not be flagged."""
    hh = county.households
    chosen = pick(county, hh.status == V.LIFTED, count_for(county, "BORDERLINE"))
    for i, h in enumerate(chosen):
        fen = {0: POVERTY_LINE * 100, 1: BORDERLINE_UPPER * 100 - 1}.get(
            i, draw_fen(county, POVERTY_LINE + 50, BORDERLINE_UPPER - 50))
        set_income(county, h, fen)
        record(county, "BORDERLINE", hh.household_no[h], hh.household_no[h],
               f"已脱贫，人均纯收入{yuan_text(fen)}元处于边缘区间")
    at_upper = pick(county, hh.status == V.LIFTED, max(1, len(chosen) // 10))
    for h in at_upper:
        set_income(county, h, BORDERLINE_UPPER * 100)
    county.notes.setdefault("near_misses", {})["lifted_at_borderline_upper"] = len(at_upper)


def exit_same_year(county: County) -> None:
    hh = county.households
    for h in pick(county, hh.status == V.LIFTED, count_for(county, "EXIT_SAME_YEAR")):
        hh.exit_year[h] = hh.identified_year[h]
        record(county, "EXIT_SAME_YEAR", hh.household_no[h], hh.household_no[h],
               f"{hh.identified_year[h]}年识别当年脱贫")


def size_mismatch(county: County) -> None:
    """Recorded 人数 ≠ living member records: a member who died still counted, a member missing from
    the count, or one counted who has no record. The per-capita income is recomputed with the
    recorded size (it is the size the registry divides by), and lifted households keep ≥ 6,400."""
    p, hh = county.people, county.households
    living = np.bincount(p.hh, weights=~p.deceased, minlength=len(hh)).astype(np.int64)
    eligible = [households_with(county, p.deceased), living >= 2, np.ones(len(hh), bool)]
    notes = ["已故成员仍计入人数", "人数少于在世成员", "人数多于在世成员"]
    k = count_for(county, "SIZE_MISMATCH", 3)
    for variant in range(3):
        for h in pick(county, eligible[variant], k // 3 + (variant < k % 3)):
            hh.size[h] = living[h] + (-1 if variant == 1 else 1)
            hh.per_capita[h] = round_half_up_div(hh.net[h], hh.size[h])
            # Households that exited (lifted, and the monitored unstable / risk-cleared ones, which
            # a reader may count as lifted) stay clear of the borderline band.
            if hh.status[h] in EXITED and hh.per_capita[h] < (BORDERLINE_UPPER + 400) * 100:
                set_income(county, h, draw_fen(county, 6500, 12000))
            record(county, "SIZE_MISMATCH", hh.household_no[h], hh.household_no[h],
                   f"登记人数{hh.size[h]}人，在世成员{living[h]}人（{notes[variant]}）")


def income_inconsistent(county: County) -> None:
    """Recorded per-capita income ≠ parts ÷ size by 5–30 % (always upwards, so lifted households stay
    above the borderline band): a wrong per-capita figure, or a net income that forgot to subtract
    the business expense."""
    hh = county.households
    k = count_for(county, "INCOME_INCONSISTENT", 2)
    for i, h in enumerate(pick(county, np.ones(len(hh), bool), k)):
        computed = round_half_up_div(hh.wage[h] + hh.business[h] - hh.expense[h] + hh.property[h] + hh.transfer[h],
                                     hh.size[h])
        if i % 2 == 1 and hh.expense[h] >= 0.06 * hh.net[h] and hh.expense[h] > 0:
            hh.net[h] = hh.wage[h] + hh.business[h] + hh.property[h] + hh.transfer[h]
            hh.per_capita[h] = round_half_up_div(hh.net[h], hh.size[h])
            note = "家庭纯收入未扣除生产经营性支出"
        else:
            hh.per_capita[h] = int(computed * county.rng.uniform(1.05, 1.30))
            note = "人均纯收入与各项收入不符"
        record(county, "INCOME_INCONSISTENT", hh.household_no[h], hh.household_no[h],
               f"{note}：登记{yuan_text(int(hh.per_capita[h]))}元，应为{yuan_text(int(computed))}元")


def no_helper(county: County) -> None:
    hh = county.households
    for h in pick(county, (hh.status != V.RISK_CLEARED) & (hh.helper >= 0), count_for(county, "NO_HELPER")):
        hh.helper[h] = -1
        record(county, "NO_HELPER", hh.household_no[h], hh.household_no[h],
               f"{V.STATUSES[hh.status[h]]}户无帮扶责任人")
    county.notes.setdefault("near_misses", {})["risk_cleared_without_helper"] = int(
        ((hh.status == V.RISK_CLEARED) & (hh.helper < 0)).sum())


def cause_missing(county: County) -> None:
    hh = county.households
    for h in pick(county, np.ones(len(hh), bool), count_for(county, "CAUSE_MISSING")):
        hh.cause[h] = -1
        record(county, "CAUSE_MISSING", hh.household_no[h], hh.household_no[h], "主要致贫原因为空")


def guarantee_housing(county: County) -> None:
    hh = county.households
    for h in pick(county, np.ones(len(hh), bool), count_for(county, "GUARANTEE_HOUSING")):
        hh.rating[h] = 2 + int(county.rng.random() < 0.4)
        hh.renovated[h] = False
        record(county, "GUARANTEE_HOUSING", hh.household_no[h], hh.household_no[h],
               f"{V.HOUSE_RATINGS[hh.rating[h]]}级危房未改造")
    county.notes.setdefault("near_misses", {})["cd_house_renovated"] = int(((hh.rating >= 2) & hh.renovated).sum())


def guarantee_water(county: County) -> None:
    hh = county.households
    for h in pick(county, np.ones(len(hh), bool), count_for(county, "GUARANTEE_WATER")):
        hh.water_safe[h] = False
        record(county, "GUARANTEE_WATER", hh.household_no[h], hh.household_no[h], "饮水不安全")
