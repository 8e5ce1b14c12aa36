"""`huitoukan import registry FILE [--dry-run] [--max-errors N]`."""

import pytest
from typer.testing import CliRunner

from huitoukan.cli import app
from huitoukan.registry.models import Household, RegistryImport

from .conftest import registry_checksum
from .files import PEOPLE, people, write_csv

pytestmark = pytest.mark.django_db
runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["import", "registry", *map(str, args)])


def test_import_prints_a_summary_and_exits_zero(tmp_path):
    result = run(write_csv(tmp_path / "r.csv", PEOPLE))
    assert result.exit_code == 0, result.output
    assert Household.objects.count() == 2
    assert "r.csv" in result.output


def test_dry_run_writes_nothing(tmp_path):
    before = registry_checksum()
    result = run(write_csv(tmp_path / "r.csv", PEOPLE), "--dry-run")
    assert result.exit_code == 0, result.output
    assert registry_checksum() == before
    assert RegistryImport.objects.get().dry_run


def test_errors_exit_one_and_every_error_is_printed(tmp_path):
    rows = [dict(PEOPLE[0], 户编号=f"H{i:03d}", 人编号=f"P{i:03d}", 脱贫属性="??") for i in range(30)]
    before = registry_checksum()
    result = run(write_csv(tmp_path / "r.csv", rows))
    assert result.exit_code == 1
    assert registry_checksum() == before
    for row in range(2, 32):
        assert f" {row}" in result.output or f"{row} " in result.output
    assert result.output.count("脱贫属性") >= 30


def test_max_errors_limits_what_is_printed_not_what_is_counted(tmp_path):
    rows = [dict(PEOPLE[0], 户编号=f"H{i:03d}", 人编号=f"P{i:03d}", 脱贫属性="??") for i in range(30)]
    result = run(write_csv(tmp_path / "r.csv", rows), "--max-errors", "5")
    assert result.exit_code == 1
    assert result.output.count("脱贫属性") == 5
    assert "25" in result.output and "30" in result.output


def test_output_is_in_the_configured_language(tmp_path, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    result = run(write_csv(tmp_path / "r.csv", people({"脱贫属性": "??"}, {"脱贫属性": "??"})))
    assert result.exit_code == 1
    assert "第 2 行" in result.output and "脱贫属性" in result.output
    assert "未导入任何数据" in result.output


def test_a_missing_file_is_refused(tmp_path):
    result = run(tmp_path / "none.csv")
    assert result.exit_code == 2
