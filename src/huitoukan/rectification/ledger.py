"""Writing a look-back run's findings into the problem ledger, set-based.

The findings go into a temporary table first (COPY on PostgreSQL, executemany on SQLite); every
change to the ledger is then one statement over that table, written so that SQLite (≥ 3.33, for
UPDATE … FROM) and PostgreSQL run the same text:

- a finding of a closed problem reopens it, marked recurring (屡改屡犯), with an event naming the
  closure it undoes and a notice to its responsible person; a finding of a problem reported fixed
  and awaiting verification is written into its history (recurrence.py does the same for one problem);
- a finding whose (code, target) the ledger knows updates that problem: last found, last run, the
  latest description, values and severity, and "found by the latest run" again;
- any other finding becomes a new open problem, with its household, person and regions;
- every problem the run found has a look-back source (the run that first found it);
- a problem of one of the run's rule codes, inside the run's region, once found by a look-back and
  not found by this run is marked "no longer found" by this run. Its status does not change: only
  a verified fix closes a problem (issue 5). A problem already marked keeps the run that first
  stopped finding it, and the run's `no_longer_found` counts only problems it newly marked;
- one Finding row per (run, problem): the record of each run that found a problem.

The caller holds the transaction (lookback/service.py), so that a failure leaves the ledger as it was.
"""

from __future__ import annotations

import pyarrow as pa
from django.db import connection
from django.utils import timezone

from huitoukan.lookback.models import Finding
from huitoukan.registry.models import Household, Person, Region

from .choices import Action, NoticeKind, Source, Status
from .models import Notice, Problem, ProblemEvent, ProblemSource

STAGING = "huitoukan_lookback_findings"
FINDING_COLUMNS = ("code", "target_type", "target_key", "household_id", "person_id", "village_code", "severity",
                   "message", "values", "region_code")
#: The household column that places a problem in a region of each level (hamlets go through households).
REGION_COLUMN = {"county": "county_id", "town": "town_id", "village": "village_id"}


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def t(model) -> str:
    return q(model._meta.db_table)


def record_findings(run, findings: pa.Table, rules=None) -> dict:
    """Write `findings` (engine/schema.FINDING_SCHEMA) of `run` into the ledger. `rules` are the
    rules the run ran (their titles and categories name new problems); without them the run's
    recorded rule versions name the codes and the catalog supplies the rest.

    Returns {"findings", "new", "known", "reopened", "no_longer_found"}."""
    if rules is None:
        from huitoukan.lookback.service import available_rules

        rules = available_rules(sorted(run.rule_versions)) if run.rule_versions else []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    meta = {r.code: (r.category, r.title) for r in rules}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One ledger writer at a time (readers go on), so that two runs finding the same new
            # problem cannot both insert it; SQLite's immediate transactions already do this.
            cursor.execute(f"LOCK TABLE {t(Problem)} IN SHARE ROW EXCLUSIVE MODE")
        _create_staging(cursor)
        _fill_staging(cursor, findings, meta)
        _resolve_links(cursor)
        reopened = _reopen_closed(cursor, run, now)
        known = _update_known(cursor, run, now)
        new = _insert_new(cursor, run, now)
        _add_sources(cursor, run, now)
        gone = _mark_not_found(cursor, run, sorted(meta), now)
        _insert_findings(cursor, run)
        cursor.execute(f"DROP TABLE {STAGING}")
    return {"findings": findings.num_rows, "new": new, "known": known, "reopened": reopened,
            "no_longer_found": gone}


def _create_staging(cursor) -> None:
    postgres = connection.vendor == "postgresql"
    integer, json = ("bigint", "jsonb") if postgres else ("integer", "text")
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
    cursor.execute(f"""
        CREATE TEMPORARY TABLE {STAGING} (
            code varchar(40) NOT NULL, target_type varchar(10) NOT NULL, target_key varchar(120) NOT NULL,
            household_id {integer}, person_id {integer}, village_code varchar(15), severity varchar(10) NOT NULL,
            message text NOT NULL, vals {json} NOT NULL, category varchar(16) NOT NULL, title varchar(200) NOT NULL,
            region_code varchar(15),
            hh_id {integer}, p_id {integer}, county_id {integer}, town_id {integer}, village_id {integer}
        )""")


def _fill_staging(cursor, findings: pa.Table, meta: dict) -> None:
    columns = [findings[c].to_pylist() for c in FINDING_COLUMNS]
    unknown = sorted(set(columns[0]) - set(meta))
    if unknown:
        raise ValueError(f"findings of rules the run did not run: {', '.join(unknown)}")
    categories = [meta[code][0] for code in columns[0]]
    titles = [meta[code][1] for code in columns[0]]
    rows = list(zip(*columns, categories, titles, strict=True))
    names = ("code, target_type, target_key, household_id, person_id, village_code, severity, message, vals, "
             "region_code, category, title")
    if rows and connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {STAGING} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    elif rows:
        # The driver's own cursor: Django's wrapper would re-inspect every parameter set.
        raw = connection.connection.cursor()
        try:
            raw.executemany(f"INSERT INTO {STAGING} ({names}) VALUES ({', '.join(['?'] * 12)})", rows)
        finally:
            raw.close()
    cursor.execute(f"CREATE INDEX {STAGING}_key ON {STAGING} (code, target_key)")
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {STAGING}")  # autovacuum never analyses temporary tables


def _resolve_links(cursor) -> None:
    """Household and person as they are now (NULL if gone), and the regions the problem lies in:
    the household's own, or for a village target (or a household gone) the village of the finding
    and the regions above it. One pass over every row, then passes over the few without a household."""
    household, person, region = t(Household), t(Person), t(Region)

    def of_household(column: str) -> str:
        return f"(SELECT h.{column} FROM {household} h WHERE h.id = {STAGING}.household_id)"

    cursor.execute(f"""
        UPDATE {STAGING} SET
            hh_id = {of_household("id")}, county_id = {of_household("county_id")},
            town_id = {of_household("town_id")}, village_id = {of_household("village_id")},
            p_id = (SELECT p.id FROM {person} p WHERE p.id = {STAGING}.person_id)""")
    cursor.execute(f"""
        UPDATE {STAGING} SET village_id = (SELECT r.id FROM {region} r WHERE r.code = {STAGING}.village_code)
        WHERE hh_id IS NULL""")
    # A target placed above a village (a resident whose address names only a town, or nothing: the
    # county): the region of that level, and none below it.
    for level, column in (("town", "town_id"), ("county", "county_id")):
        cursor.execute(f"""
            UPDATE {STAGING} SET {column} = (SELECT r.id FROM {region} r
                                             WHERE r.code = {STAGING}.region_code AND r.level = %s)
            WHERE hh_id IS NULL AND village_id IS NULL AND region_code IS NOT NULL""", [level])
    for child, parent in (("village_id", "town_id"), ("town_id", "county_id")):
        cursor.execute(f"""
            UPDATE {STAGING} SET {parent} = (SELECT r.parent_id FROM {region} r WHERE r.id = {STAGING}.{child})
            WHERE hh_id IS NULL AND {child} IS NOT NULL""")


def _json_object(pairs: dict[str, str]) -> str:
    """A JSON object built in SQL from column expressions, in the database's own words."""
    function = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    arguments = ", ".join(f"'{key}', {value}" for key, value in pairs.items())
    return f"{function}({arguments})"


def _iso_utc(column: str) -> str:
    """A datetime column as ISO 8601 text with its offset, which datetime.fromisoformat reads (and
    recurrence.found_again writes): PostgreSQL's JSON already gives that (the connection's time zone
    is UTC; it drops a fraction's trailing zeros); SQLite keeps Django's own
    "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC, which needs the T and the offset."""
    if connection.vendor == "postgresql":
        return column
    return f"(replace({column}, ' ', 'T') || '+00:00')"


def _reopen_closed(cursor, run, now) -> int:
    """Closed problems this run finds again: an event each (naming the closure), a notice to the
    responsible person, then open and recurring. Problems awaiting verification get an event."""
    problem, event, notice = t(Problem), t(ProblemEvent), t(Notice)
    found = f"FROM {STAGING} s JOIN {problem} p ON p.code = s.code AND p.target_key = s.target_key"
    details = _json_object({"run": "%s", "closed_at": _iso_utc("p.closed_at"), "closed_by": "p.closed_by_id"})
    cursor.execute(f"""
        INSERT INTO {event} (problem_id, action, from_status, to_status, note, details, actor_id, actor_name, at)
        SELECT p.id, %s, p.status, %s, '', {details}, NULL, '', %s {found} WHERE p.status = %s""",
        [Action.REOPENED, Status.OPEN, run.pk, now, Status.CLOSED])
    cursor.execute(f"""
        INSERT INTO {event} (problem_id, action, from_status, to_status, note, details, actor_id, actor_name, at)
        SELECT p.id, %s, p.status, p.status, '', {_json_object({"run": "%s"})}, NULL, '', %s {found}
        WHERE p.status = %s""",
        [Action.FOUND_AGAIN, run.pk, now, Status.FIXED])
    cursor.execute(f"""
        INSERT INTO {notice} (user_id, problem_id, kind, {q("key")}, message, created_at, read_at)
        SELECT p.responsible_person_id, p.id, %s, %s, '', %s, NULL {found}
        WHERE p.status = %s AND p.responsible_person_id IS NOT NULL""",
        [NoticeKind.REOPENED, f"run{run.pk}", now, Status.CLOSED])
    cursor.execute(f"""
        UPDATE {problem} SET status = %s, recurring = %s, recurrence_count = recurrence_count + 1,
            reopened_at = %s, closed_at = NULL, closed_by_id = NULL, fixed_at = NULL, fixed_by_id = NULL
        WHERE status = %s AND EXISTS (SELECT 1 FROM {STAGING} s
                                      WHERE s.code = {problem}.code AND s.target_key = {problem}.target_key)""",
        [Status.OPEN, True, now, Status.CLOSED])
    return cursor.rowcount


def _update_known(cursor, run, now) -> int:
    problem = t(Problem)
    cursor.execute(f"""
        UPDATE {problem} SET
            last_found_at = %s, last_run_id = %s, first_run_id = COALESCE(first_run_id, %s),
            description = s.message, {q("values")} = s.vals,
            severity = s.severity, still_found = %s, not_found_by_id = NULL, updated_at = %s,
            household_id = s.hh_id, person_id = s.p_id, county_id = s.county_id, town_id = s.town_id,
            village_id = s.village_id
        FROM {STAGING} s
        WHERE {problem}.code = s.code AND {problem}.target_key = s.target_key""",
        [now, run.pk, run.pk, True, now])
    return cursor.rowcount


def _insert_new(cursor, run, now) -> int:
    problem = t(Problem)
    cursor.execute(f"""
        INSERT INTO {problem} (code, target_type, target_key, category, severity, title, description,
            {q("values")}, household_id, person_id, county_id, town_id, village_id, status, still_found,
            first_found_at, last_found_at, first_run_id, last_run_id, not_found_by_id, created_at, updated_at,
            responsible_unit, recurring, recurrence_count)
        SELECT s.code, s.target_type, s.target_key, s.category, s.severity, s.title, s.message, s.vals,
            s.hh_id, s.p_id, s.county_id, s.town_id, s.village_id, %s, %s, %s, %s, %s, %s, NULL, %s, %s, '', %s, 0
        FROM {STAGING} s
        WHERE NOT EXISTS (SELECT 1 FROM {problem} p WHERE p.code = s.code AND p.target_key = s.target_key)""",
        [Status.OPEN, True, now, now, run.pk, run.pk, now, now, False])
    return cursor.rowcount


def _add_sources(cursor, run, now) -> None:
    problem, source = t(Problem), t(ProblemSource)
    cursor.execute(f"""
        INSERT INTO {source} (problem_id, source, {q("round")}, description, run_id, created_by_id, created_at)
        SELECT p.id, %s, '', '', %s, %s, %s
        FROM {STAGING} s JOIN {problem} p ON p.code = s.code AND p.target_key = s.target_key
        WHERE NOT EXISTS (SELECT 1 FROM {source} ps
                          WHERE ps.problem_id = p.id AND ps.source = %s AND ps.{q("round")} = '')""",
        [Source.LOOKBACK, run.pk, run.created_by_id, now, Source.LOOKBACK])


def _mark_not_found(cursor, run, codes: list[str], now) -> int:
    if not codes:
        return 0
    problem = t(Problem)
    where, params = _region_filter(run.region)
    cursor.execute(f"""
        UPDATE {problem} SET still_found = %s, not_found_by_id = %s, updated_at = %s
        WHERE code IN ({", ".join(["%s"] * len(codes))}) AND still_found = %s AND last_run_id IS NOT NULL {where}
          AND NOT EXISTS (SELECT 1 FROM {STAGING} s
                          WHERE s.code = {problem}.code AND s.target_key = {problem}.target_key)""",
        [False, run.pk, now, *codes, True, *params])
    return cursor.rowcount


def _region_filter(region) -> tuple[str, list]:
    if region is None:
        return "", []
    if region.level in REGION_COLUMN:
        return f"AND {REGION_COLUMN[region.level]} = %s", [region.pk]
    return f"AND household_id IN (SELECT h.id FROM {t(Household)} h WHERE h.hamlet_id = %s)", [region.pk]


def _insert_findings(cursor, run) -> None:
    problem, finding = t(Problem), t(Finding)
    cursor.execute(f"""
        INSERT INTO {finding} (run_id, problem_id, code, severity, message, {q("values")})
        SELECT %s, p.id, s.code, s.severity, s.message, s.vals
        FROM {STAGING} s JOIN {problem} p ON p.code = s.code AND p.target_key = s.target_key""",
        [run.pk])
