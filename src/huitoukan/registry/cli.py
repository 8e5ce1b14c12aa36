"""`huitoukan import …`: file imports from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import_app = typer.Typer(no_args_is_help=True)


@import_app.command("registry", help="Import a registry export (.xlsx or .csv); all or nothing.")
def registry(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="The .xlsx or .csv file.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report what would change; write nothing.")] = False,
    max_errors: Annotated[int | None, typer.Option(
        "--max-errors", min=0, help="Print at most this many errors and warnings (all are counted).")] = None,
) -> None:
    from django.conf import settings
    from django.utils import translation

    from .importing.cli_output import print_report, progress_display
    from .importing.service import import_registry

    with translation.override(settings.LANGUAGE_CODE):
        with progress_display() as on_progress:
            report = import_registry(file, dry_run=dry_run, progress=on_progress)
        print_report(report, max_errors)
    if report.errors:
        raise typer.Exit(1)
