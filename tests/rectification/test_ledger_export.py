"""The rectification ledger (整改台账) .xlsx: columns, masking per user, overdue marked, the web
endpoint (filters, capability, log) and `huitoukan problems ledger`."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from huitoukan.accounts.masking import mask_id_number
from huitoukan.accounts.models import ExportLog
from huitoukan.accounts.roles import Role
from huitoukan.cli import app
from huitoukan.rectification import assignment
from huitoukan.rectification.choices import Action, Status
from huitoukan.rectification.ledger_export import HEADERS, write_rectification_ledger
from huitoukan.rectification.models import Problem, ProblemEvent
from huitoukan.rectification.queries import scoped_problems
from tests.rectification.test_pages import id_problem, make_problem
from tests.scope_fixtures import *

pytestmark = pytest.mark.django_db
EXPECTED = ["问题编号", "乡镇", "村", "户编号", "户主姓名", "问题代码", "问题描述", "来源", "严重程度", "状态", "责任单位",
            "责任人", "整改时限", "是否逾期", "整改情况", "整改完成时间", "核验人", "销号时间", "屡改屡犯"]


@pytest.fixture
def worked(county, users):
    """An ID problem (its description quotes the ID number), assigned and overdue; a closed problem
    with a progress note and a verifier; a problem in the other town."""
    a, b = county.towns
    person = county.households_of(a)[0].members.order_by("pk").first()
    late = id_problem(person)
    assignment.assign([late.pk], users[Role.COUNTY_ADMIN], unit="松林乡人民政府", person=users[Role.TOWN_CADRE],
                      deadline=timezone.localdate())
    Problem.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=2))
    done = make_problem("NO_HELPER", household=county.households_of(a)[1], status=Status.CLOSED)
    now = timezone.now()
    for note, action in (("已入户核实", Action.PROGRESS), ("已落实帮扶责任人", Action.REPORTED_FIXED)):
        ProblemEvent.objects.create(problem=done, action=action, note=note, at=now)
    inspector = users[Role.INSPECTOR]
    inspector.last_name, inspector.first_name = "王", "核"
    inspector.save()
    Problem.objects.filter(pk=done.pk).update(fixed_at=now, closed_at=now, closed_by=inspector, recurring=True,
                                              recurrence_count=2)
    other = make_problem("NO_HELPER", household=county.households_of(b)[0])
    return {"late": late, "done": done, "other": other, "person": person}


def read(data_or_path):
    book = (CalamineWorkbook.from_filelike(io.BytesIO(data_or_path)) if isinstance(data_or_path, bytes)
            else CalamineWorkbook.from_path(str(data_or_path)))
    rows = book.get_sheet_by_name("整改台账").to_python()
    assert rows[0][0].startswith("整改台账")
    assert rows[1] == EXPECTED
    return rows[0][0], {r[0]: dict(zip(EXPECTED, r)) for r in rows[2:]}


def test_columns_masking_and_overdue(worked, users):
    assert HEADERS == EXPECTED
    cadre = users[Role.TOWN_CADRE]
    out = io.BytesIO()
    count = write_rectification_ledger(scoped_problems(cadre).order_by("pk"), out, cadre, scope="松林乡")
    assert count == 2
    title, rows = read(out.getvalue())
    assert "松林乡" in title
    assert set(rows) == {worked["late"].number, worked["done"].number}  # the other town is not the cadre's
    late = rows[worked["late"].number]
    number = worked["person"].id_number
    assert number not in late["问题描述"] and mask_id_number(number) in late["问题描述"]
    assert late["是否逾期"] == "是" and late["状态"] == "待整改"
    assert late["责任单位"] == "松林乡人民政府" and late["责任人"].endswith(f"（{cadre.username}）")
    assert late["整改时限"] == timezone.localdate() - datetime.timedelta(days=2)
    done = rows[worked["done"].number]
    assert done["是否逾期"] == "否" and done["状态"] == "已销号"
    assert done["整改情况"] == "已落实帮扶责任人"  # the latest note
    assert done["核验人"] == f"王核（{users[Role.INSPECTOR].username}）"
    assert done["屡改屡犯"] == "是（2次）"
    assert isinstance(done["销号时间"], datetime.datetime)

    # A role that sees full ID numbers gets the description as written.
    out = io.BytesIO()
    write_rectification_ledger(scoped_problems(users[Role.COUNTY_ADMIN]), out, users[Role.COUNTY_ADMIN])
    assert number in read(out.getvalue())[1][worked["late"].number]["问题描述"]


def test_web_ledger_follows_the_list_filters_and_is_logged(worked, users, client_for, county):
    admin = users[Role.COUNTY_ADMIN]
    response = client_for(admin).get(reverse("rectification:ledger_xlsx"), {"town": county.towns[0].pk})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="rectification-ledger-')
    title, rows = read(response.content)
    assert set(rows) == {worked["late"].number, worked["done"].number}
    assert county.towns[0].name in title
    log = ExportLog.objects.get(what="rectification.ledger")
    assert (log.user, log.row_count, log.filters) == (admin, 2, {"town": county.towns[0].pk})

    response = client_for(admin).get(reverse("rectification:ledger_xlsx"), {"status": "closed"})
    assert set(read(response.content)[1]) == {worked["done"].number}


def test_web_ledger_refused_without_the_export_right(worked, users, client_for):
    before = ExportLog.objects.count()
    for role in (Role.VILLAGE_CADRE, Role.LEADER, Role.DATA_PROVIDER):
        assert client_for(users[role]).get(reverse("rectification:ledger_xlsx")).status_code == 403
    assert ExportLog.objects.count() == before


def test_cli_ledger(worked, county, tmp_path):
    path = tmp_path / "整改台账.xlsx"
    result = CliRunner().invoke(app, ["problems", "ledger", str(path), "--region", county.towns[0].code,
                                      "--status", "open"])
    assert result.exit_code == 0, result.output
    _title, rows = read(path)
    assert set(rows) == {worked["late"].number}
    assert worked["person"].id_number in rows[worked["late"].number]["问题描述"]  # the command line: in full
    assert ExportLog.objects.get(what="rectification.ledger").row_count == 1

    bad = CliRunner().invoke(app, ["problems", "ledger", str(tmp_path / "x.csv")])
    assert bad.exit_code == 1 and ".xlsx" in bad.output + bad.stderr
    bad = CliRunner().invoke(app, ["problems", "ledger", str(tmp_path / "y.xlsx"), "--status", "done"])
    assert bad.exit_code == 1 and not (tmp_path / "y.xlsx").exists()
