"""Look-back runs: snapshot the registry, run the rules, record findings and problems.

The web page (through a background task), the `huitoukan check` command, the demo and the tests all
come through here; the engine core (lookback/engine) knows nothing of Django.

A run is kept whatever happens: its inputs (as-of date, region, rules and their versions, policy
profile and the values the rules ran with, the registry fingerprint) and its outcome (counts by
rule, new problems, problems no longer found, duration, or the error it failed with). Everything a
run writes to the ledger is written in one transaction, so a failed run leaves problems as they were.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huitoukan.accounts import pseudonyms
from huitoukan.policy.models import DEFAULTS, PolicyProfile
from huitoukan.registry.models import Region

from .catalog import BUILTIN_DIR, DATASET_TABLES, RuleFileError, load_rules
from .engine import prepare, run_rules
from .engine.backends import ENGINES, open_backend
from .engine.core import runnable_rules
from .models import Run

log = logging.getLogger(__name__)

Progress = Callable[[int, str], None]  # (percent, note)

#: What a rule may ask of the policy profile (besides as_of and year, which every rule gets).
PROFILE_KEYS = ("year", *DEFAULTS)


def available_rules(codes=None):
    """The rule catalog: built-in rule files and those of settings.HUITOUKAN_RULE_DIRS, checked
    against the policy profile's parameter names. `codes` keeps only those (unknown ones are a
    RuleFileError).

    Reading and checking the files takes most of a second; the catalog is kept for as long as no
    rule file is added, removed or changed."""
    dirs = tuple(str(d) for d in settings.HUITOUKAN_RULE_DIRS)
    key = (dirs, _files_signature(dirs))
    rules = _catalog.get(key)
    if rules is None:
        rules = tuple(load_rules(dirs, known_parameters=PROFILE_KEYS))
        _catalog.clear()
        _catalog[key] = rules
    if not codes:
        return list(rules)
    wanted = set(codes)
    unknown = sorted(wanted - {r.code for r in rules})
    if unknown:
        raise RuleFileError(", ".join(unknown), "no such rule code")
    return [r for r in rules if r.code in wanted]


_catalog: dict[tuple, tuple] = {}


def _files_signature(dirs: tuple[str, ...]) -> tuple:
    signature = []
    for folder in (BUILTIN_DIR, *map(Path, dirs)):
        if not folder.is_dir():
            signature.append((str(folder), None))  # load_rules says what is wrong
            continue
        for path in sorted(folder.glob("*.yaml")):
            stat = path.stat()
            signature.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


def create_run(*, as_of: dt.date | None = None, region=None, rule_codes=None, engine: str = "duckdb",
               user=None) -> Run:
    """A queued Run with its inputs validated (unknown rule codes, no policy profile for the year
    and unknown engines are refused with a ValueError whose message can be shown to a user).
    `region` is a Region, a region code or None (the whole registry)."""
    as_of = as_of or timezone.localdate()
    if engine not in ENGINES:
        raise ValueError(_("Unknown engine %(engine)s; choose one of %(engines)s.")
                         % {"engine": engine, "engines": ", ".join(ENGINES)})
    region = _region(region)
    codes = _rule_codes(rule_codes)
    policy = _policy(as_of)
    return Run.objects.create(
        as_of=as_of, engine=engine, region=region, requested_rules=codes, policy=policy,
        parameters=json_safe(engine_parameters(policy, as_of)), created_by=user if user and user.pk else None,
    )


def start_run(**kwargs) -> Run:
    """create_run() and enqueue it on the background worker (the web page)."""
    from .tasks import execute_lookback_run

    run = create_run(**kwargs)
    execute_lookback_run.enqueue(run.pk)
    run.refresh_from_db()  # an immediate task backend has already run it
    return run


def execute_run(run: Run, *, progress: Progress | None = None) -> Run:
    """Do the work of a queued run: snapshot → prepare → rules → baselines → findings and problems.
    A failure marks the run failed with its error and leaves problems as they were."""
    report = _Reporter(run, progress)
    started = time.perf_counter()
    run.state, run.started_at, run.error = Run.State.RUNNING, timezone.now(), ""
    run.save(update_fields=["state", "started_at", "error"])
    try:
        _execute(run, report, started)
    except Exception as exc:  # any failure is the run's outcome, kept on the run
        log.exception("look-back run %s failed", run.pk)
        _fail(run, exc, started)
        return run
    report(100, _("Done"))
    return run


def run_lookback(*, progress: Progress | None = None, **kwargs) -> Run:
    """create_run() and execute_run() in this process (command line, demo, tests)."""
    return execute_run(create_run(**kwargs), progress=progress)


def engine_parameters(policy: PolicyProfile, as_of: dt.date) -> dict:
    """What the rules are bound with: the profile's values, the as-of date and its year (a profile
    of an earlier year may serve, but "this year" is always the as-of date's)."""
    return {**policy.as_parameters(), "as_of": as_of, "year": as_of.year}


def json_safe(parameters: dict) -> dict:
    out = {}
    for key, value in parameters.items():
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out[key] = value
    return out


# --- the work ----------------------------------------------------------------------------------


def _execute(run: Run, report: _Reporter, started: float) -> None:
    from huitoukan.rectification.ledger import record_findings

    from .baselines import compute_baselines, write_baselines
    from .snapshot import take_snapshot

    rules = available_rules(run.requested_rules)
    policy = run.policy or _policy(run.as_of)
    parameters = engine_parameters(policy, run.as_of)
    run.policy, run.parameters = policy, json_safe(parameters)

    report(1, _("Reading the registry"))
    snapshot = take_snapshot(run.region)
    run.snapshot_fingerprint, run.households, run.people = snapshot.fingerprint, snapshot.households, snapshot.people

    report(10, _("Linking department data"))
    datasets = _dataset_tables(rules, snapshot if run.region is None else None, run.engine)
    run.datasets = {kind: _provenance(table) for kind, table in datasets.items()}
    # A rule whose dataset is not loaded is not run, and says nothing about the problems it found
    # before: only the rules that run are recorded and reconciled in the ledger.
    rules, skipped = runnable_rules(rules, {**snapshot.tables, **datasets})
    run.skipped_rules = {code: list(tables) for code, tables in skipped.items()}
    run.rule_versions = {r.code: r.fingerprint for r in rules}
    run.save(update_fields=["policy", "parameters", "rule_versions", "snapshot_fingerprint", "households", "people",
                            "datasets", "skipped_rules"])

    report(15, _("Preparing the tables"))
    tables = {**prepare(snapshot.tables, run.as_of), **datasets}
    backend = open_backend(run.engine)
    try:
        backend.register(tables)

        def on_rule(done: int, total: int, code: str) -> None:
            if code:
                report(20 + 65 * done // max(total, 1), _("Checking %(code)s") % {"code": code})

        result = run_rules(tables, rules, parameters, engine=backend, progress=on_rule,
                           pseudonym_key=pseudonyms.key())
        report(86, _("Counting the five baselines"))
        baselines = compute_baselines(backend, parameters)
    finally:
        backend.close()

    report(90, _("Writing problems"))
    with transaction.atomic():
        ledger = record_findings(run, result.findings, rules)
        write_baselines(run, baselines)
        run.findings_count = ledger["findings"]
        run.new_problems = ledger["new"]
        run.no_longer_found = ledger["no_longer_found"]
        run.reopened = ledger["reopened"]
        run.counts_by_rule = result.counts()
        run.state, run.finished_at = Run.State.DONE, timezone.now()
        run.duration = round(time.perf_counter() - started, 3)
        run.progress, run.progress_note = 100, ""
        run.save()


def _dataset_tables(rules, snapshot, engine: str = "duckdb") -> dict:
    """The linked department datasets the rules read (datasets/linking.py), each linked against the
    registry as it is now. A region's run still links against the whole registry (`snapshot` None):
    a department's file covers the county, and a record of someone outside the region must not be
    linked to a namesake inside it."""
    kinds = sorted({table for rule in rules for table in (*rule.inputs, *rule.optional_inputs)}
                   & set(DATASET_TABLES))
    if not kinds:
        return {}
    from huitoukan.datasets.linking import current_linked_tables

    return current_linked_tables(kinds, snapshot=snapshot, engine=engine)


def _provenance(table) -> dict:
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    number = lambda key: int(meta[key]) if meta.get(key) else None
    return {"load": number("huitoukan.load_id"), "linkage": number("huitoukan.linkage_id"),
            "as_of": meta.get("huitoukan.as_of"), "records": table.num_rows}


def _fail(run: Run, exc: Exception, started: float) -> None:
    error = str(exc) or type(exc).__name__
    Run.objects.filter(pk=run.pk).update(
        state=Run.State.FAILED, error=error, finished_at=timezone.now(),
        duration=round(time.perf_counter() - started, 3), progress_note="",
    )
    # Only the inputs saved before the failure are kept; counts set in memory are not.
    run.refresh_from_db()


class _Reporter:
    """Progress to the caller and to the Run row (which the web page polls), once per percent."""

    def __init__(self, run: Run, callback: Progress | None):
        self.run, self.callback, self.last = run, callback, -1

    def __call__(self, percent: int, note: str) -> None:
        if percent == self.last:
            return
        self.last = percent
        if percent < 100:
            Run.objects.filter(pk=self.run.pk).update(progress=percent, progress_note=note[:200])
        if self.callback:
            self.callback(percent, note)


# --- inputs ------------------------------------------------------------------------------------


def _region(region):
    if region is None or isinstance(region, Region):
        return region
    code = str(region).strip()
    found = Region.objects.filter(code=code).first()
    if found is None:
        raise ValueError(_("Unknown region code %(code)s.") % {"code": code})
    return found


def _rule_codes(rule_codes) -> list[str]:
    if not rule_codes:
        return []
    if isinstance(rule_codes, str):
        rule_codes = rule_codes.split(",")
    codes = sorted({str(c).strip().upper() for c in rule_codes if str(c).strip()})
    known = {r.code for r in available_rules()}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(_("Unknown rule codes: %(codes)s. Known codes: %(known)s.")
                         % {"codes": ", ".join(unknown), "known": ", ".join(sorted(known))})
    return codes


def _policy(as_of: dt.date) -> PolicyProfile:
    policy = PolicyProfile.for_date(as_of)
    if policy is None:
        raise ValueError(_("There is no policy profile for %(year)s or an earlier year; load one first "
                           "(huitoukan policy load FILE, or the policy pages).") % {"year": as_of.year})
    return policy
