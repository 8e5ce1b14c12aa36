from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("load", help="Load (create or update) a year's policy profile from a YAML file.")
def load(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True)) -> None:
    from django.utils.translation import gettext as _

    from .loading import PolicyFileError, load_policy_file

    try:
        profile, created = load_policy_file(file)
    except PolicyFileError as exc:
        typer.echo(_("Error: %(error)s") % {"error": exc}, err=True)
        raise typer.Exit(1) from exc
    message = (
        _("Created the %(year)s policy profile: poverty line %(poverty_line)s, borderline upper bound %(upper)s.")
        if created
        else _("Updated the %(year)s policy profile: poverty line %(poverty_line)s, borderline upper bound %(upper)s.")
    )
    typer.echo(message % {"year": profile.year, "poverty_line": profile.poverty_line, "upper": profile.borderline_upper})


@app.command("show", help="Print the policy profiles.")
def show() -> None:
    from .models import DEFAULTS, PolicyProfile

    for profile in PolicyProfile.objects.all():
        values = ", ".join(f"{k}={getattr(profile, k)}" for k in DEFAULTS)
        typer.echo(f"{profile.year}: {values}")
