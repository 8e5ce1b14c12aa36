"""Problems about people outside the registry (target type resident, ENTRY_MISSED) in the ledger and
on its pages: a real dibao load, the real rule on the engine, the real ledger writer.

- a rerun changes nothing; a resident dropped from the list is "no longer found"; a town's run
  reconciles only residents placed in that town;
- the problem lies in the town and village the address names (else the county) and is scoped so:
  a town cadre of another town gets 404;
- the page says who (name, ID number masked per role, address), which load and row, and why; the
  list and the export do not break on a problem without a household."""

import datetime as dt

import pyarrow as pa
import pytest
from django.urls import reverse

from huitoukan.accounts import pseudonyms
from huitoukan.accounts.masking import mask_id_number
from huitoukan.accounts.roles import Role
from huitoukan.datasets.loading.service import load_dataset
from huitoukan.datasets.models import DatasetLoad
from huitoukan.datasets.tables import load_table
from huitoukan.lookback.catalog import load_rules
from huitoukan.lookback.engine import prepare, run_rules
from huitoukan.lookback.engine.residents import resident_key
from huitoukan.lookback.engine.schema import DATASET_SCHEMAS
from huitoukan.lookback.engine.testing import POLICY_DEFAULTS, _make_id
from huitoukan.lookback.models import Run
from huitoukan.lookback.snapshot import take_snapshot
from huitoukan.rectification.choices import TargetType
from huitoukan.rectification.ledger import record_findings
from huitoukan.rectification.models import Problem
from tests.datasets.files import write_csv
from tests.scope_fixtures import *

AS_OF = dt.date(2020, 12, 31)
HEADER = ["证件号码", "姓名", "户籍地址", "救助类别", "开始日期", "终止日期"]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "uploads"


def outsider_id(serial: int) -> str:
    return _make_id(dt.date(1980, 1, 1), "male", 700 + serial)  # a valid number nobody in the county holds


def dibao_load(tmp_path, rows, name="dibao.csv") -> DatasetLoad:
    report = load_dataset(write_csv(tmp_path / name, HEADER, rows), "dibao", as_of=AS_OF)
    assert not report.errors, report.errors[:3]
    return DatasetLoad.objects.get(pk=report.load_id)


def entry_missed():
    return load_rules(known_parameters=POLICY_DEFAULTS, codes=["ENTRY_MISSED"])[0]


def run_entry_missed(load: DatasetLoad, region=None) -> Run:
    """ENTRY_MISSED over the registry (or `region`'s part of it) and `load`'s records as unlinked
    records (nobody in them is in the registry), written into the ledger as a look-back run does."""
    rule = entry_missed()
    snapshot = take_snapshot(region)
    records = load_table(load)
    n = records.num_rows
    records = records.append_column("person_id", pa.nulls(n, pa.int64())).append_column("link", pa.nulls(n, pa.string()))
    tables = {**prepare(snapshot.tables, AS_OF), "dibao": records}
    for kind in ("disability", "medical_cost"):
        tables[kind] = DATASET_SCHEMAS[kind].empty_table()
    parameters = {**POLICY_DEFAULTS, "as_of": AS_OF, "year": AS_OF.year}
    result = run_rules(tables, [rule], parameters, pseudonym_key=pseudonyms.key())
    run = Run.objects.create(as_of=AS_OF, region=region, state=Run.State.RUNNING,
                             rule_versions={rule.code: rule.fingerprint})
    outcome = record_findings(run, result.findings, [rule])
    run.new_problems, run.no_longer_found = outcome["new"], outcome["no_longer_found"]
    return run


@pytest.fixture
def places(county):
    t1, t2 = county.towns
    v2 = county.villages_of(t2)[0]
    return {"t1": t1, "t2": t2, "v2": v2,
            "in_t1": f"{county.county.name}{t1.name}某组",
            "in_v2": f"{county.county.name}{t2.name}{v2.name}5号",
            "nowhere": "外省某县某街道"}


@pytest.fixture
def listed(county, places, tmp_path):
    rows = [[outsider_id(1), "外甲", places["in_t1"], "农村低保", "2019-01-01", ""],
            [outsider_id(2), "外乙", places["in_v2"], "特困供养", "2019-01-01", ""],
            [outsider_id(3), "外丙", places["nowhere"], "农村低保", "2019-01-01", ""],
            [outsider_id(2), "外乙", places["in_v2"], "农村低保", "2020-01-01", ""]]  # a second record: one person
    load = dibao_load(tmp_path, rows)
    run = run_entry_missed(load)
    problems = {p.values["name"]: p for p in Problem.objects.filter(code="ENTRY_MISSED")}
    return {"load": load, "run": run, "problems": problems, "rows": rows}


def test_a_resident_problem_is_keyed_by_the_hash_and_placed_by_the_address(county, places, listed):
    problems = listed["problems"]
    assert set(problems) == {"外甲", "外乙", "外丙"} and listed["run"].new_problems == 3
    for name, serial in (("外甲", 1), ("外乙", 2), ("外丙", 3)):
        problem = problems[name]
        assert problem.target_type == TargetType.RESIDENT and problem.target_key == resident_key(outsider_id(serial), pseudonyms.key())
        assert problem.household is None and problem.person is None
        assert outsider_id(serial) not in problem.description and outsider_id(serial) not in str(problem.values)
    t1, t2, v2 = places["t1"], places["t2"], places["v2"]
    assert (problems["外甲"].county, problems["外甲"].town, problems["外甲"].village) == (county.county, t1, None)
    assert (problems["外乙"].county, problems["外乙"].town, problems["外乙"].village) == (county.county, t2, v2)
    assert (problems["外丙"].county, problems["外丙"].town, problems["外丙"].village) == (county.county, None, None)


def test_a_rerun_changes_nothing_and_a_resident_off_the_list_is_no_longer_found(county, places, listed, tmp_path):
    again = run_entry_missed(listed["load"])
    assert (again.new_problems, again.no_longer_found) == (0, 0)
    assert Problem.objects.filter(code="ENTRY_MISSED").count() == 3

    # The next month's list: 外甲's benefit ended; 外乙 and 外丙 are still on it.
    rows = [list(r) for r in listed["rows"]]
    rows[0][5] = "2020-10-31"
    later = run_entry_missed(dibao_load(tmp_path, rows, "dibao_later.csv"))
    assert (later.new_problems, later.no_longer_found) == (0, 1)
    gone = Problem.objects.get(pk=listed["problems"]["外甲"].pk)
    assert not gone.still_found and gone.not_found_by_id == later.pk and gone.status == "open"
    assert all(p.still_found for p in Problem.objects.filter(code="ENTRY_MISSED").exclude(pk=gone.pk))


def test_a_town_run_reconciles_only_the_residents_placed_in_that_town(county, places, listed, tmp_path):
    # Nobody is on the list any more; the first town's run may only say so of the first town's residents.
    empty = dibao_load(tmp_path, [[outsider_id(9), "外癸", "外省某地", "临时救助", "2019-01-01", ""]], "empty.csv")
    town_run = run_entry_missed(empty, region=places["t1"])
    assert town_run.no_longer_found == 1
    problems = {p.values["name"]: p for p in Problem.objects.filter(code="ENTRY_MISSED")}
    assert not problems["外甲"].still_found
    assert problems["外乙"].still_found and problems["外丙"].still_found

    # A town's run finds only the residents placed in it.
    run_entry_missed(listed["load"], region=places["t2"])
    problems = {p.values["name"]: p for p in Problem.objects.filter(code="ENTRY_MISSED")}
    assert problems["外乙"].last_run_id != listed["run"].pk and problems["外丙"].last_run_id == listed["run"].pk


def test_scope_and_the_problem_page(county, places, listed, users, client_for):
    problems = listed["problems"]
    in_t2, in_county = problems["外乙"], problems["外丙"]
    cadre = users[Role.TOWN_CADRE]  # the first town's
    url = lambda p: reverse("rectification:problem_detail", args=[p.pk])
    assert client_for(cadre).get(url(in_t2)).status_code == 404  # another town's resident
    assert client_for(cadre).get(url(in_county)).status_code == 404  # placed in the county only
    assert client_for(cadre).get(url(problems["外甲"])).status_code == 200

    number = outsider_id(2)
    full = client_for(users[Role.COUNTY_ADMIN]).get(url(in_t2))
    assert full.status_code == 200
    html = full.content.decode()
    assert number in html and "外乙" in html and places["in_v2"] in html
    resident = full.context["resident"]
    assert resident.dataset == "dibao" and resident.load_id == listed["load"].pk and resident.row_number == 3
    assert reverse("datasets:load_detail", args=[listed["load"].pk]) in html
    masked = client_for(users[Role.LEADER]).get(url(in_t2)).content.decode()
    assert number not in masked and mask_id_number(number) in masked

    listing = client_for(users[Role.COUNTY_ADMIN]).get(reverse("rectification:problem_list") + "?code=ENTRY_MISSED")
    assert listing.status_code == 200 and "外丙" in listing.content.decode()
    cadre_list = client_for(cadre).get(reverse("rectification:problem_list")).content.decode()
    assert "外乙" not in cadre_list and "外丙" not in cadre_list


def test_exports_and_the_api_take_a_problem_without_a_household(county, listed, users, client_for):
    admin = client_for(users[Role.COUNTY_ADMIN])
    csv_text = admin.get(reverse("rectification:problem_export", args=["csv"]) + "?code=ENTRY_MISSED")
    assert csv_text.status_code == 200
    body = csv_text.content.decode("utf-8-sig")
    assert "外甲" in body and outsider_id(1) not in body
    assert admin.get(reverse("rectification:ledger_xlsx") + "?code=ENTRY_MISSED").status_code == 200
    api = admin.get("/api/problems/", {"code": "ENTRY_MISSED"})
    assert api.status_code == 200
    rows = api.json()["results"]
    assert len(rows) == 3
    resident = rows[0]
    assert resident["target_type"] == "resident" and resident["household"] is None and resident["person"] is None
