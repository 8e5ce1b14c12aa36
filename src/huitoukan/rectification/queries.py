"""Read queries of the problem ledger on a user's behalf. Every function starts from the user's
scope: a problem is seen through its county, town and village columns (denormalised from its
household, as Household's are), so that scoping the ledger is one indexed filter.

A problem's description and values are what the rule said, ID numbers included: `shown_text` and
`shown_values` mask them for roles that see masked ID numbers, as the registry's pages do.
"""

from __future__ import annotations

import re

from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from huitoukan.accounts.masking import (
    MASK,
    SENSITIVE_FIELDS,
    field_for,
    health_for,
    mask_id_number,
    masks_health,
    masks_id_number,
)
from huitoukan.accounts.scope import scoped_households, user_region_ids
from huitoukan.datasets.kinds import KINDS
from huitoukan.registry.choices import (
    Health,
    HouseholdStatus,
    HouseholdType,
    HouseRating,
    Labor,
    MainCause,
    RegionLevel,
    Relation,
    Schooling,
    Sex,
)
from huitoukan.registry.queries import normalise_query, prefix_q

from .choices import Status
from .models import Problem, ProblemSource
from .residents import REASON_LABELS


def problem_scope_q(user, prefix: str = "") -> Q:
    """A Q limiting problems (or rows reached through `prefix`, e.g. "problem__") to the user's
    regions. A user without regions sees nothing; a superuser everything."""
    nothing = Q(**{f"{prefix}pk__in": []})
    if not user.is_authenticated or not user.is_active:
        return nothing
    levels = user_region_ids(user)
    if levels is None:
        return Q()
    q = nothing
    for level in (RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE):
        if levels[level]:
            q |= Q(**{f"{prefix}{level}_id__in": levels[level]})
    if levels[RegionLevel.HAMLET]:  # problems keep no hamlet column: reach it through the household
        hamlets = levels[RegionLevel.HAMLET]
        q |= Q(**{f"{prefix}household__hamlet_id__in": hamlets})
        q |= Q(**{f"{prefix}person__household__hamlet_id__in": hamlets})
    return q


def scoped_problems(user):
    return Problem.objects.filter(problem_scope_q(user))


STILL_FOUND = "yes"
NO_LONGER_FOUND = "no"
#: Values of the workflow's filters (overdue, recurring, assigned).
YES = "yes"
ASSIGNED_TO_ME = "me"
UNASSIGNED = "none"
PROBLEM_NUMBER = re.compile(r"^WT0*(\d{1,9})$", re.IGNORECASE)
#: Above this many matching households the search stays a subquery instead of a list of ids.
MAX_LISTED_HOUSEHOLDS = 2000


def search_q(user, text: str) -> Q:
    """The search box: a problem number (WT0000123), or the beginning of a household number or of a
    head's name. Households are matched first (indexed, in the user's scope), then their problems,
    whether the problem names the household or one of its members."""
    text = normalise_query(text)
    if not text:
        return Q()
    number = PROBLEM_NUMBER.match(text)
    if number:
        return Q(pk=int(number.group(1)))
    households = scoped_households(user).filter(prefix_q("household_no", text) | prefix_q("head_name", text))
    ids = list(households.order_by().values_list("pk", flat=True)[: MAX_LISTED_HOUSEHOLDS + 1])
    if len(ids) > MAX_LISTED_HOUSEHOLDS:
        ids = households.order_by().values("pk")
    return Q(household_id__in=ids) | Q(person__household_id__in=ids)


def problems_for_list(user, filters: dict):
    """The scoped, filtered, searched problems in list order (the export reads this too)."""
    qs = scoped_problems(user)
    for name in ("county", "town", "village"):
        if filters.get(name):
            qs = qs.filter(**{f"{name}_id": filters[name]})
    for name in ("code", "category", "severity", "status"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("source"):
        qs = qs.filter(Exists(ProblemSource.objects.filter(problem=OuterRef("pk"), source=filters["source"])))
    if filters.get("found") in (STILL_FOUND, NO_LONGER_FOUND):
        qs = qs.filter(still_found=filters["found"] == STILL_FOUND)
    if filters.get("run"):
        qs = qs.filter(findings__run_id=filters["run"])  # one Finding per (run, problem): no duplicates
    if filters.get("q"):
        qs = qs.filter(search_q(user, filters["q"]))
    qs = _workflow_filters(qs, user, filters)
    return qs.order_by("-last_found_at", "-id")


def _workflow_filters(qs, user, filters: dict):
    """Overdue, recurring, and whose problem it is (assigned to me, or to nobody yet)."""
    from .assignment import overdue_q

    if filters.get("overdue") == YES:
        qs = qs.filter(overdue_q())
    if filters.get("recurring") == YES:
        qs = qs.filter(recurring=True)
    if filters.get("assigned") == ASSIGNED_TO_ME:
        qs = qs.filter(responsible_person_id=user.pk)
    elif filters.get("assigned") == UNASSIGNED:
        qs = qs.filter(responsible_person__isnull=True, responsible_unit="")
    return qs


def list_page(queryset, page_number, per_page: int = 50):
    """One page of problems as a deferred join (narrow count and ids, then 50 rows with what the
    list shows), as the household list does."""
    from django.core.paginator import Paginator

    paginator = Paginator(queryset.values_list("pk", flat=True), per_page)
    page = paginator.get_page(page_number)
    ids = list(page.object_list)
    rows = Problem.objects.filter(pk__in=ids).select_related(
        "village", "town", "household", "person__household", "responsible_person",
    )
    by_id = {p.pk: p for p in rows}
    page.object_list = [by_id[pk] for pk in ids if pk in by_id]
    return page


def problem_for_user(user, pk: int) -> Problem:
    """One problem, or 404 when it does not exist *or* lies outside the user's regions."""
    return get_object_or_404(
        scoped_problems(user).select_related(
            "county", "town", "village", "household__village", "person__household__village",
            "first_run", "last_run", "not_found_by",
        ),
        pk=pk,
    )


def code_choices(user, catalog: dict[str, str]) -> list[tuple[str, str]]:
    """(code, "CODE title") for every rule of the catalog and every code found in the user's
    ledger (problems people recorded may carry codes no rule file has)."""
    titles = dict(catalog)
    for code, title in scoped_problems(user).order_by().values_list("code", "title").distinct():
        titles.setdefault(code, title)
    return [(code, f"{code} {titles[code]}") for code in sorted(titles)]


def open_summary(user) -> dict:
    """The home page's ledger block: problems not yet closed in the user's regions, by category and
    by code (most frequent first)."""
    open_problems = scoped_problems(user).exclude(status=Status.CLOSED)
    rows = list(open_problems.order_by().values("category", "code", "title").annotate(n=Count("id")))
    by_category: dict[str, int] = {}
    for row in rows:
        by_category[row["category"]] = by_category.get(row["category"], 0) + row["n"]
    codes = sorted(rows, key=lambda r: (-r["n"], r["code"]))
    return {"total": sum(r["n"] for r in rows), "by_category": by_category, "codes": codes}


# ---- what a masked role may read of a problem ------------------------------------------------

#: Digit runs that look like an ID number (15 or 18 characters, the 18th may be X).
ID_LIKE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def _is_id_key(key: str) -> bool:
    return "id_number" in key


def _id_values(values: dict, id_number: str = "") -> list[str]:
    found = [str(v) for k, v in (values or {}).items() if _is_id_key(k) and v not in (None, "")]
    if id_number:
        found.append(id_number)
    return sorted(set(found), key=len, reverse=True)  # longest first, so no number masks part of another


#: Values of a finding that are health data (medical costs, disability): shown only to roles that
#: see health data, like the person's health fields (accounts/masking.py).
HEALTH_VALUE_KEYS = {"self_paid", "total_paid", "disability_grade", "grade", "health"}
#: Medical amounts written into a message or a finding's text ("个人自付医疗费用25000.00元").
HEALTH_AMOUNT_IN_TEXT = re.compile(r"(自付医疗费用|自付金额)(\d[\d,]*(?:\.\d+)?)(元)")


def shown_text(user, text: str, values: dict | None = None, id_number: str = "") -> str:
    """A rule's message as this user may read it: every ID number in it masked unless the user sees
    full ID numbers, and medical amounts masked unless the user sees health data. The numbers the
    finding carries are masked wherever they appear (an invalid number need not look like one);
    anything else shaped like an ID number is masked too."""
    if not text:
        return text
    if masks_health(user):
        text = _without_health(text, values or {})
    if not masks_id_number(user):
        return text
    for value in _id_values(values or {}, id_number):
        text = text.replace(value, mask_id_number(value))
    return ID_LIKE_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)


def _without_health(text: str, values: dict) -> str:
    for key in HEALTH_VALUE_KEYS & set(values):
        if values[key] not in (None, ""):
            text = text.replace(str(values[key]), MASK)
    return HEALTH_AMOUNT_IN_TEXT.sub(lambda m: m.group(1) + MASK + m.group(3), text)


#: Labels (through the catalogue) of the columns the built-in rules return; a county's own rule
#: may return others, which are shown by their column names.
VALUE_LABELS = {
    "name": _("name"),
    "id_number": _("ID number"),
    "reason": _("reason"),
    "sex": _("sex"),
    "recorded_sex": _("recorded sex"),
    "id_sex_label": _("sex by ID number"),
    "sex_label": _("sex"),
    "age": _("age"),
    "relation_label": _("relation to head"),
    "requirement": _("required age difference"),
    "head_name": _("head of household"),
    "head_age": _("age of head"),
    "spouse_name": _("spouse"),
    "heads": _("heads on file"),
    "members": _("members on file"),
    "living": _("living members on file"),
    "dead": _("deceased members on file"),
    "recorded": _("recorded household size"),
    "household_size": _("household size"),
    "records": _("records with this ID number"),
    "households": _("households with this ID number"),
    "status": _("household status"),
    "status_label": _("household status"),
    "house_rating": _("housing safety rating"),
    "identified_year": _("year identified"),
    "exit_year": _("year lifted"),
    "year": _("year"),
    "exit_note": _("note on exit"),
    "per_capita_income": _("per-capita net income"),
    "parts": _("net income computed from the parts"),
    "recorded_total": _("recorded net income of the household"),
    "poverty_line": _("poverty line"),
    "borderline_upper": _("borderline upper bound"),
    # Department-data rules (交叉比对): which record found it, and how it was matched.
    "dataset": _("department dataset"),
    "load_id": _("load"),
    "row_number": _("row"),
    "link": _("matched by"),
    "link_label": _("matched by"),
    "finding": _("finding"),
    "reasons": _("reasons"),
    "address": _("address"),
    "address_text": _("address as written"),
    "death_date": _("date of death"),
    "entity_name": _("business name"),
    "registration_status": _("registration status"),
    "employer": _("employer"),
    "location": _("property location"),
    "plate_no": _("plate number"),
    "vehicle_type": _("vehicle type"),
    "self_paid": _("self-paid"),
    "threshold": _("threshold"),
    "evidence": _("what shows it"),
    "form": _("found by"),
}

#: How a department record was matched to a registry person (datasets/linking.py).
LINK_LABELS = {"exact": _("same ID number"), "probabilistic": _("name, birth date and place"),
               "reviewed": _("confirmed by review"), "pending": _("awaiting review")}
#: Which form of a guarantee rule found it (GUARANTEE_EDUCATION / GUARANTEE_MEDICAL v2).
FORM_LABELS = {"registry": _("the registry"), "school": _("the school-enrolment data"),
               "medical_insurance": _("the medical-insurance data")}


#: Columns holding a registry vocabulary's identifiers, shown by their labels.
VALUE_CHOICES = {
    "sex": Sex, "id_sex": Sex, "relation": Relation, "health": Health, "labor": Labor, "schooling": Schooling,
    "household_type": HouseholdType, "status": HouseholdStatus, "main_cause": MainCause, "house_rating": HouseRating,
}


def _display(key: str, value):
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    if key == "dataset":
        return KINDS[value].label if value in KINDS else value
    if key == "link":
        return LINK_LABELS.get(value, value)
    if key == "form":
        return FORM_LABELS.get(value, value)
    if key == "reasons":
        return "、".join(str(REASON_LABELS.get(r, r)) for r in str(value).split("、") if r)
    choices = VALUE_CHOICES.get(key)
    if choices is not None and value in choices.values:
        return choices(value).label
    return value


def shown_values(user, values: dict) -> list[tuple[str, str, object]]:
    """(key, label, value) for a problem's values table: coded values by their labels, sensitive
    values masked for this user."""
    rows = []
    for key, value in (values or {}).items():
        if _is_id_key(key):
            shown = field_for(user, "id_number", value if value is None else str(value)) or "—"
        else:
            shown = _display(key, value)
            if key in SENSITIVE_FIELDS:
                shown = field_for(user, key, shown)
            elif key in HEALTH_VALUE_KEYS:
                shown = health_for(user, shown)
            elif isinstance(shown, str) and masks_health(user):
                shown = _without_health(shown, values)
        rows.append((key, VALUE_LABELS.get(key, key), shown))
    return rows


# ---- a problem's history ---------------------------------------------------------------------


def problem_events(problem):
    """The problem's history in order, with each step's evidence and actor: three queries."""
    from .models import ProblemEvent

    return list(ProblemEvent.objects.filter(problem=problem).select_related("actor")
                .prefetch_related("evidence").order_by("at", "id"))


def scoped_evidence(user):
    """Evidence files of the problems the user may see (anything else is 404, as its problem)."""
    from .models import Evidence

    return Evidence.objects.filter(problem_scope_q(user, prefix="problem__"))
