"""How an import shows itself on a terminal: a progress bar while it runs, then every error (row,
column, reason), the warnings, the notices and a summary."""

from __future__ import annotations

from contextlib import contextmanager

from django.utils.translation import gettext as _
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from .report import ImportReport


@contextmanager
def progress_display():
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=console, transient=True,
                  disable=not console.is_terminal) as progress:
        task = progress.add_task(_("Reading the file"), total=100)

        def on_progress(percent: int, note: str) -> None:
            progress.update(task, completed=percent, description=note)

        yield on_progress


def _issue_line(issue) -> str:
    if issue.row is None:
        return str(issue)
    value = f"  「{issue.value}」" if issue.value else ""
    return f"{issue!s}{value}"


def print_report(report: ImportReport, max_errors: int | None = None) -> None:
    console = Console(highlight=False, soft_wrap=True)
    where = _("File %(file)s: %(rows)s data rows") % {"file": report.file_name, "rows": report.row_count}
    if report.header_row:
        where += _(", header in row %(row)s") % {"row": report.header_row}
    if report.sheet:
        where += _(", sheet %(sheet)s") % {"sheet": report.sheet}
    if report.encoding:
        where += _(", encoding %(encoding)s") % {"encoding": report.encoding}
    console.print(escape(where))

    for title, issues, style in ((_("Errors"), report.errors, "red"), (_("Warnings"), report.warnings, "yellow")):
        if not issues:
            continue
        heading = _("%(kind)s: %(n)s") % {"kind": title, "n": len(issues)}
        console.print(f"[bold {style}]{escape(heading)}[/]")
        shown = issues if max_errors is None else issues[:max_errors]
        for issue in shown:
            console.print(escape(_issue_line(issue)))
        if len(shown) < len(issues):
            console.print(escape(_("… and %(n)s more (see --max-errors).") % {"n": len(issues) - len(shown)}))
    for notice in report.notices:
        console.print(escape(notice))

    if report.errors:
        failed = _("Nothing was imported: %(n)s errors. Correct the file and import it again.") % {"n": len(report.errors)}
        console.print(f"[bold red]{escape(failed)}[/]")
        return
    console.print(f"[bold green]{escape(report.summary_text())}[/]")
