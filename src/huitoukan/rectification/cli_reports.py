"""`huitoukan problems ledger|selfcheck|remind`: rectification reports from the command line.

The command line is the county administrator on the server: it sees the whole ledger and writes
descriptions in full, as `problems export` does; every file written is logged (user None)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cli import LEDGER_ORDER, problems_app


def _fail(message: str):
    typer.echo(message, err=True)
    raise typer.Exit(1)


def _xlsx(file: Path) -> None:
    from django.utils.translation import gettext as _

    if file.suffix.lower() != ".xlsx":
        _fail(_("Error: %(error)s") % {"error": _("the file name must end in .xlsx (“%(name)s”).") % {"name": file}})


def _log(what: str, filters: dict, count: int):
    from huitoukan.accounts.audit import log_export

    log = log_export(None, what, filters=filters, row_count=count, file_format="xlsx")
    log.id_numbers_masked = False  # the command line writes in full (see exports.py)
    log.save(update_fields=["id_numbers_masked"])


@problems_app.command("ledger", help="Write the rectification ledger (整改台账) to FILE.xlsx, ready to print.")
def ledger(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="The .xlsx file to write.")],
    region: Annotated[str | None, typer.Option("--region", help="Only this region (its region code).")] = None,
    status: Annotated[str | None, typer.Option(
        "--status", help="Only these statuses (comma-separated): open, in_progress, fixed, closed.")] = None,
) -> None:
    from django.utils.translation import gettext as _

    from .cli import _BadFilter, _filtered
    from .ledger_export import write_rectification_ledger

    _xlsx(file)
    try:
        problems, filters = _filtered(None, region, status)
    except _BadFilter as exc:
        _fail(_("Error: %(error)s") % {"error": exc})
    scope = _region_name(region) or "全部"
    _log("rectification.ledger", filters, problems.count())
    count = write_rectification_ledger(problems.order_by(*LEDGER_ORDER), file, scope=scope, full_id_numbers=True)
    typer.echo(_("Wrote %(count)s problems to %(file)s.") % {"count": count, "file": file})


def _region_name(code: str | None) -> str:
    from huitoukan.registry.models import Region

    region = Region.objects.filter(code=(code or "").strip()).first() if code else None
    return region.name if region else ""


@problems_app.command("selfcheck", help="Write the self-check vs census report of a round to FILE.xlsx.")
def selfcheck(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="The .xlsx file to write.")],
    round: Annotated[str | None, typer.Option("--round", help="The round (as recorded); default: the latest.")] = None,
) -> None:
    from django.utils.translation import gettext as _

    from huitoukan.accounts.models import User

    from . import reports
    from .ledger_export import write_selfcheck

    _xlsx(file)
    # The whole county, as a superuser sees it: the reports are counted over a user's scope.
    everyone = User(is_superuser=True, is_active=True)
    rounds = reports.selfcheck_rounds(everyone)
    if not rounds:
        _fail(_("Error: %(error)s") % {"error": _("no round is recorded yet.")})
    chosen = round if round is not None else rounds[0]
    if chosen not in rounds:
        _fail(_("Error: %(error)s") % {"error": _("no round “%(round)s”; recorded: %(rounds)s.")
                                       % {"round": chosen, "rounds": "、".join(rounds)}})
    report = reports.selfcheck_gaps(everyone, chosen)
    missed = reports.missed_rows(reports.missed_problems(everyone, chosen), chosen)
    _log("rectification.selfcheck", {"round": chosen}, len(missed))
    write_selfcheck(report, missed, file, full_id_numbers=True, scope="全部")
    typer.echo(_("Round %(round)s: %(missed)s of %(found)s problems found by outside checks were missed by the "
                 "self-check. Wrote %(file)s.") % {"round": chosen, "missed": report.total.missed,
                                                   "found": report.total.outside_found, "file": file})


@problems_app.command("remind", help="Add notices of approaching and passed deadlines (run it daily from cron).")
def remind() -> None:
    from django.utils.translation import gettext as _

    from . import notices

    added = notices.refresh_deadline_notices()
    typer.echo(_("%(count)s deadline notices added.") % {"count": added})
