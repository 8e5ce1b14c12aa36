"""The `huitoukan` command.

Each bounded context contributes its own sub-commands from its `cli.py`; this module only wires
them together and sets Django up before any of them runs.
"""

import os
import sys

import typer

app = typer.Typer(
    help="回头看: registry, look-back and problem ledger for county poverty-alleviation offices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def setup_django() -> None:
    from huitoukan.ops.secret import ensure_secret_key

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huitoukan.settings")
    ensure_secret_key()
    import django

    django.setup()


@app.callback()
def _main() -> None:
    setup_django()
    from django.conf import settings
    from django.utils import translation

    # Commands speak the installation's language, like the pages.
    translation.activate(settings.LANGUAGE_CODE)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    help="Run a Django management command (migrate, createsuperuser, check, …).",
)
def manage(ctx: typer.Context) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["huitoukan manage", *ctx.args])


def _register() -> None:
    from huitoukan.datasets.cli import datasets_app  # also adds `import dataset` to import_app
    from huitoukan.lookback.cli import check
    from huitoukan.ops.cli import register as register_ops
    from huitoukan.policy.cli import app as policy_app
    from huitoukan.rectification import cli_intake, cli_reports  # noqa: F401  (register their commands)
    from huitoukan.rectification.cli import problems_app
    from huitoukan.registry.cli import import_app
    from huitoukan.synth.cli import synth

    app.add_typer(import_app, name="import", help="Import files (registry, department datasets).")
    app.add_typer(datasets_app, name="datasets", help="Department datasets: the loads and their history.")
    app.add_typer(policy_app, name="policy", help="The year's standards (policy profiles).")
    app.add_typer(problems_app, name="problems", help="The problem ledger: export, import, reports, reminders.")
    app.command(name="check", help="Run a look-back over the registry (or a region); problems are written.")(check)
    app.command(name="synth", help="Write a synthetic county: registry export, datasets, ground truth.")(synth)
    register_ops(app)


_register()


def main() -> None:
    sys.exit(app())


if __name__ == "__main__":
    main()
