"""Problems found by people (问题来源: 自查, 普查, 督查, 暗访, 审计, 巡视巡察, 互检, 第三方评估).

A person records a problem by its code and target, as a look-back run does: the code's target key is
the household's household_no, the person's Person.source_key or the village's region code, exactly
the key of the engine's findings. So a problem an inspection wrote down and the same (code, target)
found by a run are one Problem with both sources, whichever came first: a run joins a person-made
problem in ledger._update_known, and a person joins a run-made one here.

Who may record: `Capability.RECORD_PROBLEMS`. Outside sources (census, supervision, inspection
tours…) are recorded by those who also verify fixes (county administrators, inspectors); a role that
records but does not verify (the town cadre) checks its own work, and records only its self-check.
A target must lie in the recorder's regions.

`user=None` is the command line (`huitoukan problems add|import`): the county administrator on the
server, with every capability and the whole registry in scope; its events and sources name nobody.

Codes: the rule catalog's codes (their title, category, severity and target), the codes of
DOMAIN.md §3 that have no rule file yet (EXTRA_CODES below, so that an inspection's cross-comparison
and assistance findings get the code a future rule will use), and OTHER (其他问题) for what no code
names. OTHER is filed under "assistance": what inspections find beyond the rules is mostly the work
itself (visits, policies not delivered, people not knowing their helper).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huitoukan.accounts.roles import Capability, can
from huitoukan.accounts.scope import managed_regions, scoped_households, scoped_people
from huitoukan.registry.choices import RegionLevel
from huitoukan.registry.models import Household, Person, Region

from .choices import HUMAN_SOURCES, Action, Category, Severity, Source, Status, TargetType
from .models import Problem, ProblemEvent, ProblemSource
from .recurrence import found_again
from .workflow import StepRefused, actor_name, record_event

OTHER = "OTHER"
ANY_TARGET = ""  # OTHER: a household, a person or a village


@dataclass(frozen=True)
class Code:
    code: str
    title: str  # as stored on a new problem (rule files' titles are Chinese already)
    category: str
    severity: str
    target: str  # a TargetType, or ANY_TARGET

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}"


#: DOMAIN.md §3 codes that need department data, visits, measures or procedures the look-back does
#: not read yet. Targets outside the registry (TEAM_ATTENDANCE: a work-team member; FUND_STAGNANT: a
#: project) are left out: record them as OTHER on their village. So is ENTRY_MISSED, although a rule
#: file now finds it (target `resident`, known_codes leaves such codes out): its key is a hash of a
#: department record's ID number and its place that record's address, which a person recording by
#: hand has neither of in the ledger's sense; an inspection's "should be in" is OTHER on the village,
#: and the look-back finds the person from the department data.
EXTRA_CODES = {
    # code: (title msgid, category, severity, target)
    "DECEASED_UNMARKED": (gettext_lazy("Deceased member not marked as deceased"), Category.IDENTIFICATION,
                          Severity.SERIOUS, TargetType.PERSON),
    "EXCL_PAYROLL": (gettext_lazy("Member on the public payroll"), Category.IDENTIFICATION, Severity.SERIOUS,
                     TargetType.PERSON),
    "EXCL_BUSINESS": (gettext_lazy("Member runs an active business"), Category.IDENTIFICATION, Severity.SERIOUS,
                      TargetType.PERSON),
    "EXCL_PROPERTY": (gettext_lazy("Member owns commercial housing"), Category.IDENTIFICATION, Severity.SERIOUS,
                      TargetType.PERSON),
    "EXCL_CAR": (gettext_lazy("Member owns a car"), Category.IDENTIFICATION, Severity.SERIOUS, TargetType.PERSON),
    "DIBAO_MISMATCH": (gettext_lazy("Household type disagrees with the dibao list"), Category.IDENTIFICATION,
                       Severity.GENERAL, TargetType.HOUSEHOLD),
    "RISK_MEDICAL_COST": (gettext_lazy("High medical costs (early warning)"), Category.MONITORING, Severity.NOTICE,
                          TargetType.PERSON),
    "VISIT_OVERDUE": (gettext_lazy("Helper has not visited for more than 92 days"), Category.ASSISTANCE,
                      Severity.GENERAL, TargetType.HOUSEHOLD),
    "MEASURE_MISSING": (gettext_lazy("No active assistance measure"), Category.ASSISTANCE, Severity.GENERAL,
                        TargetType.HOUSEHOLD),
    "MEASURE_IDENTICAL": (gettext_lazy("Identical assistance measures across the village"), Category.ASSISTANCE,
                          Severity.GENERAL, TargetType.VILLAGE),
    "PROCEDURE_INCOMPLETE": (gettext_lazy("Admission or exit procedure incomplete"), Category.IDENTIFICATION,
                             Severity.GENERAL, TargetType.HOUSEHOLD),
    OTHER: (gettext_lazy("Other problem"), Category.ASSISTANCE, Severity.GENERAL, ANY_TARGET),
}


def known_codes() -> dict[str, Code]:
    """Every code a person may record, by code: the rule catalog first, then EXTRA_CODES. Titles of
    EXTRA_CODES are in the site's language (what a new problem stores, like a rule file's title)."""
    from huitoukan.lookback.views import safe_rule_catalog

    codes = {rule.code: Code(rule.code, rule.title, rule.category, rule.severity, rule.target)
             for rule in safe_rule_catalog() if rule.target != TargetType.RESIDENT}
    with translation.override(settings.LANGUAGE_CODE):
        for code, (title, category, severity, target) in EXTRA_CODES.items():
            codes.setdefault(code, Code(code, str(title), category, severity, target))
    return codes


def code_info(code: str) -> Code:
    codes = known_codes()
    found = codes.get((code or "").strip().upper())
    if found is None:
        raise StepRefused(_("Unknown problem code %(code)s; known codes: %(codes)s.")
                          % {"code": code, "codes": ", ".join(sorted(codes))})
    return found


# ---- who may record what -------------------------------------------------------------------------


def allowed_sources(user) -> list[str]:
    """The sources `user` may record (None: the command line, every one)."""
    if user is None or can(user, Capability.VERIFY_PROBLEMS):
        return list(HUMAN_SOURCES)
    if can(user, Capability.RECORD_PROBLEMS):
        return [Source.SELF_CHECK]
    return []


def check_recorder(user, source: str, round: str) -> str:
    """Refuses (StepRefused) a user who may not record problems from `source`, or a missing round.
    Returns the round, trimmed."""
    if user is not None and not can(user, Capability.RECORD_PROBLEMS):
        raise StepRefused(_("Your role may not record problems."), permission=True)
    if source not in HUMAN_SOURCES:
        raise StepRefused(_("Unknown source %(source)s; choose one of %(sources)s.")
                          % {"source": source, "sources": ", ".join(HUMAN_SOURCES)})
    if source not in allowed_sources(user):
        raise StepRefused(_("Your role may record only its own self-check."), permission=True)
    round = (round or "").strip()
    if not round:
        raise StepRefused(_("Please name the round (such as 2026年第一轮)."))
    if len(round) > ProblemSource._meta.get_field("round").max_length:
        raise StepRefused(_("The round's name is too long."))
    return round


# ---- targets ------------------------------------------------------------------------------------


class TargetError(ValueError):
    """A target that cannot be found in the user's regions, or does not fit the code. `field` says
    which input to correct: household_no, id_number, village, or "" for the whole target."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message, self.field = message, field


def _households(user):
    return Household.objects.all() if user is None else scoped_households(user)


def _people(user):
    return Person.objects.all() if user is None else scoped_people(user)


def scoped_villages(user):
    regions = Region.objects.all() if user is None else managed_regions(user)
    return regions.filter(level=RegionLevel.VILLAGE)


def normalise_id_number(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split()).upper()


def resolve_target(user, code: Code, *, household_no: str = "", id_number: str = "", village: str = "") -> dict:
    """The target named by a household number, an ID number and/or a village (code or name), looked
    up in the user's regions, as the keyword arguments of `record_problem` for `code`. Whatever is
    given must agree (a member of that household, a household of that village); what the code's
    target needs may be derived (a household code given a member's ID number: their household).
    Anything outside the user's regions is "not found", never "not yours"."""
    household_no = "".join(unicodedata.normalize("NFKC", household_no or "").split())
    id_number = normalise_id_number(id_number)
    village = unicodedata.normalize("NFKC", village or "").strip()

    household = person = village_region = None
    if household_no:
        household = _households(user).filter(household_no=household_no).select_related("village").first()
        if household is None:
            raise TargetError(_("No household with this number in your regions."), "household_no")
    if id_number:
        people = _people(user).filter(id_number=id_number).select_related("household__village")
        if household is not None:
            people = people.filter(household=household)
        people = list(people[:2])
        if not people:
            raise TargetError(_("No member of this household has this ID number.") if household is not None
                              else _("No person with this ID number in your regions."), "id_number")
        if len(people) > 1:
            raise TargetError(_("Several people have this ID number; give the household number as well."),
                              "id_number")
        person = people[0]
    if village:
        villages = scoped_villages(user)
        matches = list((villages.filter(code=village) if village.isdigit() else villages.filter(name=village))[:2])
        if not matches:
            raise TargetError(_("No village with this code or name in your regions."), "village")
        if len(matches) > 1:
            raise TargetError(_("Several villages have this name; give the village code."), "village")
        village_region = matches[0]
        placed = household or (person.household if person else None)
        if placed is not None and placed.village_id != village_region.pk:
            raise TargetError(_("The household is not in this village."), "village")

    if code.target == TargetType.PERSON:
        if person is None:
            raise TargetError(_("This problem concerns a person: give the ID number."), "id_number")
        return {"person": person}
    if code.target == TargetType.HOUSEHOLD:
        household = household or (person.household if person else None)
        if household is None:
            raise TargetError(_("This problem concerns a household: give the household number or a member's "
                                "ID number."), "household_no")
        return {"household": household}
    if code.target == TargetType.VILLAGE:
        placed = household or (person.household if person else None)
        village_region = village_region or (placed.village if placed else None)
        if village_region is None:
            raise TargetError(_("This problem concerns a village: choose the village."), "village")
        return {"village": village_region}
    if person is not None:
        return {"person": person}
    if household is not None:
        return {"household": household}
    if village_region is not None:
        return {"village": village_region}
    raise TargetError(_("Give a household number, an ID number or a village."))


@dataclass(frozen=True)
class Target:
    type: str
    key: str
    household: Household | None
    person: Person | None
    village: Region  # the village the problem lies in
    town_id: int | None
    county_id: int | None


def make_target(code: Code, household, person, village) -> Target:
    given = [(kind, obj) for kind, obj in ((TargetType.HOUSEHOLD, household), (TargetType.PERSON, person),
                                           (TargetType.VILLAGE, village)) if obj is not None]
    if len(given) != 1:
        raise StepRefused(_("Give exactly one target: a household, a person or a village."))
    kind, obj = given[0]
    if code.target != ANY_TARGET and kind != code.target:
        raise StepRefused(_("Problem %(code)s concerns a %(target)s.")
                          % {"code": code.code, "target": TargetType(code.target).label})
    if kind == TargetType.PERSON:
        h = obj.household
        return Target(kind, obj.source_key, h, obj, h.village, h.town_id, h.county_id)
    if kind == TargetType.HOUSEHOLD:
        return Target(kind, obj.household_no, obj, None, obj.village, obj.town_id, obj.county_id)
    if obj.level != RegionLevel.VILLAGE:
        raise StepRefused(_("A village target must be a village."))
    town = obj.parent
    return Target(kind, obj.code, None, None, obj, town.pk if town else None, town.parent_id if town else None)


def _in_scope(user, target: Target) -> bool:
    if user is None:
        return True
    if target.person is not None:
        return _people(user).filter(pk=target.person.pk).exists()
    if target.household is not None:
        return _households(user).filter(pk=target.household.pk).exists()
    return scoped_villages(user).filter(pk=target.village.pk).exists()


# ---- recording ----------------------------------------------------------------------------------


class Outcome:
    NEW = "new"  # a new open problem
    JOINED = "joined"  # a known problem, found by one more source
    REOPENED = "reopened"  # a closed problem found again: open, recurring
    UNCHANGED = "unchanged"  # this source and round had recorded it already


@dataclass(frozen=True)
class Recorded:
    problem: Problem
    outcome: str


def found_at(found_on: dt.date | None) -> dt.datetime:
    """A day found as a moment: local noon, so that the date reads the same in every time zone
    report; today's records are stamped now."""
    if found_on is None or found_on == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(found_on, dt.time(12)))


def check_found_on(found_on: dt.date | None) -> None:
    if found_on is not None and found_on > timezone.localdate():
        raise StepRefused(_("The date found lies in the future."))


def lock_ledger() -> None:
    """One ledger writer at a time on PostgreSQL, as ledger.record_findings takes it: a run and a
    person recording the same new (code, target) cannot both insert it. SQLite's immediate
    transactions serialise writers already."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(Problem._meta.db_table)} "
                           "IN SHARE ROW EXCLUSIVE MODE")


def record(user, *, code: str, source: str, round: str, description: str, household=None, person=None,
           village=None, severity: str | None = None, found_on: dt.date | None = None,
           details: dict | None = None) -> Recorded:
    """Record one problem found by `source` in `round` (see record_problem); says what it did."""
    round = check_recorder(user, source, round)
    info = code_info(code)
    description = (description or "").strip()
    if not description:
        raise StepRefused(_("Please describe the problem."))
    if severity and severity not in Severity.values:
        raise StepRefused(_("Unknown severity %(severity)s.") % {"severity": severity})
    check_found_on(found_on)
    target = make_target(info, household, person, village)
    if not _in_scope(user, target):
        raise StepRefused(_("This target is not in your regions."), permission=True)
    with transaction.atomic():
        lock_ledger()
        return write(user, info, target, source=source, round=round, description=description, severity=severity,
                     found_on=found_on, details=details)


def record_problem(user, *, code, source, round, description, household=None, person=None, village=None,
                   severity=None, found_on=None) -> tuple[Problem, bool]:
    """Record a problem a person found: a new open problem, or one more source of the problem the
    ledger already has for (code, target) — found again after closing, it is reopened as recurring.
    The same source and round again adds nothing (a harmless rerun). `user` None is the command
    line (every right, the whole registry). Raises StepRefused, having written nothing, when the
    user may not, the source, round, code or target is wrong, or the description is empty.
    Returns (problem, created)."""
    done = record(user, code=code, source=source, round=round, description=description, household=household,
                  person=person, village=village, severity=severity, found_on=found_on)
    return done.problem, done.outcome == Outcome.NEW


def write(user, info: Code, target: Target, *, source: str, round: str, description: str,
          severity: str | None = None, found_on: dt.date | None = None, details: dict | None = None) -> Recorded:
    """The write of `record`, its checks done: the caller holds the transaction and lock_ledger()."""
    at = found_at(found_on)
    now = timezone.now()
    what = {"source": source, "round": round} | (details or {})
    who = user if getattr(user, "pk", None) else None
    problem = Problem.objects.select_for_update().filter(code=info.code, target_key=target.key).first()
    if problem is None:
        problem = Problem.objects.create(
            code=info.code, target_type=target.type, target_key=target.key, category=info.category,
            severity=severity or info.severity, title=info.title[:200], description=description, values={},
            household=target.household, person=target.person, county_id=target.county_id, town_id=target.town_id,
            village=target.village, status=Status.OPEN, first_found_at=at, last_found_at=at,
        )
        ProblemSource.objects.create(problem=problem, source=source, round=round, description=description,
                                     found_on=found_on, created_by=who)
        ProblemEvent.objects.create(problem=problem, action=Action.RECORDED, from_status="", to_status=Status.OPEN,
                                    note=description, details=what, actor=who, actor_name=actor_name(user), at=now)
        return Recorded(problem, Outcome.NEW)

    if ProblemSource.objects.filter(problem=problem, source=source, round=round).exists():
        return Recorded(problem, Outcome.UNCHANGED)
    ProblemSource.objects.create(problem=problem, source=source, round=round, description=description,
                                 found_on=found_on, created_by=who)
    record_event(problem, Action.SOURCE_ADDED, user, note=description, details=what, at=now)
    action = found_again(problem, user, what, at=now)
    problem.first_found_at = min(problem.first_found_at, at)
    problem.last_found_at = max(problem.last_found_at, at)
    problem.save(update_fields=["first_found_at", "last_found_at", "updated_at"])
    return Recorded(problem, Outcome.REOPENED if action == Action.REOPENED else Outcome.JOINED)
