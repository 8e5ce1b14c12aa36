"""Operations commands: setup, demo, serve, createadmin."""

from pathlib import Path

import typer

DEMO_HOUSEHOLDS = 5000
DEMO_SEED = 2020


def _echo(message: str) -> None:
    typer.echo(message)


def setup() -> None:
    """Prepare the installation: database tables and static files. Safe to run again."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    _echo("数据库和静态文件已就绪。")


def createadmin(username: str = typer.Argument("admin")) -> None:
    """Create a county administrator for every county in the registry; prints the password once."""
    from huitoukan.ops.accounts import create_county_admin

    user, password = create_county_admin(username)
    if password is None:
        _echo(f"用户 {username} 已存在；如需重设密码：huitoukan manage changepassword {username}")
    else:
        _echo(f"县级管理员 {username} 的初始密码（只显示这一次）：{password}")


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(2, help="Web worker processes."),
    no_worker: bool = typer.Option(False, "--no-worker", help="Do not start the background task worker."),
) -> None:
    """Serve the web application with gunicorn and run the background task worker."""
    from huitoukan.ops.server import serve as run_server

    _echo(f"回头看 正在运行：http://{host}:{port}/  （Ctrl-C 停止）")
    raise typer.Exit(run_server(host, port, workers, with_worker=not no_worker))


def demo(
    port: int = typer.Option(8000, help="Port to serve the demo on."),
    households: int = typer.Option(DEMO_HOUSEHOLDS, help="Size of the synthetic county."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Prepare the demo but do not serve it."),
) -> None:
    """Set up, generate a synthetic county, import it, run a look-back, create an administrator
    and serve."""
    from django.conf import settings

    from huitoukan.registry.models import Household

    setup()
    if not Household.objects.exists():
        _load_demo_county(Path(settings.DATA_DIR) / "demo", households)
    else:
        _echo("登记库已有数据，跳过生成和导入。")
    createadmin("admin")
    _demo_rectification("admin")
    if not no_serve:
        serve(host="127.0.0.1", port=port, workers=2, no_worker=False)


def _load_demo_county(outdir: Path, households: int) -> None:
    from django.conf import settings
    from django.utils import translation

    from huitoukan.policy.loading import load_policy_file
    from huitoukan.registry.importing.service import import_registry
    from huitoukan.synth.generator import SynthConfig, generate

    translation.activate(settings.LANGUAGE_CODE)
    _echo(f"生成模拟县（{households} 户）……")
    config = SynthConfig(households=households, seed=DEMO_SEED)
    result = generate(outdir, config)
    load_policy_file(outdir / "policy.yaml")
    _echo("导入建档立卡登记表……")
    report = import_registry(result.registry_path)
    if report.errors:
        for error in report.errors[:20]:
            _echo(str(error))
        raise typer.Exit(1)
    _echo(report.summary_text())
    _demo_datasets(outdir, config.as_of)
    _demo_lookback(config.as_of)


def _demo_datasets(outdir: Path, as_of) -> None:
    """The synthetic county's department files (death, vehicle, payroll…), loaded as a county
    office would load them, so that the look-back's cross-comparison rules have data."""
    from huitoukan.datasets.kinds import KINDS
    from huitoukan.datasets.loading.service import load_dataset

    _echo("导入部门比对数据……")
    for kind in KINDS:
        path = outdir / f"{kind}.csv"
        if path.exists():
            report = load_dataset(path, kind, as_of=as_of)
            if report.errors:
                for error in report.errors[:20]:
                    _echo(str(error))
                raise typer.Exit(1)


def _demo_lookback(as_of) -> None:
    """A look-back over the demo county as of the date it was generated for, so that a new user
    lands on a populated problem ledger and five baselines."""
    from huitoukan.lookback.cli import print_result
    from huitoukan.lookback.service import run_lookback

    _echo("回头看：逐户核查……")
    run = run_lookback(as_of=as_of)
    if run.state != run.State.DONE:
        _echo(run.error)
        raise typer.Exit(1)
    print_result(run)


def _demo_rectification(admin_username: str) -> None:
    """Users of the other roles, and some problems taken through the workflow (ops/demo_rectification.py)."""
    from huitoukan.accounts.models import User
    from huitoukan.ops.demo_rectification import create_demo_users, work_some_problems

    for username, role, password in create_demo_users():
        _echo(f"{role} {username} 的初始密码（只显示这一次）：{password}")
    admin = User.objects.filter(username=admin_username).first()
    worked = work_some_problems(admin) if admin else {}
    if worked:
        _echo("整改示例：交办 {assigned} 个问题，报告整改 {reported} 个，核验销号 {verified} 个，退回 {returned} 个。"
              .format(**worked))


def register(app: typer.Typer) -> None:
    app.command(help="Prepare the database and static files (safe to rerun).")(setup)
    app.command(help="Create a county administrator; prints its password once.")(createadmin)
    app.command(help="Serve the web application (gunicorn) with the background worker.")(serve)
    app.command(help="The demo: a synthetic county, imported, checked and served on http://127.0.0.1:8000.")(demo)
