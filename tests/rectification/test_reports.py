"""Self-check vs census and the rectification rates, counted on built scenarios with exact numbers."""

import datetime
import json
from types import SimpleNamespace

import pyarrow as pa
import pytest
from django.utils import timezone

from huitoukan.accounts.roles import Role
from huitoukan.lookback.engine.schema import FINDING_SCHEMA
from huitoukan.rectification import reports
from huitoukan.rectification.choices import Action, Source, Status
from huitoukan.rectification.ledger import record_findings
from huitoukan.rectification.models import Problem, ProblemEvent, ProblemSource
from huitoukan.rectification.recurrence import found_again
from tests.factories import make_user
from tests.rectification.test_pages import make_problem, make_run
from tests.scope_fixtures import *

pytestmark = pytest.mark.django_db
ROUND = "2020年第一轮"


def add_source(problem, source, round=ROUND):
    ProblemSource.objects.create(problem=problem, source=source, round=round)


@pytest.fixture
def scenario(county, users):
    """Town A: the census of ROUND found p1, p2, p3; A's self-check of ROUND found p1 (and p4, which
    the census did not find); p5 was found by the census of another round; p6 was closed and a
    look-back run found it again. Town B: one look-back problem, nothing missed."""
    a, b = county.towns
    ha = county.households_of(a)
    p1 = make_problem("NO_HELPER", household=ha[0], source=Source.CENSUS)
    ProblemSource.objects.filter(problem=p1).update(round=ROUND)
    add_source(p1, Source.SELF_CHECK)
    p2 = make_problem("NO_HELPER", household=ha[1], source=Source.CENSUS)
    ProblemSource.objects.filter(problem=p2).update(round=ROUND)
    p3 = make_problem("NO_HELPER", household=ha[2], source=Source.CENSUS)
    ProblemSource.objects.filter(problem=p3).update(round=ROUND)
    add_source(p3, Source.SUPERVISION)  # found twice from outside: still one problem missed
    p4 = make_problem("NO_HELPER", household=ha[3], source=Source.SELF_CHECK)
    ProblemSource.objects.filter(problem=p4).update(round=ROUND)
    p5 = make_problem("NO_HELPER", household=ha[4], source=Source.CENSUS)
    ProblemSource.objects.filter(problem=p5).update(round="2019年")
    run = make_run(region=county.county, counts={"NO_HELPER": 1})
    p6 = make_problem("NO_HELPER", household=ha[5], run=run, status=Status.CLOSED)
    Problem.objects.filter(pk=p6.pk).update(closed_at=timezone.now(), closed_by=users[Role.INSPECTOR])
    again = make_run(region=county.county, counts={"NO_HELPER": 1})
    findings = pa.Table.from_pylist([{
        "code": "NO_HELPER", "target_type": "household", "target_key": ha[5].household_no,
        "household_id": ha[5].pk, "person_id": None, "village_code": ha[5].village.code, "severity": "general",
        "message": "无帮扶责任人", "values": json.dumps({}),
    }], schema=FINDING_SCHEMA)
    rules = [SimpleNamespace(code="NO_HELPER", category="data_quality", title="无帮扶责任人")]
    assert record_findings(again, findings, rules)["reopened"] == 1
    q = make_problem("NO_HELPER", household=county.households_of(b)[0])
    return SimpleNamespace(a=a, b=b, p=[None, p1, p2, p3, p4, p5, p6], b_problem=q, run=again)


def counts(row):
    return (row.outside_found, row.missed, row.selfcheck_found, row.found_again_round, row.found_again_ever)


def test_selfcheck_gaps_per_town(scenario, users):
    report = reports.selfcheck_gaps(users[Role.COUNTY_ADMIN], ROUND)

    assert [r.town for r in report.rows] == [scenario.a, scenario.b]
    a, b = report.rows
    assert counts(a) == (3, 2, 2, 0, 1)
    assert a.missed_share == pytest.approx(2 / 3)
    assert counts(b) == (0, 0, 0, 0, 0) and b.missed_share is None  # clean, and no division by zero
    assert counts(report.total) == (3, 2, 2, 0, 1)
    # The run's REOPENED event names the run, not a round.
    event = ProblemEvent.objects.get(problem=scenario.p[6], action=Action.REOPENED)
    assert event.details["run"] == scenario.run.pk and "round" not in event.details
    missed = reports.missed_problems(users[Role.COUNTY_ADMIN], ROUND)
    assert set(missed) == {scenario.p[2], scenario.p[3]}
    rows = reports.missed_rows(missed, ROUND)
    assert dict(rows)[scenario.p[3]] == [Source.CENSUS, Source.SUPERVISION]
    assert list(reports.missed_problems(users[Role.COUNTY_ADMIN], ROUND, town_id=scenario.b.pk)) == []


def test_found_again_in_a_round_is_counted_for_that_round(scenario, users):
    p1 = scenario.p[1]
    Problem.objects.filter(pk=p1.pk).update(status=Status.FIXED)
    p1.refresh_from_db()
    assert found_again(p1, users[Role.INSPECTOR], {"source": Source.CENSUS, "round": ROUND}) == Action.FOUND_AGAIN
    p2 = scenario.p[2]
    Problem.objects.filter(pk=p2.pk).update(status=Status.CLOSED)
    p2.refresh_from_db()
    assert found_again(p2, users[Role.INSPECTOR], {"source": Source.CENSUS, "round": "2021年"}) == Action.REOPENED

    a = reports.selfcheck_gaps(users[Role.COUNTY_ADMIN], ROUND).rows[0]
    assert (a.found_again_round, a.found_again_ever) == (1, 3)
    other = reports.selfcheck_gaps(users[Role.COUNTY_ADMIN], "2021年").rows[0]
    assert (other.outside_found, other.found_again_round, other.found_again_ever) == (0, 1, 3)


def test_a_town_cadre_sees_only_their_town(scenario, users):
    report = reports.selfcheck_gaps(users[Role.TOWN_CADRE], ROUND)
    assert [r.town for r in report.rows] == [scenario.a]
    assert counts(report.total) == (3, 2, 2, 0, 1)

    town_b = make_user("cadre_b", Role.TOWN_CADRE, [scenario.b])
    report_b = reports.selfcheck_gaps(town_b, ROUND)
    assert [r.town for r in report_b.rows] == [scenario.b]
    assert counts(report_b.total) == (0, 0, 0, 0, 0)
    assert list(reports.missed_problems(town_b, ROUND)) == []
    # Rounds come from problems in scope only: town B's cadre has none.
    assert reports.selfcheck_rounds(town_b) == []
    assert reports.selfcheck_rounds(users[Role.COUNTY_ADMIN]) == [ROUND, "2019年"]


def test_other_sources_can_be_chosen(scenario, users):
    only_supervision = reports.selfcheck_gaps(users[Role.COUNTY_ADMIN], ROUND, sources=[Source.SUPERVISION])
    assert counts(only_supervision.rows[0])[:2] == (1, 1)


# ---- rates --------------------------------------------------------------------------------------

@pytest.fixture
def rated(county):
    """Town A: 2 open (one overdue), 1 in progress, 1 fixed, 2 closed (one recurring). Town B: none."""
    a = county.towns[0]
    ha = county.households_of(a)
    today = timezone.localdate()
    statuses = [Status.OPEN, Status.OPEN, Status.IN_PROGRESS, Status.FIXED, Status.CLOSED, Status.CLOSED]
    problems = [make_problem("NO_HELPER", household=h, status=s) for h, s in zip(ha, statuses)]
    Problem.objects.filter(pk=problems[0].pk).update(deadline=today - datetime.timedelta(days=1))
    Problem.objects.filter(pk=problems[1].pk).update(deadline=today)  # due today: not overdue yet
    # A fix awaiting verification past its deadline is the county's turn: not overdue.
    Problem.objects.filter(pk=problems[3].pk).update(deadline=today - datetime.timedelta(days=5))
    Problem.objects.filter(pk=problems[5].pk).update(recurring=True, recurrence_count=1)
    return problems


def rate_counts(row):
    return (row.total, row.open, row.in_progress, row.fixed, row.closed, row.overdue, row.recurring)


def test_rates_per_town(rated, county, users):
    rows = reports.rectification_rates(users[Role.COUNTY_ADMIN], "town")
    a, b = county.towns
    assert [r.region for r in rows] == [a, b]  # B has nothing to rank: last
    assert rate_counts(rows[0]) == (6, 2, 1, 1, 2, 1, 1)
    assert rows[0].rectified_rate == pytest.approx(3 / 6)
    assert rows[0].closed_rate == pytest.approx(2 / 6)
    assert rate_counts(rows[1]) == (0,) * 7
    assert rows[1].rectified_rate is None and rows[1].closed_rate is None
    assert rate_counts(reports.total_row(rows)) == (6, 2, 1, 1, 2, 1, 1)


def test_rates_per_village_and_scope(rated, county, users):
    a = county.towns[0]
    v1, v2 = county.villages_of(a)
    rows = reports.rectification_rates(users[Role.COUNTY_ADMIN], "village", town_id=a.pk)
    by_village = {r.region: r for r in rows}
    assert set(by_village) == {v1, v2}
    # Three households a village: v1 holds open, open, in progress; v2 fixed, closed, closed.
    assert rate_counts(by_village[v1]) == (3, 2, 1, 0, 0, 1, 0)
    assert rate_counts(by_village[v2]) == (3, 0, 0, 1, 2, 0, 1)
    assert by_village[v1].closed_rate == 0 and by_village[v2].closed_rate == pytest.approx(2 / 3)
    assert [r.region for r in rows] == [v1, v2]  # worst closure rate first

    village_user = users[Role.VILLAGE_CADRE]  # v1 only
    assert [(r.region, r.total) for r in reports.rectification_rates(village_user, "village", town_id=a.pk)] == [
        (v1, 3)]
    with pytest.raises(ValueError):
        reports.rectification_rates(village_user, "county")


def test_rates_of_an_empty_ledger(county, users):
    rows = reports.rectification_rates(users[Role.COUNTY_ADMIN], "town")
    assert [rate_counts(r) for r in rows] == [(0,) * 7, (0,) * 7]
    assert all(r.closed_rate is None and r.rectified_rate is None for r in rows)
    total = reports.scope_totals(users[Role.COUNTY_ADMIN])
    assert total.total == 0 and total.closed_rate is None


def test_selfcheck_command(scenario, tmp_path):
    from python_calamine import CalamineWorkbook
    from typer.testing import CliRunner

    from huitoukan.cli import app

    path = tmp_path / "自查.xlsx"
    result = CliRunner().invoke(app, ["problems", "selfcheck", str(path), "--round", ROUND])
    assert result.exit_code == 0, result.output
    book = CalamineWorkbook.from_path(str(path))
    assert book.get_sheet_by_name("汇总").to_python()[2][:3] == [scenario.a.name, 3, 2]
    assert {r[0] for r in book.get_sheet_by_name("自查未发现").to_python()[2:]} == {
        scenario.p[2].number, scenario.p[3].number}
    bad = CliRunner().invoke(app, ["problems", "selfcheck", str(tmp_path / "x.xlsx"), "--round", "没有这一轮"])
    assert bad.exit_code == 1 and not (tmp_path / "x.xlsx").exists()
