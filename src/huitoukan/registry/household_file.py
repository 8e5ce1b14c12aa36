"""一户一档: everything the household page shows, assembled from one household (already scoped by
queries.household_for_user) and masked for the user who asks.

Kept apart from the view so that the same file can be printed, exported or served by the API.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import ForeignKey
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huitoukan.accounts import masking

from .choices import HouseRating, Relation, Schooling
from .models import Household, Person

COMPULSORY_SCHOOL_AGES = range(6, 16)  # 6–15 full years: 义务教育
OUT_OF_SCHOOL = {Schooling.NOT_IN_SCHOOL, Schooling.DROPPED_OUT, ""}
UNSAFE_RATINGS = {HouseRating.C, HouseRating.D}
RELATION_ORDER = {value: i for i, value in enumerate(Relation.values)}


def _check_digit(first17: str) -> str:
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def birth_date_from_id(id_number: str) -> datetime.date | None:
    """The birth date of an 18-character ID number whose check digit and date are right (the
    region part is not checked: an old or abolished county code is still a birth date)."""
    value = (id_number or "").strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or value[17] != _check_digit(value[:17]):
        return None
    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    return born if born.year >= 1880 else None


def age_on(born: datetime.date | None, day: datetime.date) -> int | None:
    if born is None or born > day:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass
class Member:
    person: Person
    age: int | None
    compulsory_school_age: bool
    out_of_school: bool


@dataclass
class Guarantee:
    """One of 两不愁三保障 (and water): ok True/False, or None when the registry does not say."""

    code: str
    label: str
    ok: bool | None
    detail: str = ""
    members: list = field(default_factory=list)


def members_of(household: Household, today: datetime.date) -> list[Member]:
    people = sorted(household.members.all(), key=lambda p: (RELATION_ORDER.get(p.relation, 99), p.pk))
    rows = []
    for person in people:
        age = age_on(birth_date_from_id(person.id_number), today)
        school_age = age in COMPULSORY_SCHOOL_AGES and not person.deceased
        rows.append(Member(person, age, school_age, school_age and person.schooling in OUT_OF_SCHOOL))
    return rows


def _yes_no(value):
    return None if value is None else bool(value)


def guarantees(household: Household, members: list[Member]) -> list[Guarantee]:
    living = [m for m in members if not m.person.deceased]
    school_age = [m for m in living if m.compulsory_school_age]
    uninsured = [m for m in living if m.person.medical_insured is not True]
    unsafe_house = household.house_rating in UNSAFE_RATINGS and household.house_renovated is not True

    if household.house_rating:
        house_ok = not unsafe_house
        house_detail = _("rating %(rating)s") % {"rating": household.house_rating}
        if household.house_rating in UNSAFE_RATINGS:
            house_detail += ", " + (_("renovated") if household.house_renovated else _("not renovated"))
    else:
        house_ok, house_detail = None, _("no rating recorded")

    return [
        Guarantee("food_clothing", _("food and clothing"), _yes_no(household.food_clothing)),
        Guarantee(
            "education", _("compulsory education"),
            (not any(m.out_of_school for m in school_age)) if school_age else True,
            _("%(n)d member(s) aged 6–15") % {"n": len(school_age)} if school_age
            else _("no member aged 6–15"),
            school_age,
        ),
        Guarantee(
            "medical", _("basic medical insurance"),
            None if living and all(m.person.medical_insured is None for m in living) else not uninsured,
            _("%(n)d of %(total)d living members insured") % {
                "n": len(living) - len(uninsured), "total": len(living)},
            uninsured,
        ),
        Guarantee("housing", _("safe housing"), house_ok, house_detail),
        Guarantee("water", _("safe drinking water"), _yes_no(household.water_safe)),
    ]


def _yuan(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)


def income(household: Household, living_count: int) -> dict:
    """Recorded income and its recomputation (DOMAIN.md §2), side by side: a difference is what
    the INCOME_INCONSISTENT rule will flag."""
    computed = household.computed_net_income
    size = household.household_size or living_count or None
    computed_per_capita = _yuan(Decimal(computed) / size) if computed is not None and size else None
    parts = [
        (Household._meta.get_field(name).verbose_name, getattr(household, name), sign)
        for name, sign in (("wage", "+"), ("business", "+"), ("business_expense", "−"),
                           ("property", "+"), ("transfer", "+"))
    ]
    net_differs = (computed is not None and household.net_income is not None
                   and abs(Decimal(computed) - household.net_income) > 1)
    pc_differs = (computed_per_capita is not None and household.per_capita_income is not None
                  and abs(computed_per_capita - household.per_capita_income) > 1)
    return {
        "parts": parts,
        "net_income": household.net_income,
        "per_capita_income": household.per_capita_income,
        "computed_net_income": _yuan(computed),
        "computed_per_capita_income": computed_per_capita,
        "size_used": size,
        "net_differs": net_differs,
        "per_capita_differs": pc_differs,
    }


# --- change history ---------------------------------------------------------------------------

HIDDEN_HISTORY_FIELDS = {"id", "source_key", "household"}
YES, NO, EMPTY = gettext_lazy("yes"), gettext_lazy("no"), "—"


@dataclass
class HistoryEntry:
    when: datetime.datetime
    who: str
    kind: str  # "created", "changed", "deleted", "joined"
    subject: str  # "" for the household itself, else the member's name
    reason: str
    changes: list  # [(label, old, new)]


def _display(model, name: str, value, user, names: dict):
    model_field = model._meta.get_field(name)
    if value is None or value == "":
        return EMPTY
    if isinstance(model_field, ForeignKey):
        shown = names.get((model_field.related_model, value), f"#{value}")
    elif model_field.choices:
        shown = dict(model_field.flatchoices).get(value, value)
    elif isinstance(value, bool):
        shown = YES if value else NO
    else:
        shown = value
    return masking.field_for(user, name, shown) if model is Person else shown


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return _("system")
    return user.get_full_name() or user.username


def _diffs(records, model):
    """Consecutive pairs of one object's historical records → (record, kind, [ModelChange])."""
    previous = None
    for record in records:
        if previous is None:
            kind = "created" if record.history_type == "+" else "joined"
            yield record, kind, []
        elif record.history_type == "-":
            yield record, "deleted", []
        else:
            delta = record.diff_against(previous, excluded_fields=HIDDEN_HISTORY_FIELDS)
            if delta.changes:
                yield record, "changed", delta.changes
        previous = record


def history(household: Household, user, limit: int = 200) -> list[HistoryEntry]:
    """The household's and its members' changes, newest first: who, when, which field from what to
    what. Member records are those written while the person was in this household."""
    household_records = list(
        household.history.select_related("history_user").order_by("history_date", "history_id")
    )
    person_records = list(
        Person.history.filter(household_id=household.pk).select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    raw = [(r, kind, ch, Household, "") for r, kind, ch in _diffs(household_records, Household)]
    by_person: dict[int, list] = {}
    for record in person_records:
        by_person.setdefault(record.id, []).append(record)
    for records in by_person.values():
        raw += [(r, kind, ch, Person, r.name) for r, kind, ch in _diffs(records, Person)]
    raw.sort(key=lambda item: item[0].history_date, reverse=True)
    raw = raw[:limit]

    # Foreign keys (regions, helper) are shown by name: one query per related model.
    wanted: dict = {}
    for _record, _kind, changes, model, _subject in raw:
        for change in changes:
            model_field = model._meta.get_field(change.field)
            if isinstance(model_field, ForeignKey):
                wanted.setdefault(model_field.related_model, set()).update(
                    v for v in (change.old, change.new) if v is not None)
    names = {(related, pk): str(obj) for related, pks in wanted.items()
             for pk, obj in related.objects.in_bulk(pks).items()}

    entries = []
    for record, kind, changes, model, subject in raw:
        rows = [(model._meta.get_field(c.field).verbose_name,
                 _display(model, c.field, c.old, user, names),
                 _display(model, c.field, c.new, user, names)) for c in changes]
        entries.append(HistoryEntry(record.history_date, _who(record), kind, subject,
                                    record.history_change_reason or "", rows))
    return entries


def household_file(household: Household, user, today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    members = members_of(household, today)
    living = [m for m in members if not m.person.deceased]
    return {
        "household": household,
        "members": members,
        "living_count": len(living),
        "guarantees": guarantees(household, members),
        "income": income(household, len(living)),
        "history": history(household, user),
        "today": today,
    }
