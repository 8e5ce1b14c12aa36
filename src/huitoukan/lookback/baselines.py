"""五个底子 (the five baselines, DOMAIN.md §2): counted per village by every look-back run, kept as
Baseline rows, and summed for a user's regions on the home page.

The counting is SQL (engine/baselines.sql, where the definitions are written down) run by the same
engine and over the same prepared tables as the rules, so that the counts and the findings of a run
describe the same registry. (The fifth 底子, poor villages' infrastructure 五通十有, needs data the
registry does not hold yet.)
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from django.db.models import Count, Max, OuterRef, Q, Subquery, Sum

from huitoukan.registry.choices import RegionLevel
from huitoukan.registry.models import Region

from .engine.sqltext import bind
from .models import Baseline, Run

SQL_PATH = Path(__file__).parent / "engine" / "baselines.sql"
COUNTS = ("households", "people", "not_lifted_people", "stably_lifted_people", "borderline_people",
          "returned_people", "newly_identified_people")


def baseline_sql() -> str:
    return SQL_PATH.read_text(encoding="utf-8")


def compute_baselines(backend, parameters: dict) -> pa.Table:
    """One row per village code with the COUNTS, from a backend holding the prepared tables.
    `parameters` are the run's (year, poverty_line, borderline_upper, …)."""
    return backend.query(bind(baseline_sql(), parameters, backend.dialect))


def write_baselines(run: Run, counts: pa.Table) -> int:
    """The run's Baseline rows (villages the registry has no region for are skipped)."""
    rows = counts.to_pylist()
    villages = dict(Region.objects.filter(code__in=[r["village_code"] for r in rows])
                    .values_list("code", "id"))
    baselines = [
        Baseline(run=run, village_id=villages[r["village_code"]], **{k: int(r[k] or 0) for k in COUNTS})
        for r in rows if r["village_code"] in villages
    ]
    Baseline.objects.bulk_create(baselines, batch_size=1000)
    return len(baselines)


def villages_under(region_ids) -> Q:
    """A Q over Region: the villages that are, or lie under, the given regions (counties, towns,
    villages; a hamlet has no baselines of its own)."""
    ids = list(region_ids)
    return Q(level=RegionLevel.VILLAGE) & (Q(id__in=ids) | Q(parent_id__in=ids) | Q(parent__parent_id__in=ids))


def baselines_for_regions(region_ids) -> dict:
    """The five baselines summed over the villages of `region_ids` (None: every village), each
    village counted from the latest finished run that covered it.

    Returns the COUNTS, `villages` (how many villages had a count) and `as_of` (the latest as-of
    date among the runs counted, None when no run has finished)."""
    villages = Region.objects.all() if region_ids is None else Region.objects.filter(villages_under(region_ids))
    latest = (Baseline.objects.filter(village_id=OuterRef("village_id"), run__state=Run.State.DONE)
              .order_by("-run__finished_at", "-run_id").values("id")[:1])
    rows = Baseline.objects.filter(village__in=villages.values("id"), id=Subquery(latest))
    totals = rows.aggregate(**{k: Sum(k) for k in COUNTS}, villages=Count("id"), as_of=Max("run__as_of"))
    return {**{k: totals[k] or 0 for k in COUNTS}, "villages": totals["villages"], "as_of": totals["as_of"]}
