"""Early warning (应纳尽纳): the month's signals in the department data, for towns to visit.

    signal_table(tables, month, threshold) -> pa.Table     Django-free: the signals of the linked tables
    place_unlinked(signals, towns) -> pa.Table              the town an unlinked record's address names
    month_warnings(user, month, *, snapshot=None) -> MonthWarnings   what `user` may see, with places

Four signals, each one department record (or, for medical costs, one person's records of the year):

- NEW_DIBAO: a dibao or tekun record starting in the month (category naming 低保 or 特困);
- SEVERE_DISABILITY: a grade 1 or 2 disability record of the load in use. The disability file has no
  certificate date, so "new this month" cannot be told from it: every current grade 1–2 record is a
  signal, each month, until the person is in the registry or the file drops them;
- HIGH_MEDICAL_COST: a person's self-paid costs of the month's year summed, at or over the policy
  profile's `medical_cost_threshold` (≥, as RISK_MEDICAL_COST). The file has a year, not a date;
- DEATH: a death dated in the month, of a registry person only (a death outside the registry calls
  for no visit).

A record linked to a registry person (exact, probabilistic or reviewed) is placed in that person's
household, town and village; an unlinked one is "not in the registry" — a candidate who should be in
(应纳未纳) — placed in the town its address names, if it names a town of the county.

Set-based throughout: the signals are one DuckDB query over the Arrow tables, the registry's side one
query per chunk of people through accounts.scope (no loop over ORM rows).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa
from django.utils.translation import gettext_lazy as _

from huitoukan.accounts.masking import health_for, id_number_for
from huitoukan.accounts.scope import scoped_people, user_region_ids
from huitoukan.registry.choices import RegionLevel
from huitoukan.registry.models import Region

from .kinds import KINDS
from .places import place_unlinked  # shared with the look-back (ENTRY_MISSED)

NEW_DIBAO = "new_dibao"
SEVERE_DISABILITY = "severe_disability"
HIGH_MEDICAL_COST = "high_medical_cost"
DEATH = "death"
SIGNAL_LABELS = {
    NEW_DIBAO: _("new dibao or tekun"),
    SEVERE_DISABILITY: _("disability grade 1–2"),
    HIGH_MEDICAL_COST: _("high medical self-pay"),
    DEATH: _("death"),
}
#: Which dataset kind each signal reads.
SIGNAL_KINDS = {NEW_DIBAO: "dibao", SEVERE_DISABILITY: "disability", HIGH_MEDICAL_COST: "medical_cost",
                DEATH: "death"}
#: The town filter's value for unlinked records whose address names no town of the county.
UNKNOWN_TOWN = "unknown"
#: People per registry query (well under SQLite's bound-variable limit).
CHUNK = 500

SIGNALS_SCHEMA = pa.schema([
    ("signal", pa.string()), ("dataset", pa.string()), ("load_id", pa.int64()), ("row_number", pa.int64()),
    ("records", pa.int64()), ("id_number", pa.string()), ("name", pa.string()), ("address", pa.string()),
    ("person_id", pa.int64()), ("link", pa.string()), ("event_date", pa.date32()), ("category", pa.string()),
    ("grade", pa.int32()), ("self_paid", pa.decimal128(14, 2)),
])


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of `month`'s month and the first day of the next."""
    first = month.replace(day=1)
    return first, first + dt.timedelta(days=calendar.monthrange(first.year, first.month)[1])


def _connect():
    import duckdb

    # No extension may be fetched at run time (no internet), as the look-back's backend.
    return duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})


_COMMON = ("load_id, row_number, 1::BIGINT AS records, id_number, name, address, person_id, link")
_QUERIES = {
    # Categories are kept as the department wrote them (农村低保, 特困供养 …): words, not codes.
    NEW_DIBAO: f"""SELECT '{NEW_DIBAO}' AS signal, 'dibao' AS dataset, {_COMMON}, start_date AS event_date,
        category, NULL::INTEGER AS grade, NULL::DECIMAL(14, 2) AS self_paid
        FROM dibao WHERE start_date >= $first AND start_date < $next
          AND (category LIKE '%低保%' OR category LIKE '%特困%')""",
    SEVERE_DISABILITY: f"""SELECT '{SEVERE_DISABILITY}', 'disability', {_COMMON}, NULL::DATE, disability_kind,
        disability_grade::INTEGER, NULL::DECIMAL(14, 2)
        FROM disability WHERE disability_grade IN (1, 2)""",
    # One person's records of the year summed: a linked person by person_id; an unlinked one by ID
    # number; an unlinked record without one stands alone (nothing says two such rows are one person).
    HIGH_MEDICAL_COST: f"""SELECT '{HIGH_MEDICAL_COST}', 'medical_cost', MIN(load_id), MIN(row_number),
        COUNT(*)::BIGINT, MIN(id_number), MIN(name), MIN(address), MIN(person_id), MIN(link), NULL::DATE,
        NULL, NULL::INTEGER, CAST(SUM(COALESCE(self_paid, 0)) AS DECIMAL(14, 2))
        FROM medical_cost WHERE year = $year
        GROUP BY CASE WHEN person_id IS NOT NULL THEN 'p' || person_id::VARCHAR
                      WHEN id_number IS NOT NULL THEN 'i' || id_number
                      ELSE 'r' || row_number::VARCHAR END
        HAVING SUM(COALESCE(self_paid, 0)) >= $threshold""",
    DEATH: f"""SELECT '{DEATH}', 'death', {_COMMON}, death_date, NULL, NULL::INTEGER, NULL::DECIMAL(14, 2)
        FROM death WHERE death_date >= $first AND death_date < $next AND person_id IS NOT NULL""",
}


def signal_table(tables: dict[str, pa.Table], month: dt.date, threshold: Decimal) -> pa.Table:
    """The month's signals (SIGNALS_SCHEMA) in the linked tables (linking.current_linked_tables'
    shape: each kind's records with person_id and link). A kind absent from `tables` gives none."""
    first, following = month_bounds(month)
    parts = [sql for signal, sql in _QUERIES.items() if SIGNAL_KINDS[signal] in tables]
    if not parts:
        return SIGNALS_SCHEMA.empty_table()
    con = _connect()
    try:
        for kind in set(SIGNAL_KINDS.values()) & set(tables):
            con.register(kind, tables[kind])
        wanted = {"first": first, "next": following, "year": first.year, "threshold": Decimal(threshold)}
        sql = " UNION ALL ".join(f"({part})" for part in parts)
        used = {name: value for name, value in wanted.items() if f"${name}" in sql}
        result = con.sql(f"SELECT * FROM ({sql}) ORDER BY signal, load_id, row_number", params=used).to_arrow_table()
    finally:
        con.close()
    return pa.Table.from_arrays([result.column(i).cast(f.type) for i, f in enumerate(SIGNALS_SCHEMA)],
                                schema=SIGNALS_SCHEMA)


# --- who sees what -----------------------------------------------------------------------------

def county_ids(user) -> set[int] | None:
    """The counties among the user's regions; None for a superuser (every county)."""
    levels = user_region_ids(user)
    return None if levels is None else set(levels[RegionLevel.COUNTY])


def sees_unlinked(user) -> bool:
    """Unlinked records belong to no registry place a town's scope could admit them by: only users
    who answer for a whole county see them."""
    counties = county_ids(user)
    return counties is None or bool(counties)


def _towns(counties: set[int] | None) -> pa.Table:
    towns = Region.objects.filter(level=RegionLevel.TOWN)
    if counties is not None:
        towns = towns.filter(parent_id__in=counties)
    rows = list(towns.values_list("pk", "name", "parent__name"))
    ids, names, parents = (list(c) for c in zip(*rows)) if rows else ([], [], [])
    return pa.table({"town_id": pa.array(ids, pa.int64()), "town": pa.array(names, pa.string()),
                     "county": pa.array(parents, pa.string())})


PLACE_FIELDS = ("pk", "household_id", "household__household_no", "household__town_id", "household__town__name",
                "household__village__name", "household__village_id", "id_number", "source_key")


def _registry_places(user, person_ids: list[int]) -> dict[int, tuple]:
    """{person_id: (household id, household no, town id, town, village, village id, ID number,
    source key)} of the people `user` may
    see (accounts.scope), asked in chunks; people outside the scope are absent."""
    out = {}
    for start in range(0, len(person_ids), CHUNK):
        chunk = person_ids[start:start + CHUNK]
        for pk, *place in scoped_people(user).filter(pk__in=chunk).values_list(*PLACE_FIELDS):
            out[pk] = tuple(place)
    return out


@dataclass
class MonthWarnings:
    month: dt.date
    threshold: Decimal
    rows: list[dict]  # one per signal, the viewer's scope applied, not yet masked
    missing: list[str] = field(default_factory=list)  # dataset kinds never loaded
    unlinked_shown: bool = True

    def filtered(self, *, town: str = "", signal: str = "") -> list[dict]:
        rows = self.rows
        if signal:
            rows = [r for r in rows if r["signal"] == signal]
        if town:
            rows = [r for r in rows if r["town_key"] == town]
        return rows

    def counts(self) -> tuple[list[str], list[dict]]:
        """(signals, [{town_key, town, counts: [n per signal], total}]) of every row, towns by name,
        "town unknown" last."""
        signals = list(SIGNAL_LABELS)
        by_town: dict[str, dict] = {}
        for row in self.rows:
            entry = by_town.setdefault(row["town_key"], {"town_key": row["town_key"], "town": row["town"],
                                                         "counts": dict.fromkeys(signals, 0)})
            entry["counts"][row["signal"]] += 1
        ordered = sorted(by_town.values(), key=lambda e: (e["town_key"] == UNKNOWN_TOWN, e["town"] or ""))
        for entry in ordered:
            entry["total"] = sum(entry["counts"].values())
            entry["counts"] = [entry["counts"][s] for s in signals]
        return signals, ordered


def threshold_for(month: dt.date) -> Decimal:
    from huitoukan.policy.models import DEFAULTS, PolicyProfile

    profile = PolicyProfile.for_date(month)
    return Decimal(profile.medical_cost_threshold if profile else DEFAULTS["medical_cost_threshold"])


def month_warnings(user, month: dt.date, *, snapshot=None) -> MonthWarnings:
    """The month's signals `user` may see: linked people within their regions (accounts.scope),
    unlinked ones only for county-level users. Loads not linked to the current registry are linked
    first (linking.current_linked_tables)."""
    from .linking import LinkingError, current_linked_tables
    from .signal_identity import person_key, signal_key

    month = month.replace(day=1)
    threshold = threshold_for(month)
    kinds = sorted(set(SIGNAL_KINDS.values()))
    try:
        tables = current_linked_tables(kinds, snapshot=snapshot)
    except LinkingError:  # an empty registry: nobody is linked, nothing is placed
        tables = {}
    missing = [k for k in kinds if k not in tables]
    signals = signal_table(tables, month, threshold)
    counties = county_ids(user)
    unlinked_shown = sees_unlinked(user)
    towns = _towns(counties)
    signals = place_unlinked(signals, towns)
    ids = sorted({p for p in signals["person_id"].to_pylist() if p is not None})
    places = _registry_places(user, ids)
    town_names = dict(zip(towns["town_id"].to_pylist(), towns["town"].to_pylist()))
    rows = []
    for record in signals.to_pylist():  # the month's signals: hundreds, not the registry
        person = record["person_id"]
        if person is not None:
            if person not in places:
                continue  # outside the viewer's regions
            household_id, household_no, town_id, town, village, village_id, number, source_key = places[person]
            record.update(in_registry=True, household_id=household_id, household_no=household_no,
                          town_key=str(town_id), town=town, village=village, village_id=village_id,
                          person_id_number=number, source_key=source_key)
        else:
            if not unlinked_shown:
                continue
            town_id = record["address_town_id"]
            record.update(in_registry=False, household_id=None, household_no="", village="", village_id=None,
                          person_id_number=None, source_key=None,
                          town_key=str(town_id) if town_id is not None else UNKNOWN_TOWN,
                          town=town_names.get(town_id, "") if town_id is not None else "")
        record["signal_label"] = SIGNAL_LABELS[record["signal"]]
        record["year"] = month.year
        # The signal's identity across months (signal_identity.py): what dispatches are keyed by.
        record["person_key"], record["signal_key"] = person_key(record), signal_key(record)
        rows.append(record)
    rows.sort(key=lambda r: (r["town_key"] == UNKNOWN_TOWN, r["town"] or "", list(SIGNAL_LABELS).index(r["signal"]),
                             not r["in_registry"], r["name"] or "", r["load_id"], r["row_number"]))
    return MonthWarnings(month, threshold, rows, missing, unlinked_shown)


def viewer_row(user, row: dict) -> dict:
    """A row as `user` may see it: the ID number through accounts.masking, and the health data
    (disability grade and kind, medical amounts) too."""
    # The registry person's number and source key serve the signal's identity only: never shown.
    row = {k: v for k, v in row.items() if k not in ("person_id_number", "source_key")}
    kind = KINDS.get(row["dataset"])
    return {**row, "id_number": id_number_for(user, row["id_number"]) if row["id_number"] else row["id_number"],
            "dataset_label": str(kind.label) if kind else row["dataset"],
            "grade": health_for(user, row["grade"]),
            "category": health_for(user, row["category"]) if row["signal"] == SEVERE_DISABILITY else row["category"],
            "self_paid": health_for(user, row["self_paid"])}
