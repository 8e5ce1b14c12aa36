"""`huitoukan import dataset KIND FILE` (on the registry's `import` group) and `huitoukan datasets list`."""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Annotated

import typer

from huitoukan.registry.cli import import_app

from .kinds import KINDS
from .linkage import ENGINES

# Typer shows the choices in --help and refuses anything else.
KindName = enum.Enum("KindName", {code: code for code in KINDS}, type=str)
LinkEngine = enum.Enum("LinkEngine", {name: name for name in ENGINES}, type=str)

datasets_app = typer.Typer(no_args_is_help=True)


@import_app.command("dataset", help="Load a department dataset (.xlsx or .csv) of one kind; all or nothing.")
def dataset(
    kind: Annotated[KindName, typer.Argument(help="The dataset's kind.", case_sensitive=False)],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The .xlsx or .csv file.")],
    as_of: Annotated[dt.datetime | None, typer.Option(
        "--as-of", formats=["%Y-%m-%d"], help="The date the data describe (default: today).")] = None,
    provider: Annotated[str | None, typer.Option(
        "--provider", help="The department that provided it (default: the kind's usual provider).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report; store nothing.")] = False,
    max_errors: Annotated[int | None, typer.Option(
        "--max-errors", min=0, help="Print at most this many errors and warnings (all are counted).")] = None,
) -> None:
    from django.conf import settings
    from django.utils import translation

    from huitoukan.registry.importing.cli_output import print_report, progress_display

    from .loading.service import load_dataset

    with translation.override(settings.LANGUAGE_CODE):
        with progress_display() as on_progress:
            report = load_dataset(file, kind.value, as_of=as_of.date() if as_of else None, provider=provider,
                                  dry_run=dry_run, progress=on_progress)
        print_report(report, max_errors)
    if report.errors:
        raise typer.Exit(1)


@datasets_app.command("list", help="The loads of each kind, newest first; * marks the one the look-back uses.")
def list_loads(
    kind: Annotated[KindName | None, typer.Option("--kind", help="Only this kind.", case_sensitive=False)] = None,
) -> None:
    from django.conf import settings
    from django.utils import timezone, translation
    from django.utils.translation import gettext as _
    from rich.console import Console
    from rich.table import Table

    from .history import history_by_kind

    with translation.override(settings.LANGUAGE_CODE):
        history = history_by_kind([kind.value] if kind else None)
        table = Table(show_lines=False)
        for title in ("", _("kind"), _("load"), _("as of"), _("file name"), _("rows"),
                      _("rows without an ID number"), _("invalid ID numbers"), _("provider"), _("loaded by"),
                      _("loaded at")):
            table.add_column(title)
        for spec, loads, current in history:
            for load in loads:
                table.add_row(
                    "*" if current and load.pk == current.pk else "", str(spec.label), str(load.pk),
                    load.as_of.isoformat(), load.file_name, str(load.row_count), str(load.id_missing_count),
                    str(load.id_invalid_count), load.provider,
                    load.loaded_by.get_username() if load.loaded_by else "",
                    timezone.localtime(load.loaded_at).strftime("%Y-%m-%d %H:%M"))
        console = Console(highlight=False)
        if not console.is_terminal:  # a pipe or a file: whole lines rather than 80 columns
            console = Console(highlight=False, width=240)
        if not table.row_count:
            console.print(_("No dataset has been loaded yet."))
            return
        console.print(table)


@datasets_app.command("link", help="Link the loads the look-back uses (or one kind's) to the registry; "
                                   "a load already linked against the same registry is left as it is.")
def link_loads(
    kind: Annotated[KindName | None, typer.Argument(help="Only this kind.", case_sensitive=False)] = None,
    retrain: Annotated[bool, typer.Option(
        "--retrain", help="Train the model anew instead of reusing the kind's latest one.")] = False,
    engine: Annotated[LinkEngine, typer.Option(
        "--engine", case_sensitive=False,
        help="Where Splink scores the pairs: duckdb (in process) or spark (the look-back's Spark session).")]
        = LinkEngine.duckdb,
) -> None:
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext as _
    from rich.console import Console

    from huitoukan.lookback.snapshot import take_snapshot

    from .linking import LinkingError, link_load
    from .tables import current_loads

    console = Console(highlight=False)
    with translation.override(settings.LANGUAGE_CODE):
        loads = current_loads([kind.value] if kind else None)
        if not loads:
            console.print(_("No dataset has been loaded yet."))
            return
        snapshot = take_snapshot()
        for load in loads.values():
            try:
                linkage = link_load(load, snapshot=snapshot, retrain=retrain, engine=engine.value)
            except LinkingError as error:
                console.print(f"[red]{error}[/red]")
                raise typer.Exit(1) from None
            c = linkage.counts
            console.print(_("%(kind)s (load %(load)s): %(records)s records; exact %(exact)s, probabilistic "
                            "%(probabilistic)s, to review %(review)s, not linked %(unlinked)s") % {
                "kind": load.get_kind_display(), "load": load.pk, "records": c.get("records"),
                "exact": c.get("exact"), "probabilistic": c.get("probabilistic"), "review": c.get("review"),
                "unlinked": c.get("unlinked")})
