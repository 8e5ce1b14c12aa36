"""Families: who lives in each registry household, with ages, sexes and names that agree with each
other and with the relations, so that no family-structure rule fires on the clean base.

Age gaps are kept well clear of the rules' limits (children ≥ 20 years younger than the head,
grandchildren ≥ 40, parents ≥ 20 years older; the spouse within −3…+6 years of the head, which keeps
children ≥ 14 years younger than the spouse too, in case a HEAD_MULTIPLE injection makes the
spouse a second head).
"""

from __future__ import annotations

import numpy as np

from . import vocab as V
from .idnumbers import BirthTable, IdAllocator, ages_at
from .names import draw_surnames, full_names

# (roles, share of households, head age range). Roles: H head, S spouse, C child, M the married
# child of a three-generation family, W that child's spouse, G grandchild, P parent of the head,
# B sibling, O other relative.
TEMPLATES: list[tuple[str, float, tuple[int, int]]] = [
    ("H", 0.085, (60, 88)),
    ("H", 0.035, (30, 59)),
    ("HS", 0.11, (55, 85)),
    ("HC", 0.05, (30, 60)),
    ("HP", 0.03, (25, 55)),
    ("HB", 0.01, (45, 80)),
    ("HSC", 0.15, (25, 62)),
    ("HSP", 0.03, (25, 55)),
    ("HCC", 0.04, (30, 58)),
    ("HSCC", 0.16, (28, 60)),
    ("HSCP", 0.07, (25, 55)),
    ("HSCO", 0.01, (30, 60)),
    ("HSCCC", 0.05, (30, 60)),
    ("HSCCP", 0.05, (28, 55)),
    ("HSMWG", 0.04, (48, 78)),
    ("HSCCPP", 0.03, (28, 52)),
    ("HSMWGG", 0.03, (48, 78)),
    ("HSMWGGG", 0.01, (50, 78)),
    ("HSCCCPP", 0.01, (28, 50)),
]
_SHARES = np.array([t[1] for t in TEMPLATES])
_SHARES = _SHARES / _SHARES.sum()


def _uniform_int(rng: np.random.Generator, low, high) -> np.ndarray:
    """Vectorised integers in [low, high] (inclusive, arrays allowed)."""
    low = np.asarray(low)
    high = np.asarray(high)
    return low + (rng.random(np.broadcast(low, high).shape) * (high - low + 1)).astype(np.int64)


def build_people(rng: np.random.Generator, n_households: int, county_prefix: int,
                 neighbour_prefixes: list[int], ids: IdAllocator, births: BirthTable) -> dict:
    """Member arrays sorted by (household, position). Returns a dict of numpy arrays."""
    template = rng.choice(len(TEMPLATES), size=n_households, p=_SHARES)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in (
        "hh", "pos", "age", "male", "relation", "surname_kind", "deceased", "in_married")}

    head_surname = draw_surnames(rng, n_households)
    spouse_surname = draw_surnames(rng, n_households)
    head_male_all = np.zeros(n_households, dtype=bool)
    has_spouse = np.zeros(n_households, dtype=bool)
    head_age_all = np.zeros(n_households, dtype=np.int64)

    def add(hh, pos, age, male, relation, surname_kind, deceased=False, in_married=False):
        n = len(hh)
        parts["hh"].append(hh)
        parts["pos"].append(np.full(n, pos))
        parts["age"].append(np.asarray(age, dtype=np.int64))
        parts["male"].append(np.asarray(male, dtype=bool))
        parts["relation"].append(np.full(n, relation, dtype=np.int8) if np.isscalar(relation)
                                 else np.asarray(relation, dtype=np.int8))
        parts["surname_kind"].append(np.full(n, surname_kind) if np.isscalar(surname_kind)
                                     else np.asarray(surname_kind))
        parts["deceased"].append(np.full(n, deceased, dtype=bool))
        parts["in_married"].append(np.full(n, in_married, dtype=bool))

    # surname_kind: 0 the family's (children's) surname, 1 the head's own, 2 the spouse's, 3 random
    for t, (roles, _share, (lo, hi)) in enumerate(TEMPLATES):
        hh = np.nonzero(template == t)[0]
        k = len(hh)
        if k == 0:
            continue
        head_age = _uniform_int(rng, np.full(k, lo), np.full(k, hi))
        head_male = rng.random(k) < (0.88 if "S" in roles else 0.6)
        head_age_all[hh] = head_age
        head_male_all[hh] = head_male
        has_spouse[hh] = "S" in roles
        n_parents = roles.count("P")
        m_age = m_male = None
        for pos, role in enumerate(roles):
            if role == "H":
                add(hh, pos, head_age, head_male, V.HEAD, 1)
            elif role == "S":
                age = np.maximum(18, head_age - _uniform_int(rng, -3, np.full(k, 6)))
                add(hh, pos, age, ~head_male, V.SPOUSE, 2, in_married=True)
            elif role == "C":
                gap = _uniform_int(rng, 20, np.minimum(38, head_age))
                male = rng.random(k) < 0.52
                add(hh, pos, head_age - gap, male, np.where(male, V.SON, V.DAUGHTER), 0)
            elif role == "M":
                gap = _uniform_int(rng, 20, np.minimum(30, head_age - 20))
                m_age = head_age - gap
                m_male = rng.random(k) < 0.8
                add(hh, pos, m_age, m_male, np.where(m_male, V.SON, V.DAUGHTER), 0)
            elif role == "W":
                age = np.maximum(18, m_age + _uniform_int(rng, -4, np.full(k, 4)))
                add(hh, pos, age, ~m_male, np.where(m_male, V.DAUGHTER_IN_LAW, V.SON_IN_LAW), 3,
                    in_married=True)
            elif role == "G":
                gap = _uniform_int(rng, 20, np.minimum(32, m_age))
                male = rng.random(k) < 0.52
                add(hh, pos, m_age - gap, male, np.where(male, V.GRANDSON, V.GRANDDAUGHTER), 0)
            elif role == "P":
                first_parent = roles.index("P") == pos
                if n_parents == 2:
                    male = np.full(k, first_parent)
                else:
                    male = rng.random(k) < 0.35
                age = head_age + _uniform_int(rng, 20, np.minimum(35, 95 - head_age))
                add(hh, pos, age, male, V.PARENT, np.where(male, 1, 3), in_married=~male)
            elif role == "B":
                age = np.maximum(18, head_age + _uniform_int(rng, -10, np.full(k, 10)))
                add(hh, pos, age, rng.random(k) < 0.5, V.SIBLING, 1)
            elif role == "O":
                add(hh, pos, _uniform_int(rng, 8, np.full(k, 30)), rng.random(k) < 0.5, V.OTHER, 3)

        # Members who died during the year stay on the roll, marked 是否死亡=是.
        if "P" not in roles and lo <= 62:
            sel = (head_age <= 62) & (rng.random(k) < 0.02)
            if sel.any():
                ha = head_age[sel]
                male = rng.random(sel.sum()) < 0.4
                age = ha + _uniform_int(rng, 22, np.minimum(35, 98 - ha))
                add(hh[sel], len(roles), age, male, V.PARENT, np.where(male, 1, 3), deceased=True)
        if roles == "H" and lo >= 60:
            sel = rng.random(k) < 0.3
            if sel.any():
                age = np.maximum(18, head_age[sel] + _uniform_int(rng, -3, np.full(sel.sum(), 3)))
                add(hh[sel], 1, age, ~head_male[sel], V.SPOUSE, 2, deceased=True, in_married=True)

    cols = {k: np.concatenate(v) for k, v in parts.items()}
    order = np.lexsort((cols["pos"], cols["hh"]))
    cols = {k: v[order] for k, v in cols.items()}
    n = len(cols["hh"])

    family_surname = np.where(head_male_all | ~has_spouse, head_surname, spouse_surname)
    kind = cols["surname_kind"]
    random_surname = draw_surnames(rng, n)
    surname = np.select(
        [kind == 0, kind == 1, kind == 2],
        [family_surname[cols["hh"]], head_surname[cols["hh"]], spouse_surname[cols["hh"]]],
        random_surname,
    )
    birth = births.draw(rng, cols["age"])
    # Spouses who married in may come from a neighbouring county; a few others were born elsewhere.
    p_elsewhere = np.where(cols["in_married"], 0.15, 0.02)
    elsewhere = rng.random(n) < p_elsewhere
    prefix = np.full(n, county_prefix, dtype=np.int64)
    prefix[elsewhere] = np.array(neighbour_prefixes)[rng.integers(0, len(neighbour_prefixes), elsewhere.sum())]
    key = ids.allocate(prefix, birth, cols["male"])
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    name = full_names(rng, surname, cols["male"], birth_year)
    age = ages_at(birth, births.as_of)
    cols.update(surname=surname, birth=birth, prefix=prefix, key=key, name=name, age=age)
    cols["template"] = template
    return cols


# --- person attributes ---------------------------------------------------------------------------


def schooling_for_ages(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """在校生状况 by age; everyone of compulsory-education age (6–15) is in primary or junior school."""
    n = len(age)
    u = rng.random(n)
    s = np.full(n, V.NOT_IN_SCHOOL, dtype=np.int8)
    s[(age >= 3) & (age <= 5) & (u < 0.75)] = V.PRESCHOOL
    s[(age >= 6) & (age <= 11)] = V.PRIMARY
    s[(age >= 12) & (age <= 14)] = V.JUNIOR
    a15 = age == 15
    s[a15] = np.where(u[a15] < 0.5, V.JUNIOR, np.where(u[a15] < 0.8, V.SENIOR, V.VOCATIONAL))
    teen = (age >= 16) & (age <= 18)
    s[teen] = np.where(u[teen] < 0.45, V.SENIOR, np.where(u[teen] < 0.72, V.VOCATIONAL, V.NOT_IN_SCHOOL))
    young = (age >= 19) & (age <= 22)
    s[young] = np.where(u[young] < 0.2, V.COLLEGE, np.where(u[young] < 0.3, V.UNIVERSITY, V.NOT_IN_SCHOOL))
    return s


def education_for(rng: np.random.Generator, age: np.ndarray, schooling: np.ndarray) -> np.ndarray:
    n = len(age)
    u = rng.random(n)
    e = np.full(n, V.EDU_JUNIOR, dtype=np.int8)
    e[age < 6] = V.PRESCHOOL_CHILD
    e[schooling == V.PRIMARY] = V.EDU_PRIMARY
    e[schooling == V.JUNIOR] = V.EDU_PRIMARY
    e[np.isin(schooling, (V.SENIOR, V.VOCATIONAL))] = V.EDU_JUNIOR
    e[np.isin(schooling, (V.COLLEGE, V.UNIVERSITY))] = V.EDU_SENIOR
    out = (schooling == V.NOT_IN_SCHOOL) & (age >= 6)
    old = out & (age >= 60)
    e[old] = np.where(u[old] < 0.5, V.ILLITERATE, np.where(u[old] < 0.9, V.EDU_PRIMARY, V.EDU_JUNIOR))
    mid = out & (age >= 30) & (age < 60)
    e[mid] = np.select([u[mid] < 0.05, u[mid] < 0.35, u[mid] < 0.85], [V.ILLITERATE, V.EDU_PRIMARY, V.EDU_JUNIOR],
                       V.EDU_SENIOR)
    young = out & (age < 30)
    e[young] = np.select([u[young] < 0.5, u[young] < 0.85], [V.EDU_JUNIOR, V.EDU_SENIOR], V.EDU_COLLEGE)
    return e


def health_for(rng: np.random.Generator, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(age)
    u = rng.random(n)
    h = np.full(n, V.HEALTHY, dtype=np.int8)
    child = age < 16
    adult = (age >= 16) & (age < 60)
    old = age >= 60
    h[child] = np.where(u[child] < 0.97, V.HEALTHY, np.where(u[child] < 0.985, V.CHRONIC, V.DISABLED))
    h[adult] = np.select([u[adult] < 0.86, u[adult] < 0.93, u[adult] < 0.96], [V.HEALTHY, V.CHRONIC, V.SERIOUS_ILLNESS],
                         V.DISABLED)
    h[old] = np.select([u[old] < 0.55, u[old] < 0.88, u[old] < 0.93], [V.HEALTHY, V.CHRONIC, V.SERIOUS_ILLNESS],
                       V.DISABLED)
    grade = np.zeros(n, dtype=np.int8)
    dis = h == V.DISABLED
    grade[dis] = rng.choice([1, 2, 3, 4], size=int(dis.sum()), p=[0.1, 0.2, 0.35, 0.35])
    return h, grade


def labor_for(rng: np.random.Generator, age: np.ndarray, health: np.ndarray, grade: np.ndarray,
              schooling: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(age)
    u = rng.random(n)
    lab = np.full(n, V.NO_LABOR, dtype=np.int8)
    working = (age >= 16) & (age < 60) & np.isin(schooling, (V.NOT_IN_SCHOOL, V.DROPPED_OUT))
    healthy = working & (health == V.HEALTHY)
    lab[healthy] = np.where(u[healthy] < 0.75, V.ORDINARY_LABOR, V.SKILLED_LABOR)
    lab[working & (health == V.CHRONIC)] = V.WEAK_LABOR
    lab[working & (health == V.SERIOUS_ILLNESS)] = V.LOST_LABOR
    dis = working & (health == V.DISABLED)
    lab[dis] = np.where(grade[dis] <= 2, V.LOST_LABOR, V.WEAK_LABOR)
    older = (age >= 60) & (age < 70)
    lab[older] = np.where(health[older] == V.HEALTHY, V.WEAK_LABOR, V.LOST_LABOR)
    lab[age >= 70] = V.LOST_LABOR
    months = np.zeros(n, dtype=np.int8)
    able = np.isin(lab, (V.ORDINARY_LABOR, V.SKILLED_LABOR))
    migrant = able & (rng.random(n) < 0.6)
    months[migrant] = rng.integers(3, 13, int(migrant.sum()))
    return lab, months
