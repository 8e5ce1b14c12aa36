"""`huitoukan problems export FILE`: full ID numbers, filters, the export log, clear errors."""

import csv

import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from huitoukan.accounts.models import ExportLog
from huitoukan.cli import app
from huitoukan.rectification.choices import Status
from tests.rectification import test_export
from tests.scope_fixtures import *  # county, users, fast_passwords

EXPECTED_HEADERS = test_export.EXPECTED_HEADERS
ledger = test_export.ledger  # the same four problems as the export tests

pytestmark = pytest.mark.django_db
runner = CliRunner()


def export(*args):
    result = runner.invoke(app, ["problems", "export", *map(str, args)])
    return result, result.output + result.stderr


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == EXPECTED_HEADERS
    return {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}


def test_writes_every_problem_with_full_id_numbers_and_logs_it(ledger, tmp_path):
    path = tmp_path / "台账.csv"
    result, out = export(path)
    assert result.exit_code == 0, out
    rows = read_csv(path)
    assert set(rows) == {p.number for p in ledger.values()}
    assert rows[ledger["person"].number]["证件号码"] == ledger["person"].person.id_number
    assert " 4 " in out.replace(str(path), "")

    log = ExportLog.objects.get()
    assert log.user is None and log.username == ""
    assert (log.what, log.file_format, log.row_count, log.filters) == ("rectification.problems", "csv", 4, {})
    assert log.id_numbers_masked is False


def test_filters_narrow_the_ledger_and_are_logged(ledger, tmp_path):
    path = tmp_path / "open-housing.csv"
    result, out = export(path, "--code", "guarantee_housing, ID_INVALID", "--status", "open")
    assert result.exit_code == 0, out
    assert set(read_csv(path)) == {ledger["person"].number, ledger["household"].number}
    log = ExportLog.objects.get()
    assert log.filters == {"code": ["GUARANTEE_HOUSING", "ID_INVALID"], "status": [Status.OPEN]}
    assert log.row_count == 2


def test_region_filter_by_town_and_village(ledger, tmp_path):
    town = ledger["person"].town
    result, out = export(tmp_path / "t.csv", "--region", town.code)
    assert result.exit_code == 0, out
    assert set(read_csv(tmp_path / "t.csv")) == {ledger["person"].number, ledger["village"].number}

    village = ledger["village"].village
    result, out = export(tmp_path / "v.csv", "--region", village.code)
    assert result.exit_code == 0, out
    assert set(read_csv(tmp_path / "v.csv")) == {ledger["village"].number}
    assert ExportLog.objects.filter(filters={"region": village.code}).count() == 1


def test_xlsx_from_the_command_line(ledger, tmp_path):
    path = tmp_path / "台账.xlsx"
    result, out = export(path)
    assert result.exit_code == 0, out
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["问题台账", "汇总"]
    rows = book.get_sheet_by_name("问题台账").to_python()
    ids = {row[0]: row[10] for row in rows[2:]}
    assert ids[ledger["person"].number] == ledger["person"].person.id_number
    assert ExportLog.objects.get().file_format == "xlsx"


@pytest.mark.parametrize("args, mentions", [
    (("ledger.txt",), "ledger.txt"),
    (("ledger.csv", "--region", "999999999999"), "999999999999"),
    (("ledger.csv", "--status", "done"), "done"),
])
def test_clear_errors_write_and_log_nothing(args, mentions, ledger, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result, out = export(*args)
    assert result.exit_code == 1
    assert mentions in out
    assert not (tmp_path / args[0]).exists()
    assert not ExportLog.objects.exists()
