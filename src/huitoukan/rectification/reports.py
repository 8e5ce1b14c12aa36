"""Rectification reports: the self-check against the county's outside checks, and the rates per town
and village. Every number is counted over the user's scope, set-based (one aggregate query per
table, whatever the county's size).

    selfcheck_rounds(user) -> list[str]
        The rounds (ProblemSource.round) of problems in the user's scope, newest-looking first.

    selfcheck_gaps(user, round, sources=OUTSIDE_SOURCES) -> SelfCheck
        Per town: problems an outside check (census, supervision, unannounced visit, audit,
        inspection tour, cross-county check, third party) found in `round`; of those, the ones the
        town's own self-check of the same round did not find (missed); the self-check's own count;
        and problems reported fixed (or closed) and found again — in this round (the REOPENED or
        FOUND_AGAIN event names the round) and at any time (also by a look-back run, whose event
        names the run, not a round).

    missed_problems(user, round, town_id=None, sources=OUTSIDE_SOURCES) -> Problem queryset
        The problems behind the "missed" column, for the drill-down list and the export.

    rectification_rates(user, level="town", town_id=None) -> list[RateRow]
        Per town (or per village of one town): total, open, in progress, fixed awaiting
        verification, closed, overdue, recurring; 整改率 = (fixed + closed) / total and
        销号率 = closed / total (None when there is no problem). Sorted worst first (see worst_first).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from huitoukan.accounts.scope import managed_regions
from huitoukan.registry.choices import RegionLevel
from huitoukan.registry.models import Region

from .assignment import overdue_q
from .choices import OUTSIDE_SOURCES, Action, Source, Status
from .models import ProblemEvent, ProblemSource
from .queries import problem_scope_q, scoped_problems

FOUND_AGAIN_ACTIONS = (Action.REOPENED, Action.FOUND_AGAIN)


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (shown as "—", never an error)."""
    return part / whole if whole else None


# ---- self-check vs census ---------------------------------------------------------------------

def selfcheck_rounds(user) -> list[str]:
    rounds = (ProblemSource.objects.filter(problem_scope_q(user, "problem__")).exclude(round="")
              .order_by().values_list("round", flat=True).distinct())
    # Rounds are free text ("2026年第一轮", "2026-1"): the larger string is usually the later one.
    return sorted(set(rounds), reverse=True)


@dataclass
class SelfCheckRow:
    town: Region | None
    outside_found: int = 0
    missed: int = 0
    selfcheck_found: int = 0
    found_again_round: int = 0
    found_again_ever: int = 0

    @property
    def missed_share(self) -> float | None:
        return share(self.missed, self.outside_found)


@dataclass
class SelfCheck:
    round: str
    sources: tuple[str, ...]
    rows: list[SelfCheckRow] = field(default_factory=list)
    total: SelfCheckRow = field(default_factory=lambda: SelfCheckRow(town=None))


def _outside(user, round: str, sources):
    return ProblemSource.objects.filter(problem_scope_q(user, "problem__"), source__in=sources, round=round)


def _self_checked(round: str):
    """Whether the problem at OuterRef("problem_id") / OuterRef("pk") was found by the self-check of
    `round` (used against ProblemSource rows and Problem rows alike)."""
    return ProblemSource.objects.filter(source=Source.SELF_CHECK, round=round)


def selfcheck_gaps(user, round: str, sources=OUTSIDE_SOURCES) -> SelfCheck:
    sources = tuple(sources)
    outside = _outside(user, round, sources).values("problem__town").order_by().annotate(
        found=Count("problem", distinct=True),
        missed=Count("problem", distinct=True, filter=~Exists(
            _self_checked(round).filter(problem_id=OuterRef("problem_id")))),
    )
    selfcheck = (ProblemSource.objects.filter(problem_scope_q(user, "problem__"), source=Source.SELF_CHECK,
                                              round=round)
                 .values("problem__town").order_by().annotate(n=Count("problem", distinct=True)))
    again = (ProblemEvent.objects.filter(problem_scope_q(user, "problem__"), action__in=FOUND_AGAIN_ACTIONS)
             .values("problem__town").order_by().annotate(
                 ever=Count("problem", distinct=True),
                 this_round=Count("problem", distinct=True, filter=Q(details__round=round))))

    rows: dict[int | None, SelfCheckRow] = {}

    def row(town_id):
        return rows.setdefault(town_id, SelfCheckRow(town=None))

    for r in outside:
        row(r["problem__town"]).outside_found, row(r["problem__town"]).missed = r["found"], r["missed"]
    for r in selfcheck:
        row(r["problem__town"]).selfcheck_found = r["n"]
    for r in again:
        row(r["problem__town"]).found_again_round = r["this_round"]
        row(r["problem__town"]).found_again_ever = r["ever"]
    # Every town the user answers for has a row, a clean one included: "nothing missed" is news.
    for town_id in managed_regions(user).filter(level=RegionLevel.TOWN).values_list("id", flat=True):
        row(town_id)
    towns = Region.objects.in_bulk([t for t in rows if t is not None])
    report = SelfCheck(round=round, sources=sources)
    for town_id, r in rows.items():
        r.town = towns.get(town_id)
        for name in ("outside_found", "missed", "selfcheck_found", "found_again_round", "found_again_ever"):
            setattr(report.total, name, getattr(report.total, name) + getattr(r, name))
    # Town code order, the order of every statistical table; problems without a town last.
    report.rows = sorted(rows.values(), key=lambda r: (r.town is None, r.town.code if r.town else ""))
    return report


def missed_problems(user, round: str, town_id: int | None = None, sources=OUTSIDE_SOURCES):
    """Problems an outside check found in `round` that the self-check of the round did not."""
    found_outside = ProblemSource.objects.filter(problem_id=OuterRef("pk"), source__in=tuple(sources), round=round)
    qs = scoped_problems(user).filter(Exists(found_outside)).exclude(
        Exists(_self_checked(round).filter(problem_id=OuterRef("pk"))))
    if town_id:
        qs = qs.filter(town_id=town_id)
    return qs.order_by("town__code", "village__code", "target_key", "code", "pk")


def missed_rows(problems, round: str, sources=OUTSIDE_SOURCES):
    """(problem, the outside sources of `round` that found it) for the drill-down and the export;
    sources are read in one query for the whole list."""
    problems = list(problems.select_related("town", "village", "household", "person__household"))
    by_problem: dict[int, list[str]] = {}
    for problem_id, source in (ProblemSource.objects
                               .filter(problem_id__in=[p.pk for p in problems], source__in=tuple(sources),
                                       round=round)
                               .order_by("problem_id", "source").values_list("problem_id", "source")):
        by_problem.setdefault(problem_id, []).append(source)
    return [(p, by_problem.get(p.pk, [])) for p in problems]


# ---- rates -----------------------------------------------------------------------------------

@dataclass
class RateRow:
    region: Region | None
    total: int = 0
    open: int = 0
    in_progress: int = 0
    fixed: int = 0
    closed: int = 0
    overdue: int = 0
    recurring: int = 0

    @property
    def rectified_rate(self) -> float | None:
        """整改率: fixed (awaiting verification) and closed, over all problems."""
        return share(self.fixed + self.closed, self.total)

    @property
    def closed_rate(self) -> float | None:
        """销号率: closed (a verifier confirmed the fix), over all problems."""
        return share(self.closed, self.total)


def _counts():
    return {
        "total": Count("id"),
        "open": Count("id", filter=Q(status=Status.OPEN)),
        "in_progress": Count("id", filter=Q(status=Status.IN_PROGRESS)),
        "fixed": Count("id", filter=Q(status=Status.FIXED)),
        "closed": Count("id", filter=Q(status=Status.CLOSED)),
        "overdue": Count("id", filter=overdue_q(timezone.localdate())),
        "recurring": Count("id", filter=Q(recurring=True)),
    }


def worst_first(row: RateRow):
    """Lowest 销号率 first: closure is the one number a verifier stands behind (整改率 also counts
    fixes claimed and not yet checked — "fixed on paper" is what the county wants to see through).
    Ties: more overdue first, then more problems; a region with no problem has nothing to rank and
    goes last."""
    rate = row.closed_rate
    return (rate is None, rate if rate is not None else 0.0, -row.overdue, -row.total,
            row.region.code if row.region else "")


def scope_totals(user) -> RateRow:
    """The user's whole scope in one row (the home page's 销号率)."""
    return RateRow(region=None, **scoped_problems(user).order_by().aggregate(**_counts()))


def rectification_rates(user, level: str = "town", town_id: int | None = None) -> list[RateRow]:
    if level not in ("town", "village"):
        raise ValueError(f"level must be town or village, not {level!r}")
    column = f"{level}_id"
    problems = scoped_problems(user)
    regions = managed_regions(user).filter(level=level)
    if level == "village":
        problems = problems.filter(town_id=town_id)
        regions = regions.filter(parent_id=town_id)
    counts = {r[column]: r for r in problems.order_by().values(column).annotate(**_counts())}
    rows = {region.pk: RateRow(region=region) for region in regions}
    for region_id, r in counts.items():
        row = rows.get(region_id) or rows.setdefault(region_id, RateRow(region=None))
        for name in ("total", "open", "in_progress", "fixed", "closed", "overdue", "recurring"):
            setattr(row, name, r[name])
    missing = [rid for rid, row in rows.items() if row.region is None and rid is not None]
    for rid, region in Region.objects.in_bulk(missing).items():
        rows[rid].region = region
    return sorted(rows.values(), key=worst_first)


def total_row(rows: list[RateRow]) -> RateRow:
    total = RateRow(region=None)
    for row in rows:
        for name in ("total", "open", "in_progress", "fixed", "closed", "overdue", "recurring"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total
