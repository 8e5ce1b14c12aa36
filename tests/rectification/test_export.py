"""The problem ledger export: exact columns, one row per problem, values and labels, masking by role,
CSV with BOM and without formulas, an .xlsx ready to print with a totals sheet, few queries."""

import csv
import datetime
import io
import re
import zipfile

import pytest
from django.http import HttpResponse
from django.utils import timezone, translation
from python_calamine import CalamineWorkbook

from huitoukan.accounts.masking import mask_id_number
from huitoukan.accounts.roles import Role
from huitoukan.rectification.choices import Category, Severity, Source, Status, TargetType
from huitoukan.rectification.exports import HEADERS, ExportFormatError, file_format_for, write_problems
from huitoukan.rectification.models import Problem, ProblemSource
from huitoukan.registry.choices import Relation
from tests.scope_fixtures import *  # county, users, fast_passwords

EXPECTED_HEADERS = [
    "问题编号", "问题代码", "问题类别", "严重程度", "县", "乡镇", "村", "户编号", "户主姓名", "姓名", "证件号码",
    "问题描述", "来源", "状态", "首次发现", "最近发现",
]
FIRST = datetime.datetime(2024, 3, 1, 1, 30, tzinfo=datetime.UTC)  # 09:30 in Asia/Shanghai
LAST = datetime.datetime(2024, 6, 2, 16, 45, tzinfo=datetime.UTC)  # 00:45 the next day there


def zh(choice) -> str:
    with translation.override("zh-hans"):
        return str(choice.label)


def add_problem(code, *, household=None, person=None, village=None, category=Category.DATA_QUALITY,
                severity=Severity.GENERAL, status=Status.OPEN, description="问题", sources=(Source.LOOKBACK,)):
    household = household or (person.household if person else None)
    village = village or household.village
    problem = Problem.objects.create(
        code=code,
        target_type=TargetType.PERSON if person else TargetType.HOUSEHOLD if household else TargetType.VILLAGE,
        target_key=person.source_key if person else household.household_no if household else village.code,
        category=category, severity=severity, title=code, description=description, status=status,
        household=household, person=person, county=village.parent.parent, town=village.parent, village=village,
        first_found_at=FIRST, last_found_at=LAST,
    )
    for source in sources:
        ProblemSource.objects.create(problem=problem, source=source)
    return problem


@pytest.fixture
def ledger(county):
    """Four problems: a person's (with formula-like text), a household's found by two sources,
    a village's, and a closed one in the second town."""
    t1, t2 = county.towns
    person = next(p for p in county.people if p.relation == Relation.SPOUSE and p.household.town_id == t1.pk)
    person.name = "=1+2"
    person.save()
    household = person.household
    household.head_name = "@SUM(A1)"
    household.save()
    other = next(h for h in county.households if h.town_id == t2.pk)
    return {
        "person": add_problem("ID_INVALID", person=person, description="-证件号码校验位错误",
                              severity=Severity.SERIOUS),
        "household": add_problem("GUARANTEE_HOUSING", household=other, category=Category.GUARANTEE,
                                 sources=(Source.CENSUS, Source.LOOKBACK)),
        "village": add_problem("MEASURE_IDENTICAL", village=county.villages_of(t1)[1],
                               category=Category.ASSISTANCE, severity=Severity.NOTICE, sources=(Source.SUPERVISION,)),
        "closed": add_problem("GUARANTEE_HOUSING", household=county.households_of(t2)[-1],
                              category=Category.GUARANTEE, status=Status.CLOSED),
    }


def export_csv(user=None, full=False, problems=None):
    out = io.BytesIO()
    count = write_problems(problems or Problem.objects.order_by("pk"), out, "csv", user=user, full_id_numbers=full)
    raw = out.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert count == len(rows) - 1
    return rows


def by_number(rows):
    return {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}


@pytest.mark.django_db
def test_columns_rows_and_values(ledger, users):
    rows = export_csv(users[Role.COUNTY_ADMIN])
    assert rows[0] == EXPECTED_HEADERS == HEADERS
    assert len(rows) == 1 + len(ledger)
    table = by_number(rows)
    assert set(table) == {p.number for p in ledger.values()}

    person_problem = ledger["person"]
    person = person_problem.person
    row = table[person_problem.number]
    assert re.fullmatch(r"WT\d{7}", row["问题编号"])
    assert row["问题代码"] == "ID_INVALID"
    assert row["问题类别"] == zh(Category.DATA_QUALITY)
    assert row["严重程度"] == zh(Severity.SERIOUS)
    assert (row["县"], row["乡镇"], row["村"]) == (
        person.household.county.name, person.household.town.name, person.household.village.name)
    assert row["户编号"] == person.household.household_no
    assert row["户主姓名"] == "'@SUM(A1)"  # neutralised, see below
    assert row["证件号码"] == person.id_number  # the county administrator sees it in full
    assert row["来源"] == zh(Source.LOOKBACK)
    assert row["状态"] == zh(Status.OPEN)
    assert (row["首次发现"], row["最近发现"]) == ("2024-03-01 09:30", "2024-06-03 00:45")

    household_row = table[ledger["household"].number]
    household = ledger["household"].household
    assert (household_row["户编号"], household_row["户主姓名"]) == (household.household_no, household.head_name)
    assert household_row["姓名"] == household_row["证件号码"] == ""
    # Every source, once each, in the vocabulary's order.
    assert household_row["来源"] == f"{zh(Source.LOOKBACK)}、{zh(Source.CENSUS)}"

    village_row = table[ledger["village"].number]
    assert village_row["村"] == ledger["village"].village.name and village_row["户编号"] == ""
    assert village_row["严重程度"] == zh(Severity.NOTICE)
    assert table[ledger["closed"].number]["状态"] == zh(Status.CLOSED)


@pytest.mark.django_db
def test_labels_are_chinese_whatever_language_is_active(ledger):
    with translation.override("en"):
        english = export_csv(full=True)
    assert english == export_csv(full=True)


@pytest.mark.django_db
@pytest.mark.parametrize("role, masked", [
    (Role.COUNTY_ADMIN, False), (Role.INSPECTOR, False), (Role.TOWN_CADRE, True), (Role.LEADER, True),
])
def test_id_numbers_follow_the_users_right(role, masked, ledger, users):
    person = ledger["person"].person
    row = by_number(export_csv(users[role]))[ledger["person"].number]
    assert row["证件号码"] == (mask_id_number(person.id_number) if masked else person.id_number)


@pytest.mark.django_db
def test_without_a_user_id_numbers_are_masked_unless_asked_in_full(ledger):
    person = ledger["person"].person
    assert by_number(export_csv())[ledger["person"].number]["证件号码"] == mask_id_number(person.id_number)
    assert by_number(export_csv(full=True))[ledger["person"].number]["证件号码"] == person.id_number


@pytest.mark.django_db
def test_csv_cells_cannot_be_formulas(ledger):
    row = by_number(export_csv(full=True))[ledger["person"].number]
    assert row["姓名"] == "'=1+2"
    assert row["户主姓名"] == "'@SUM(A1)"
    assert row["问题描述"] == "'-证件号码校验位错误"
    starts = {cell[:1] for data in export_csv(full=True)[1:] for cell in data}
    assert not starts & {"=", "+", "-", "@"}


@pytest.mark.django_db
def test_keeps_the_callers_filter_and_order(ledger):
    problems = Problem.objects.filter(code="GUARANTEE_HOUSING").order_by("-pk")
    rows = export_csv(problems=problems, full=True)
    assert [r[0] for r in rows[1:]] == [ledger["closed"].number, ledger["household"].number]


@pytest.mark.django_db
def test_queries_do_not_grow_with_rows(county, django_assert_max_num_queries):
    for household in county.households:  # 12 households, 12 problems
        add_problem("CAUSE_MISSING", household=household, sources=(Source.LOOKBACK, Source.SELF_CHECK))
    for person in county.people[:30]:
        add_problem("ID_SEX_MISMATCH", person=person)
    with django_assert_max_num_queries(2):  # the problems, then their sources: one chunk
        assert len(export_csv(full=True)) == 1 + 42


def read_xlsx(path):
    book = CalamineWorkbook.from_path(str(path))
    return book, {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


@pytest.mark.django_db
def test_xlsx_ledger_and_totals(ledger, users, tmp_path):
    # Two more in the first town, so that totals have something to add up.
    t1 = county_of(ledger).towns[0]
    for household in county_of(ledger).households_of(t1)[:2]:
        add_problem("CAUSE_MISSING", household=household)
    path = tmp_path / "问题台账.xlsx"
    count = write_problems(Problem.objects.order_by("pk"), path, "xlsx", user=users[Role.TOWN_CADRE])
    assert count == 6

    book, sheets = read_xlsx(path)
    assert book.sheet_names == ["问题台账", "汇总"]
    ledger_rows = sheets["问题台账"]
    assert "问题台账" in ledger_rows[0][0]
    assert ledger_rows[1] == EXPECTED_HEADERS
    data = ledger_rows[2:]
    assert len(data) == 6
    as_csv = by_number(export_csv(users[Role.TOWN_CADRE]))
    for row in data:
        expected = as_csv[row[0]]
        # ID numbers and household numbers stay text (Excel would round an 18-digit number).
        assert row[7] == expected["户编号"] and row[10] == expected["证件号码"]
        assert isinstance(row[7], str) and isinstance(row[10], str)
        # Text is written as text, never as a formula: no quote is needed in the workbook.
        assert row[9] == expected["姓名"].removeprefix("'")
        assert row[14] == datetime.datetime(2024, 3, 1, 9, 30)
        assert row[15] == datetime.datetime(2024, 6, 3, 0, 45)
    masked_id = next(r[10] for r in data if r[0] == ledger["person"].number)
    assert masked_id == mask_id_number(ledger["person"].person.id_number)

    totals = sheets["汇总"]
    header = totals[1]
    assert header[0] == "乡镇" and header[-1] == "合计"
    assert header[1:-1] == ["CAUSE_MISSING", "GUARANTEE_HOUSING", "ID_INVALID", "MEASURE_IDENTICAL"]
    town_rows = {r[0]: r[1:] for r in totals[2:-1]}
    t2 = county_of(ledger).towns[1]
    assert list(town_rows) == [t1.name, t2.name]  # by town code
    assert town_rows[t1.name] == [2, 0, 1, 1, 4]
    assert town_rows[t2.name] == [0, 2, 0, 0, 2]
    assert totals[-1] == ["合计", 2, 2, 1, 1, 6]


def county_of(ledger):
    return _County(ledger["person"].household.county)


class _County:
    """The towns and households of the fixture's county, read back from the database."""

    def __init__(self, county):
        from huitoukan.registry.models import Household, Region

        self.towns = list(Region.objects.filter(parent=county).order_by("code"))
        self._households = list(Household.objects.filter(county=county).order_by("household_no"))

    def households_of(self, town):
        return [h for h in self._households if h.town_id == town.pk]


@pytest.mark.django_db
def test_xlsx_is_ready_to_print(ledger, tmp_path):
    path = tmp_path / "ledger.xlsx"
    write_problems(Problem.objects.all(), path, "xlsx", full_id_numbers=True)
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        workbook = archive.read("xl/workbook.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    assert re.search(r'<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>', sheet)
    assert '<autoFilter ref="A2:P6"/>' in sheet
    assert 'orientation="landscape"' in sheet and 'paperSize="9"' in sheet
    assert 'fitToHeight="0"' in sheet and '<pageSetUpPr fitToPage="1"/>' in sheet
    assert "_xlnm.Print_Titles" in workbook and ">问题台账!$2:$2<" in workbook
    assert re.search(r'<col min="12" max="12" width="6\d', sheet)  # 问题描述 is wide
    assert 'formatCode="@"' in styles
    assert "<b/>" in styles


@pytest.mark.django_db
def test_empty_ledger_still_makes_both_files(db, tmp_path):
    assert write_problems(Problem.objects.all(), tmp_path / "e.xlsx", "xlsx") == 0
    _book, sheets = read_xlsx(tmp_path / "e.xlsx")
    assert sheets["问题台账"][1] == EXPECTED_HEADERS
    assert sheets["汇总"][-1][0] == "合计"
    assert export_csv() == [EXPECTED_HEADERS]


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_writes_into_an_http_response(file_format, ledger):
    """What the web list does: the response is the file object."""
    response = HttpResponse()
    assert write_problems(Problem.objects.all(), response, file_format, full_id_numbers=True) == len(ledger)
    if file_format == "xlsx":
        book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        assert len(book.get_sheet_by_name("问题台账").to_python()) == 2 + len(ledger)
    else:
        assert response.content.startswith(b"\xef\xbb\xbf")
        assert len(response.content.decode("utf-8-sig").splitlines()) == 1 + len(ledger)


@pytest.mark.parametrize("name, expected", [("a.xlsx", "xlsx"), ("B.CSV", "csv"), ("台账.Xlsx", "xlsx")])
def test_format_from_extension(name, expected):
    assert file_format_for(name) == expected


@pytest.mark.parametrize("name", ["ledger.txt", "ledger.xls", "ledger", "ledger.csv.gz"])
def test_other_extensions_are_refused_clearly(name):
    with pytest.raises(ExportFormatError) as error:
        file_format_for(name)
    assert name in str(error.value) and ".xlsx" in str(error.value) and ".csv" in str(error.value)


@pytest.mark.django_db
def test_unknown_format_is_refused_before_writing(tmp_path):
    with pytest.raises(ExportFormatError):
        write_problems(Problem.objects.all(), tmp_path / "x.txt", "txt")
    assert not (tmp_path / "x.txt").exists()


@pytest.mark.django_db
def test_times_are_the_installations_clock(ledger, settings):
    settings.TIME_ZONE = "UTC"
    with timezone.override("UTC"):
        row = by_number(export_csv(full=True))[ledger["person"].number]
    assert row["首次发现"] == "2024-03-01 01:30"


@pytest.mark.django_db
def test_an_id_number_quoted_in_the_description_is_masked_like_the_column(ledger, users):
    problem = ledger["person"]
    number = problem.person.id_number
    Problem.objects.filter(pk=problem.pk).update(description=f"证件号码{number}与性别不符")
    masked = by_number(export_csv(users[Role.TOWN_CADRE]))[problem.number]["问题描述"]
    assert number not in masked and mask_id_number(number) in masked
    assert number in by_number(export_csv(users[Role.COUNTY_ADMIN]))[problem.number]["问题描述"]
    assert number in by_number(export_csv(full=True))[problem.number]["问题描述"]
