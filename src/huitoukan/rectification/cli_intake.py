"""`huitoukan problems import|add`: problems found by people, from the command line (issue 5).

The command line is the county administrator on the server (as `problems export` is): intake.py
takes `user=None` to mean it — every source may be recorded and the whole registry is in scope; the
events and sources it writes name no account.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from .cli import problems_app


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


@problems_app.command("import", help="Record an inspection's findings list (.xlsx or .csv); all or nothing.")
def import_list(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The .xlsx or .csv file.")],
    source: Annotated[str, typer.Option("--source", help="Who found the problems: self_check, census, supervision, "
                                        "unannounced, audit, inspection_tour, cross_check, third_party.")],
    round: Annotated[str, typer.Option("--round", help="The round, such as 2026年第一轮.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report what would change; write nothing.")] = False,
) -> None:
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext as _

    from .intake_file import import_file
    from .workflow import StepRefused

    with translation.override(settings.LANGUAGE_CODE):
        try:
            report = import_file(file, user=None, source=source, round=round, dry_run=dry_run)
        except StepRefused as refused:
            _fail(_("Error: %(error)s") % {"error": refused.message})
        where = _("File %(file)s: %(rows)s data rows") % {"file": report.file_name, "rows": report.rows}
        if report.header_row:
            where += _(", header in row %(row)s") % {"row": report.header_row}
        typer.echo(where)
        if report.errors:
            for issue in report.errors:
                typer.echo(f"{issue}{f'  「{issue.value}」' if issue.value else ''}", err=True)
            _fail(_("Nothing was imported: %(n)s errors. Correct the file and import it again.")
                  % {"n": len(report.errors)})
        typer.echo(report.summary_text())


@problems_app.command("add", help="Record one problem found by a person.")
def add(
    code: Annotated[str, typer.Option("--code", help="The problem code (a rule's code, or OTHER).")],
    source: Annotated[str, typer.Option("--source", help="self_check, census, supervision, unannounced, audit, "
                                        "inspection_tour, cross_check or third_party.")],
    round: Annotated[str, typer.Option("--round", help="The round, such as 2026年第一轮.")],
    description: Annotated[str, typer.Option("--description", help="What was found.")],
    household: Annotated[str, typer.Option("--household", help="The household number.")] = "",
    id_number: Annotated[str, typer.Option("--id-number", help="The person's ID number.")] = "",
    village: Annotated[str, typer.Option("--village", help="The village's region code (or name).")] = "",
    severity: Annotated[str | None, typer.Option("--severity", help="serious, general or notice.")] = None,
    found_on: Annotated[str | None, typer.Option("--found-on", help="The date found (YYYY-MM-DD).")] = None,
) -> None:
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext as _

    from . import intake
    from .workflow import StepRefused

    with translation.override(settings.LANGUAGE_CODE):
        if not (household or id_number or village):
            _fail(_("Error: %(error)s") % {"error": _("Give a household number, an ID number or a village.")})
        try:
            day = dt.date.fromisoformat(found_on) if found_on else None
        except ValueError:
            _fail(_("Error: %(error)s") % {"error": _("Not a date (such as 2026-03-05).")})
        try:
            target = intake.resolve_target(None, intake.code_info(code), household_no=household,
                                           id_number=id_number, village=village)
            done = intake.record(None, code=code.strip().upper(), source=source, round=round,
                                 description=description, severity=severity, found_on=day, **target)
        except (StepRefused, intake.TargetError) as error:
            _fail(_("Error: %(error)s") % {"error": error.message})
        messages = {
            intake.Outcome.NEW: _("Recorded %(number)s as a new problem."),
            intake.Outcome.JOINED: _("%(number)s was in the ledger already; this source was added to it."),
            intake.Outcome.REOPENED: _("%(number)s had been closed; it is open again and marked recurring."),
            intake.Outcome.UNCHANGED: _("%(number)s had been recorded by this source and round already; nothing "
                                        "changed."),
        }
        typer.echo(messages[done.outcome] % {"number": done.problem.number})
