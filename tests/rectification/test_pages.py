"""The problem ledger's pages: list, filters, search, masking, the problem page, the export.

Problems are made through the ORM over the factories' small county (what the look-back's ledger
writes); the look-back pages' tests reuse `make_run` and `make_problem`."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from huitoukan.accounts.masking import mask_id_number
from huitoukan.accounts.models import ExportLog
from huitoukan.accounts.roles import Role
from huitoukan.lookback.models import Finding, Run
from huitoukan.rectification.exports import HEADERS
from huitoukan.rectification.models import Problem, ProblemSource
from huitoukan.registry.models import Household
from tests.scope_fixtures import *

TITLES = {"ID_INVALID": "证件号码无效", "NO_HELPER": "无帮扶责任人", "GUARANTEE_HOUSING": "住房不安全",
          "BORDERLINE": "边缘户", "HEAD_MISSING": "无户主"}
CATEGORIES = {"ID_INVALID": "data_quality", "NO_HELPER": "data_quality", "GUARANTEE_HOUSING": "guarantee",
              "BORDERLINE": "monitoring", "HEAD_MISSING": "data_quality"}


def make_run(*, region=None, user=None, state=Run.State.DONE, as_of=dt.date(2020, 12, 31), counts=None, **extra):
    done = state in (Run.State.DONE, Run.State.FAILED)
    counts = counts or {}
    return Run.objects.create(
        state=state, as_of=as_of, region=region, created_by=user, counts_by_rule=counts,
        rule_versions={code: "v1:0123456789ab" for code in counts}, findings_count=sum(counts.values()),
        started_at=timezone.now(), finished_at=timezone.now() if done else None, duration=2.5 if done else None,
        **extra,
    )


def make_problem(code, *, household=None, person=None, run=None, severity="general", status="open",
                 still_found=True, description=None, values=None, source="lookback", found=None):
    household = household or person.household
    found = found or timezone.now()
    problem = Problem.objects.create(
        code=code, target_type="person" if person else "household",
        target_key=person.source_key if person else household.household_no,
        category=CATEGORIES.get(code, "data_quality"), severity=severity, title=TITLES.get(code, code),
        description=description or f"{household.head_name}户：{TITLES.get(code, code)}", values=values or {},
        household=household, person=person, county_id=household.county_id, town_id=household.town_id,
        village_id=household.village_id, status=status, still_found=still_found, first_found_at=found,
        last_found_at=found, first_run=run, last_run=run,
    )
    ProblemSource.objects.create(problem=problem, source=source, run=run if source == "lookback" else None,
                                 round="" if source == "lookback" else "2020年乡镇自查")
    if run is not None:
        Finding.objects.create(run=run, problem=problem, code=code, severity=severity, message=problem.description,
                               values=problem.values)
    return problem


def id_problem(person, run=None):
    """An ID_INVALID problem whose message and values carry the full ID number, as the rule's do."""
    return make_problem(
        "ID_INVALID", person=person, run=run,
        description=f"{person.name}的证件号码“{person.id_number}”无效（校验码错误）",
        values={"name": person.name, "id_number": person.id_number, "id_invalid_reason": "校验码错误"},
    )


@pytest.fixture
def ledger(county, users):
    """A run over the county and a few problems in both towns."""
    run = make_run(region=county.county, user=users[Role.COUNTY_ADMIN],
                   counts={"ID_INVALID": 2, "NO_HELPER": 1, "GUARANTEE_HOUSING": 1})
    t1, t2 = county.towns
    h1, h2 = county.households_of(t1)[0], county.households_of(t1)[-1]  # two villages of the first town
    h3 = county.households_of(t2)[0]
    p1 = h1.members.order_by("pk").first()
    p3 = h3.members.order_by("pk").first()
    return {
        "run": run,
        "id_t1": id_problem(p1, run),
        "helper_t1": make_problem("NO_HELPER", household=h2, run=run),
        "house_t1": make_problem("GUARANTEE_HOUSING", household=h1, severity="serious", status="in_progress",
                                 still_found=False, source="self_check"),
        "id_t2": id_problem(p3, run),
        "housing_t2": make_problem("GUARANTEE_HOUSING", household=h3, run=run, severity="serious"),
    }


def rows(response):
    return {p.pk for p in response.context["page"].object_list}


def list_url(**params):
    from urllib.parse import urlencode

    return reverse("rectification:problem_list") + ("?" + urlencode(params) if params else "")


def test_list_shows_the_county_to_its_administrator(ledger, users, client_for):
    response = client_for(users[Role.COUNTY_ADMIN]).get(list_url())
    assert response.status_code == 200
    assert rows(response) == {p.pk for p in ledger.values() if isinstance(p, Problem)}
    html = response.content.decode()
    assert ledger["id_t1"].number in html and "ID_INVALID" in html


@pytest.mark.parametrize("params, expected", [
    ({"code": "ID_INVALID"}, {"id_t1", "id_t2"}),
    ({"category": "guarantee"}, {"house_t1", "housing_t2"}),
    ({"severity": "serious"}, {"house_t1", "housing_t2"}),
    ({"status": "in_progress"}, {"house_t1"}),
    ({"source": "self_check"}, {"house_t1"}),
    ({"source": "lookback"}, {"id_t1", "helper_t1", "id_t2", "housing_t2"}),
    ({"found": "no"}, {"house_t1"}),
    ({"found": "yes", "category": "guarantee"}, {"housing_t2"}),
    ({"code": "GUARANTEE_HOUSING", "severity": "serious", "found": "yes"}, {"housing_t2"}),
])
def test_filters(params, expected, ledger, users, client_for):
    response = client_for(users[Role.COUNTY_ADMIN]).get(list_url(**params))
    assert rows(response) == {ledger[name].pk for name in expected}


def test_region_filters_and_the_run_filter(county, ledger, users, client_for):
    client = client_for(users[Role.COUNTY_ADMIN])
    t1, t2 = county.towns
    assert rows(client.get(list_url(town=t2.pk))) == {ledger["id_t2"].pk, ledger["housing_t2"].pk}
    village = ledger["helper_t1"].village
    assert rows(client.get(list_url(town=t1.pk, village=village.pk))) == {ledger["helper_t1"].pk}
    # The run page links to "what this run found": the self-check's problem is not among them.
    found = rows(client.get(list_url(run=ledger["run"].pk)))
    assert found == {ledger[n].pk for n in ("id_t1", "helper_t1", "id_t2", "housing_t2")}
    assert rows(client.get(list_url(run=ledger["run"].pk, town=t1.pk, category="data_quality"))) == {
        ledger["id_t1"].pk, ledger["helper_t1"].pk}


def test_search_by_household_number_head_name_and_problem_number(ledger, users, client_for):
    client = client_for(users[Role.COUNTY_ADMIN])
    household = ledger["helper_t1"].household
    assert rows(client.get(list_url(q=household.household_no))) == {ledger["helper_t1"].pk}
    # A person's problem is found by the household's number too.
    person_household = ledger["id_t1"].person.household
    assert rows(client.get(list_url(q=person_household.household_no))) == {ledger["id_t1"].pk, ledger["house_t1"].pk}
    same_head = set(Household.objects.filter(head_name=household.head_name).values_list("pk", flat=True))
    expected = {p.pk for p in Problem.objects.all() if (p.household_id or p.person.household_id) in same_head}
    assert rows(client.get(list_url(q=household.head_name))) == expected
    assert rows(client.get(list_url(q=ledger["housing_t2"].number))) == {ledger["housing_t2"].pk}
    assert rows(client.get(list_url(q="没有这个人"))) == set()


def test_htmx_gets_the_results_only(ledger, users, client_for):
    response = client_for(users[Role.COUNTY_ADMIN]).get(list_url(code="NO_HELPER"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results"') and "<html" not in html
    assert 'hx-swap-oob="true"' in html  # the village select follows the town
    assert response["Vary"].count("HX-Request") == 1


def test_pagination_keeps_the_filters(county, users, client_for):
    run = make_run(region=county.county)
    for household in county.households:
        for code in ("NO_HELPER", "HEAD_MISSING", "BORDERLINE", "ID_INVALID", "GUARANTEE_HOUSING"):
            make_problem(code, household=household, run=run)
    make_problem("HEAD_MULTIPLE", household=county.households[0], severity="serious", source="census")
    client = client_for(users[Role.COUNTY_ADMIN])
    first = client.get(list_url(severity="general"))
    total = 5 * len(county.households)
    assert first.context["page"].paginator.count == total and total > 50
    assert len(first.context["page"].object_list) == 50
    second = client.get(list_url(severity="general", page=2))
    assert 'href="?severity=general&amp;page=1"' in second.content.decode()
    assert len(rows(first) | rows(second)) == total


@pytest.mark.parametrize("role, masked", [(Role.TOWN_CADRE, True), (Role.LEADER, True), (Role.COUNTY_ADMIN, False),
                                          (Role.INSPECTOR, False)])
def test_id_numbers_are_masked_in_list_description_and_problem_page(role, masked, ledger, users, client_for):
    problem = ledger["id_t1"]
    full, hidden = problem.person.id_number, mask_id_number(problem.person.id_number)
    client = client_for(users[role])
    for url in (list_url(), reverse("rectification:problem_detail", args=[problem.pk])):
        html = client.get(url).content.decode()
        if masked:
            assert full not in html, url
            assert hidden in html, url
        else:
            assert full in html, url


@pytest.mark.parametrize("role, masked", [(Role.LEADER, True), (Role.TOWN_CADRE, False), (Role.COUNTY_ADMIN, False)])
def test_medical_amounts_are_health_data_on_problem_pages(role, masked, ledger, users, client_for):
    """A leader sees problems but not health data: the self-paid amounts of RISK_MEDICAL_COST (in
    the message and the values) and of a finding's text are masked for them, as on the early warning."""
    person = ledger["id_t1"].person
    problem = make_problem(
        "RISK_MEDICAL_COST", person=person,
        description=f"{person.name}2020年个人自付医疗费用23456.78元，达到大额标准20000.00元（医保医疗费用数据 导入批次3 第7行）",
        values={"name": person.name, "self_paid": "23456.78", "threshold": "20000.00", "dataset": "medical_cost",
                "link": "exact", "finding": "医保医疗费用数据中个人自付医疗费用31234.00元"})
    client = client_for(users[role])
    for url in (list_url(), reverse("rectification:problem_detail", args=[problem.pk])):
        html = client.get(url).content.decode()
        assert ("23456.78" in html) is not masked, url
    html = client.get(reverse("rectification:problem_detail", args=[problem.pk])).content.decode()
    assert ("31234.00" in html) is not masked
    assert "20000.00" in html  # the policy's threshold is not personal
    assert "医保医疗费用" in html and "证件号码一致" in html  # the dataset and the link by their labels
    assert ">medical_cost<" not in html and ">exact<" not in html


def test_masking_covers_id_numbers_the_person_does_not_hold(ledger, county, users, client_for):
    """ID_DUPLICATE-like messages name another record's number; it is masked too."""
    person = ledger["id_t1"].person
    other = "43990119800101123X"
    problem = make_problem("ID_DUPLICATE", person=person, description=f"与{other}重复，另见 {person.id_number}",
                           values={"other_id_number": other})
    html = client_for(users[Role.TOWN_CADRE]).get(
        reverse("rectification:problem_detail", args=[problem.pk])).content.decode()
    assert other not in html and mask_id_number(other) in html
    assert person.id_number not in html


def test_problem_page(ledger, users, client_for):
    problem = ledger["id_t1"]
    response = client_for(users[Role.COUNTY_ADMIN]).get(reverse("rectification:problem_detail", args=[problem.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    household = problem.person.household
    assert reverse("registry:household_detail", args=[household.pk]) in html
    assert household.head_name in html and household.village.name in html and problem.person.name in html
    assert reverse("lookback:run_detail", args=[ledger["run"].pk]) in html  # the run that found it
    assert problem.number in html and "校验码错误" in html
    assert [f.run_id for f in response.context["findings"]] == [ledger["run"].pk]
    labels = [label for _key, label, _value in response.context["values"]]
    assert "姓名" in [str(label) for label in labels]  # a Chinese label for a value key


def test_problem_page_lists_every_run_that_found_it(county, ledger, users, client_for):
    problem = ledger["housing_t2"]
    later = make_run(region=county.county, as_of=dt.date(2021, 6, 30))
    Finding.objects.create(run=later, problem=problem, code=problem.code, severity="serious", message="再次发现")
    response = client_for(users[Role.COUNTY_ADMIN]).get(reverse("rectification:problem_detail", args=[problem.pk]))
    assert [f.run_id for f in response.context["findings"]] == [later.pk, ledger["run"].pk]
    assert "再次发现" in response.content.decode()


@pytest.mark.parametrize("role", [Role.DATA_PROVIDER])
def test_roles_without_the_ledger_are_refused(role, ledger, users, client_for):
    client = client_for(users[role])
    assert client.get(list_url()).status_code == 403
    assert client.get(reverse("rectification:problem_detail", args=[ledger["id_t1"].pk])).status_code == 403


def test_anonymous_users_go_to_the_login_page(ledger, client):
    response = client.get(list_url())
    assert response.status_code == 302 and "/login/" in response["Location"]


# ---- export --------------------------------------------------------------------------------------


def export_url(fmt, **params):
    from urllib.parse import urlencode

    return reverse("rectification:problem_export", args=[fmt]) + ("?" + urlencode(params) if params else "")


def test_csv_export_follows_the_filters_and_is_logged(ledger, users, client_for):
    user = users[Role.COUNTY_ADMIN]
    response = client_for(user).get(export_url("csv", code="ID_INVALID"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == HEADERS
    assert sorted(r[0] for r in table[1:]) == sorted([ledger["id_t1"].number, ledger["id_t2"].number])
    assert ledger["id_t1"].person.id_number in text  # the administrator sees full numbers
    entry = ExportLog.objects.get()
    assert (entry.user, entry.what, entry.row_count, entry.file_format) == (user, "rectification.problems", 2, "csv")
    assert entry.filters == {"code": "ID_INVALID"} and entry.id_numbers_masked is False


def test_xlsx_export_of_a_town_cadre_is_masked_and_limited_to_the_town(county, ledger, users, client_for):
    from python_calamine import CalamineWorkbook

    user = users[Role.TOWN_CADRE]
    response = client_for(user).get(export_url("xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    sheet = book.get_sheet_by_index(0).to_python()
    header_row = next(i for i, r in enumerate(sheet) if r[0] == HEADERS[0])
    assert sheet[header_row] == HEADERS
    data = [r for r in sheet[header_row + 1:] if r[0]]
    assert {r[0] for r in data} == {ledger[n].number for n in ("id_t1", "helper_t1", "house_t1")}
    person = ledger["id_t1"].person
    ids = {r[HEADERS.index("证件号码")] for r in data} - {""}
    assert ids == {mask_id_number(person.id_number)}
    entry = ExportLog.objects.get()
    assert entry.user == user and entry.row_count == 3 and entry.id_numbers_masked is True


def test_export_needs_the_export_right(ledger, users, client_for):
    for role in (Role.LEADER, Role.VILLAGE_CADRE, Role.HELPER, Role.INSPECTOR):
        assert client_for(users[role]).get(export_url("csv")).status_code == 403, role
    assert not ExportLog.objects.exists()
    html = client_for(users[Role.LEADER]).get(list_url()).content.decode()
    assert reverse("rectification:problem_export", args=["csv"]) not in html
    html = client_for(users[Role.COUNTY_ADMIN]).get(list_url(code="NO_HELPER")).content.decode()
    assert export_url("xlsx", code="NO_HELPER").replace("&", "&amp;") in html


def test_unknown_export_format_is_404(ledger, users, client_for):
    assert client_for(users[Role.COUNTY_ADMIN]).get(export_url("txt")).status_code == 404
    assert not ExportLog.objects.exists()
