"""An inspection's findings list (intake_file.py): .xlsx and .csv, headers as people write them,
all or nothing with the row and reason of every error, a rerun that changes nothing, recurrence."""

import datetime as dt

import pytest
import xlsxwriter
from django.utils import timezone

from huitoukan.accounts.roles import Role
from huitoukan.rectification import intake, intake_file, workflow
from huitoukan.rectification.choices import Action, Source, Status
from huitoukan.rectification.models import Problem, ProblemEvent, ProblemSource
from tests.scope_fixtures import *

ROUND = "2026年第一轮"
HEADER = ["问题代码", "户编号", "证件号码", "村", "问题描述", "严重程度", "发现日期"]


def write_xlsx(path, rows, header=HEADER, titles=("2026年第一轮县级普查问题清单",)):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("问题清单")
    text = workbook.add_format({"num_format": "@"})
    r = 0
    for title in titles:
        sheet.write_string(r, 0, title)
        r += 1
    for rownum, row in enumerate([header, *rows], start=r):
        for col, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(rownum, col, dt.datetime.combine(value, dt.time()),
                                     workbook.add_format({"num_format": "yyyy-mm-dd"}))
            elif value not in (None, ""):
                sheet.write_string(rownum, col, str(value), text)
    workbook.close()
    return path


def write_csv(path, rows, header=HEADER, encoding="utf-8-sig"):
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def snapshot():
    return (list(Problem.objects.order_by("pk").values_list()), list(ProblemSource.objects.order_by("pk").values_list()),
            list(ProblemEvent.objects.order_by("pk").values_list()))


@pytest.fixture
def places(county):
    t1, t2 = county.towns
    h1, h2 = county.households_of(t1)[0], county.households_of(t1)[1]
    h3 = county.households_of(t2)[0]
    return {"h1": h1, "h2": h2, "h3": h3, "p2": h2.members.order_by("pk").first(), "village": county.villages[0]}


def good_rows(places):
    return [
        ["NO_HELPER", places["h1"].household_no, "", "", "帮扶责任人未落实", "严重", dt.date(2026, 3, 2)],
        ["GUARANTEE_MEDICAL", "", places["p2"].id_number, "", "未参加医保", "", ""],
        ["", places["h3"].household_no, "", "", "户主不知道帮扶人是谁", "提示", ""],  # no code: OTHER
        ["MEASURE_IDENTICAL", "", "", places["village"].name, "帮扶措施雷同", "", "2026-03-04"],
    ]


def run_import(path, user, **kwargs):
    return intake_file.import_file(path, user=user, source=kwargs.pop("source", Source.CENSUS),
                                   round=kwargs.pop("round", ROUND), **kwargs)


@pytest.mark.parametrize("kind", ["xlsx", "csv", "csv-gbk"])
def test_a_good_list_is_recorded_and_a_rerun_changes_nothing(places, users, tmp_path, kind):
    admin = users[Role.COUNTY_ADMIN]
    if kind == "xlsx":
        path = write_xlsx(tmp_path / "清单.xlsx", good_rows(places))
    else:
        rows = [[c.isoformat() if isinstance(c, dt.date) else c for c in row] for row in good_rows(places)]
        path = write_csv(tmp_path / "清单.csv", rows, encoding="gb18030" if kind == "csv-gbk" else "utf-8-sig")

    report = run_import(path, admin)

    assert report.ok, [str(e) for e in report.errors]
    assert report.written and report.rows == 4
    assert report.counts == {"new": 4, "joined": 0, "reopened": 0, "unchanged": 0}
    h1 = Problem.objects.get(code="NO_HELPER", target_key=places["h1"].household_no)
    assert (h1.severity, h1.description, timezone.localtime(h1.first_found_at).date()) == (
        "serious", "帮扶责任人未落实", dt.date(2026, 3, 2))
    assert Problem.objects.get(code="GUARANTEE_MEDICAL").target_key == places["p2"].source_key
    other = Problem.objects.get(code="OTHER")
    assert (other.target_key, other.severity, other.category) == (places["h3"].household_no, "notice", "assistance")
    assert Problem.objects.get(code="MEASURE_IDENTICAL").target_key == places["village"].code
    assert ProblemSource.objects.filter(source=Source.CENSUS, round=ROUND).count() == 4
    assert ProblemSource.objects.get(problem=h1).found_on == dt.date(2026, 3, 2)
    event = ProblemEvent.objects.get(problem=h1)
    assert event.details["file"] == path.name and event.details["round"] == ROUND

    before = snapshot()
    again = run_import(path, admin)
    assert again.ok and again.counts == {"new": 0, "joined": 0, "reopened": 0, "unchanged": 4}
    assert snapshot() == before


def test_one_bad_row_among_good_ones_writes_nothing_and_names_the_row(places, users, tmp_path):
    rows = good_rows(places)
    rows.insert(2, ["NO_SUCH_CODE", places["h2"].household_no, "", "", "乱写的代码", "", ""])
    rows.append(["NO_HELPER", "439901999999999", "", "", "不存在的户", "", ""])
    rows.append(["", "", "", places["village"].code, "", "很严重", ""])
    rows.append(["NO_HELPER", places["h1"].household_no, "", "", "重复", "", ""])
    path = write_xlsx(tmp_path / "清单.xlsx", rows)

    report = run_import(path, users[Role.COUNTY_ADMIN])

    assert not report.written and not Problem.objects.exists() and not ProblemSource.objects.exists()
    found = {(e.row, e.column) for e in report.errors}
    # title row 1, header row 2, data from row 3: the inserted bad row is row 5
    assert (5, "问题代码") in found
    assert (8, "户编号") in found
    assert (9, "问题描述") in found and (9, "严重程度") in found
    assert (10, "问题代码") in found
    reasons = {e.row: e.reason for e in report.errors}
    assert "No household" in reasons[8] or "户" in reasons[8]
    assert "3" in reasons[10]  # the same problem as row 3
    assert str(report.errors[0]).startswith(("Row 5", "第5行", "第 5 行"))


def test_dry_run_predicts_and_writes_nothing(places, users, tmp_path):
    admin = users[Role.COUNTY_ADMIN]
    intake.record_problem(admin, code="NO_HELPER", household=places["h1"], source=Source.SELF_CHECK,
                          round="2026年乡镇自查", description="自查发现")
    path = write_xlsx(tmp_path / "清单.xlsx", good_rows(places))
    before = snapshot()
    report = run_import(path, admin, dry_run=True)
    assert report.ok and not report.written
    assert report.counts == {"new": 3, "joined": 1, "reopened": 0, "unchanged": 0}
    assert snapshot() == before


def test_an_inspection_reopens_a_closed_problem_as_recurring(places, users, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    cadre, inspector = users[Role.TOWN_CADRE], users[Role.INSPECTOR]
    problem, _ = intake.record_problem(cadre, code="NO_HELPER", household=places["h1"], source=Source.SELF_CHECK,
                                       round="2025年自查", description="自查发现")
    workflow.take_step(problem, cadre, Action.REPORTED_FIXED, note="已落实",
                       files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", "application/pdf")])
    workflow.take_step(problem, inspector, Action.VERIFIED)
    path = write_xlsx(tmp_path / "清单.xlsx", good_rows(places)[:1])

    report = run_import(path, inspector, source=Source.SUPERVISION)

    assert report.counts == {"new": 0, "joined": 0, "reopened": 1, "unchanged": 0}
    problem.refresh_from_db()
    assert (problem.status, problem.recurring, problem.recurrence_count) == (Status.OPEN, True, 1)
    assert problem.events.filter(action=Action.VERIFIED, actor=inspector).exists()
    assert problem.events.filter(action=Action.REOPENED).get().details["source"] == Source.SUPERVISION


def test_town_cadre_file_is_refused_outside_self_check_and_outside_its_town(places, users, tmp_path):
    cadre = users[Role.TOWN_CADRE]
    path = write_xlsx(tmp_path / "清单.xlsx", good_rows(places))
    with pytest.raises(workflow.StepRefused) as refused:
        run_import(path, cadre, source=Source.CENSUS)
    assert refused.value.permission
    report = run_import(path, cadre, source=Source.SELF_CHECK)  # h3 lies in the other town
    assert not report.written and not Problem.objects.exists()
    assert [e.row for e in report.errors] == [5]


def test_headers_with_spaces_and_full_width_brackets_and_no_code_column(places, users, tmp_path):
    header = [" 户 编号 ", "村（代码或名称）", "问题描述", "发现日期（年-月-日）"]
    rows = [[places["h1"].household_no, "", "入户走访发现收入核算不实", "2026年3月1日"]]
    path = write_csv(tmp_path / "l.csv", rows, header=header, encoding="utf-8")
    report = run_import(path, users[Role.INSPECTOR], source=Source.UNANNOUNCED)
    assert report.ok, [str(e) for e in report.errors]
    problem = Problem.objects.get()
    assert problem.code == "OTHER" and problem.sources.get().found_on == dt.date(2026, 3, 1)


def test_a_file_without_a_target_column_is_refused_whole(users, tmp_path, county):
    path = write_csv(tmp_path / "l.csv", [["NO_HELPER", "x"]], header=["问题代码", "问题描述"])
    report = run_import(path, users[Role.COUNTY_ADMIN])
    assert not report.ok and report.errors[0].row is None
    assert not Problem.objects.exists()


def test_dates_are_read_in_the_usual_ways():
    for text in ("2026-03-05", "2026/3/5", "2026.3.5", "2026年3月5日", "20260305", "2026-03-05 00:00:00"):
        assert intake_file.parse_date(text) == dt.date(2026, 3, 5), text
    assert intake_file.parse_date("2026-02-30") is None
    assert intake_file.parse_date("三月") is None
