"""`huitoukan problems import FILE` and `huitoukan problems add`: the command line as the county
administrator; a dry run writes nothing; errors exit non-zero having written nothing."""

import pytest
from typer.testing import CliRunner

from huitoukan.cli import app
from huitoukan.rectification.models import Problem, ProblemEvent, ProblemSource
from tests.rectification.test_intake_file import write_xlsx
from tests.scope_fixtures import *

pytestmark = pytest.mark.django_db
runner = CliRunner()
ROUND = "2026年第一轮"


def invoke(*args):
    result = runner.invoke(app, ["problems", *map(str, args)])
    return result, result.output + result.stderr


def snapshot():
    return (list(Problem.objects.order_by("pk").values_list()), list(ProblemSource.objects.order_by("pk").values_list()),
            list(ProblemEvent.objects.order_by("pk").values_list()))


@pytest.fixture
def list_file(county, tmp_path):
    h1, h2 = county.households_of(county.towns[0])[0], county.households_of(county.towns[1])[0]
    return write_xlsx(tmp_path / "普查问题清单.xlsx", [
        ["NO_HELPER", h1.household_no, "", "", "未落实帮扶人", "", ""],
        ["", h2.household_no, "", "", "收入核算不实", "一般", "2026-03-01"],
    ])


def test_dry_run_prints_the_summary_and_writes_nothing(list_file):
    result, out = invoke("import", list_file, "--source", "census", "--round", ROUND, "--dry-run")
    assert result.exit_code == 0, out
    assert "2" in out and not Problem.objects.exists()


def test_import_records_every_row_with_the_source_and_round_then_a_rerun_changes_nothing(list_file):
    result, out = invoke("import", list_file, "--source", "census", "--round", ROUND)
    assert result.exit_code == 0, out
    assert Problem.objects.count() == 2
    assert set(ProblemSource.objects.values_list("source", "round")) == {("census", ROUND)}
    assert not ProblemEvent.objects.exclude(actor=None).exists()  # the command line names no account
    before = snapshot()
    result, out = invoke("import", list_file, "--source", "census", "--round", ROUND)
    assert result.exit_code == 0, out
    assert snapshot() == before


def test_errors_are_printed_with_rows_and_exit_non_zero(county, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [["NO_HELPER", county.households_of(county.towns[0])[0].household_no,
                                             "", "", "x", "", ""], ["NO_HELPER", "0000", "", "", "y", "", ""]])
    result, out = invoke("import", path, "--source", "census", "--round", ROUND)
    assert result.exit_code == 1
    assert "4" in out and "户编号" in out
    assert not Problem.objects.exists()


def test_unknown_source_is_refused(list_file):
    result, out = invoke("import", list_file, "--source", "lookback", "--round", ROUND)
    assert result.exit_code == 1 and "lookback" in out and not Problem.objects.exists()


def test_add_records_one_problem_and_again_changes_nothing(county):
    household = county.households_of(county.towns[0])[0]
    args = ("add", "--code", "no_helper", "--household", household.household_no, "--source", "audit",
            "--round", ROUND, "--description", "审计发现")
    result, out = invoke(*args)
    assert result.exit_code == 0, out
    problem = Problem.objects.get()
    assert problem.number in out and problem.target_key == household.household_no
    result, out = invoke(*args)
    assert result.exit_code == 0 and Problem.objects.count() == 1 and ProblemSource.objects.count() == 1


def test_add_by_village_and_refusals(county):
    village = county.villages[0]
    result, out = invoke("add", "--code", "MEASURE_IDENTICAL", "--village", village.code, "--source", "census",
                         "--round", ROUND, "--description", "雷同")
    assert result.exit_code == 0, out
    assert Problem.objects.get().target_key == village.code
    result, out = invoke("add", "--code", "GUARANTEE_MEDICAL", "--village", village.code, "--source", "census",
                         "--round", ROUND, "--description", "x")
    assert result.exit_code == 1 and Problem.objects.count() == 1
    result, out = invoke("add", "--code", "NOPE", "--village", village.code, "--source", "census",
                         "--round", ROUND, "--description", "x")
    assert result.exit_code == 1 and "NOPE" in out and Problem.objects.count() == 1
