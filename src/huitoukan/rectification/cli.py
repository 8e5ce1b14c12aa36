"""`huitoukan problems …`: the problem ledger from the command line.

The command line is the county administrator on the server: it sees the whole ledger and writes ID
numbers in full; the export is logged like any other (user None = the command line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

problems_app = typer.Typer(no_args_is_help=True)

# What a printed ledger is read by: town, village, then household.
LEDGER_ORDER = ("town__code", "village__code", "target_key", "code", "pk")


@problems_app.command("export", help="Write the problem ledger to FILE (.xlsx or .csv, by its extension).")
def export(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="The .xlsx or .csv file to write.")],
    code: Annotated[str | None, typer.Option("--code", help="Only these problem codes (comma-separated).")] = None,
    region: Annotated[str | None, typer.Option("--region", help="Only this region (its region code).")] = None,
    status: Annotated[str | None, typer.Option(
        "--status", help="Only these statuses (comma-separated): open, in_progress, fixed, closed.")] = None,
) -> None:
    from django.utils.translation import gettext as _

    from huitoukan.accounts.audit import log_export

    from .exports import ExportFormatError, file_format_for, write_problems

    try:
        file_format = file_format_for(file)
        problems, filters = _filtered(code, region, status)
    except (ExportFormatError, _BadFilter) as exc:
        typer.echo(_("Error: %(error)s") % {"error": exc}, err=True)
        raise typer.Exit(1) from exc
    # Logged before the file is written, like every export, so that an interrupted one is on record.
    log = log_export(None, "rectification.problems", filters=filters, row_count=problems.count(),
                     file_format=file_format)
    # log_export reads masking from the user, and no user masks; the command line writes in full.
    log.id_numbers_masked = False
    log.save(update_fields=["id_numbers_masked"])
    count = write_problems(problems.order_by(*LEDGER_ORDER), file, file_format, full_id_numbers=True)
    typer.echo(_("Exported %(count)s problems to %(file)s.") % {"count": count, "file": file})


class _BadFilter(ValueError):
    pass


def _filtered(code, region, status):
    from django.utils.translation import gettext as _

    from huitoukan.registry.choices import RegionLevel
    from huitoukan.registry.models import Region

    from .choices import Status
    from .models import Problem

    problems, filters = Problem.objects.all(), {}
    if code:
        codes = sorted({c.strip().upper() for c in code.split(",") if c.strip()})
        problems, filters["code"] = problems.filter(code__in=codes), codes
    if region:
        found = Region.objects.filter(code=region.strip()).first()
        if found is None:
            raise _BadFilter(_("No region has the code %(code)s.") % {"code": region})
        field = {RegionLevel.COUNTY: "county", RegionLevel.TOWN: "town", RegionLevel.VILLAGE: "village",
                 RegionLevel.HAMLET: "household__hamlet"}[found.level]
        problems, filters["region"] = problems.filter(**{field: found}), found.code
    if status:
        statuses = sorted({s.strip() for s in status.split(",") if s.strip()})
        unknown = set(statuses) - set(Status.values)
        if unknown:
            raise _BadFilter(_("Unknown status %(status)s; use %(choices)s.")
                             % {"status": ", ".join(sorted(unknown)), "choices": ", ".join(Status.values)})
        problems, filters["status"] = problems.filter(status__in=statuses), statuses
    return problems, filters
