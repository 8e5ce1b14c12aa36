"""`huitoukan import dataset KIND FILE [--as-of] [--provider] [--dry-run]` and `huitoukan datasets list`."""

import pytest
from typer.testing import CliRunner

from huitoukan.cli import app
from huitoukan.datasets.models import DatasetLoad
from huitoukan.synth.datasets import COLUMNS

from .conftest import nothing_stored
from .files import write_csv

pytestmark = pytest.mark.django_db
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [*map(str, args)])


def test_load_prints_a_summary_with_the_id_counts(county):
    result = run("import", "dataset", "dibao", county.paths["dibao.csv"], "--as-of", "2020-12-31",
                 "--provider", "青石县民政局")
    assert result.exit_code == 0, result.output
    load = DatasetLoad.objects.get()
    assert (load.kind, str(load.as_of), load.provider) == ("dibao", "2020-12-31", "青石县民政局")
    assert load.loaded_by is None  # the command line; the file name and hash say what was loaded
    assert f"{load.row_count}" in result.output and "dibao.csv" in result.output
    assert f"{load.id_missing_count} 行没有证件号码" in result.output, result.output
    assert load.id_missing_count >= 1  # the generator leaves some dibao numbers out (links.csv)


def test_default_provider_and_today(county):
    from django.utils import timezone

    assert run("import", "dataset", "payroll", county.paths["payroll.csv"]).exit_code == 0
    load = DatasetLoad.objects.get()
    assert load.as_of == timezone.localdate() and load.provider == "财政 / 人社"


def test_errors_exit_one_and_name_row_and_column(county, tmp_path, data_dir):
    header = COLUMNS["death"]
    rows = [["522628195001010016", "张三", "男", "1950-01-01", "2020-13-01", "青石县"],
            ["", "", "女", "1950-01-01", "2020-01-01", "青石县"]]
    result = run("import", "dataset", "death", write_csv(tmp_path / "d.csv", header, rows))
    assert result.exit_code == 1
    assert "第 2 行，“死亡日期”列" in result.output and "第 3 行" in result.output
    assert nothing_stored(data_dir)


def test_dry_run_and_the_same_file_again(county, data_dir):
    result = run("import", "dataset", "death", county.paths["death.csv"], "--dry-run")
    assert result.exit_code == 0 and nothing_stored(data_dir)
    assert run("import", "dataset", "death", county.paths["death.csv"]).exit_code == 0
    result = run("import", "dataset", "death", county.paths["death.csv"])
    assert result.exit_code == 0 and DatasetLoad.objects.count() == 1
    assert "已导入过" in result.output or "SHA-256" in result.output, result.output


def test_unknown_kind_and_bad_date(county):
    assert run("import", "dataset", "pets", county.paths["death.csv"]).exit_code == 2
    assert run("import", "dataset", "death", county.paths["death.csv"], "--as-of", "31.12.2020").exit_code == 2
    assert not DatasetLoad.objects.exists()


def test_list_shows_the_history_and_the_load_in_use(county, tmp_path):
    assert run("datasets", "list").exit_code == 0
    assert run("import", "dataset", "death", county.paths["death.csv"], "--as-of", "2020-12-31").exit_code == 0
    header = COLUMNS["death"]
    older = write_csv(tmp_path / "旧死亡名单.csv", header, [["522628195001010016", "张三", "男", "1950-01-01",
                                                              "2020-01-01", "青石县"]])
    assert run("import", "dataset", "death", older, "--as-of", "2020-06-30").exit_code == 0
    result = run("datasets", "list")
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if "death.csv" in line or "旧死亡名单" in line]
    assert len(lines) == 2 and "*" in lines[0] and "*" not in lines[1], result.output
