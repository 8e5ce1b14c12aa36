from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("load", help="Load (create or update) a year's policy profile from a YAML file.")
def load(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True)) -> None:
    from .loading import PolicyFileError, load_policy_file

    try:
        profile, created = load_policy_file(file)
    except PolicyFileError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from exc
    verb = "新建" if created else "更新"
    typer.echo(f"{verb} {profile.year} 年度政策标准：贫困线 {profile.poverty_line}，边缘上限 {profile.borderline_upper}")


@app.command("show", help="Print the policy profiles.")
def show() -> None:
    from .models import DEFAULTS, PolicyProfile

    for profile in PolicyProfile.objects.all():
        values = ", ".join(f"{k}={getattr(profile, k)}" for k in DEFAULTS)
        typer.echo(f"{profile.year}: {values}")
