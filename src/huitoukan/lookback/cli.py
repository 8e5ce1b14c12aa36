"""`huitoukan check`: a look-back run from the command line, with a progress bar, ending with the
counts by rule and what changed in the problem ledger."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer


def check(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The look-back date, YYYY-MM-DD (default: today).")] = None,
    region: Annotated[str | None, typer.Option(
        "--region", help="Check only this region (county, town, village or hamlet code).")] = None,
    rules: Annotated[str | None, typer.Option(
        "--rules", help="Comma-separated rule codes (default: every rule).")] = None,
    engine: Annotated[str, typer.Option("--engine", help="duckdb or spark.")] = "duckdb",
) -> None:
    from django.utils.translation import gettext as _

    from huitoukan.registry.importing.cli_output import progress_display

    from .service import create_run, execute_run

    def fail(message: str) -> None:
        typer.echo(_("Error: %(error)s") % {"error": message}, err=True)
        raise typer.Exit(1)

    date = None
    if as_of:
        try:
            date = dt.date.fromisoformat(as_of.strip())
        except ValueError:
            fail(_("%(value)s is not a date; write it as 2020-12-31.") % {"value": as_of})
    try:
        run = create_run(as_of=date, region=region, rule_codes=rules, engine=engine.strip().lower())
    except ValueError as exc:
        fail(str(exc))
    with progress_display() as on_progress:
        run = execute_run(run, progress=on_progress)
    if run.state != run.State.DONE:
        fail(_("Look-back run %(id)s failed: %(error)s") % {"id": run.pk, "error": run.error})
    print_result(run)


def print_result(run) -> None:
    from django.utils.translation import gettext as _
    from rich.console import Console
    from rich.table import Table

    from .service import available_rules

    titles = {r.code: r.title for r in available_rules()}
    console = Console(highlight=False, soft_wrap=True)
    where = run.region.name if run.region else _("the whole registry")
    console.print(_("Look-back run %(id)s as of %(as_of)s over %(where)s: %(households)s households, "
                    "%(people)s people, %(seconds).1f s.")
                  % {"id": run.pk, "as_of": run.as_of, "where": where, "households": run.households,
                     "people": run.people, "seconds": run.duration or 0})
    table = Table(_("Code"), _("Rule"), _("Findings"), box=None, pad_edge=False)
    for code in sorted(run.counts_by_rule):
        table.add_row(code, titles.get(code, ""), str(run.counts_by_rule[code]))
    console.print(table)
    console.print(_("Findings: %(findings)s; new problems: %(new)s; problems no longer found: %(gone)s.")
                  % {"findings": run.findings_count, "new": run.new_problems, "gone": run.no_longer_found})
