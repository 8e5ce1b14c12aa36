"""The early-warning page (datasets/warnings.py): on a small scenario of two counties and four
department files linked to the registry, the exact signals of March 2024 — in and out of the
registry, the threshold reached counts (≥) — the town of an unlinked record from its address, scope
(a county sees its own, never another county's; a town-level user sees no unlinked people), masking,
the export logged."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from huitoukan.accounts.masking import mask_id_number
from huitoukan.accounts.models import ExportLog
from huitoukan.accounts.roles import Role
from huitoukan.datasets import linking
from huitoukan.datasets.loading.service import load_dataset
from huitoukan.datasets.models import DatasetLoad
from huitoukan.datasets.warnings import (
    DEATH,
    HIGH_MEDICAL_COST,
    NEW_DIBAO,
    SEVERE_DISABILITY,
    UNKNOWN_TOWN,
    month_warnings,
    viewer_row,
)
from huitoukan.policy.models import PolicyProfile
from tests.factories import build_county, make_id_number, make_user

from .files import write_csv

pytestmark = pytest.mark.django_db

MARCH = dt.date(2024, 3, 1)
AS_OF = dt.date(2024, 4, 5)
HEAD = {"death": ["证件号码", "姓名", "死亡日期", "户籍地址"],
        "dibao": ["证件号码", "姓名", "救助类别", "开始日期", "户籍地址"],
        "disability": ["证件号码", "姓名", "残疾类别", "残疾等级", "户籍地址"],
        "medical_cost": ["证件号码", "姓名", "年度", "个人自付金额", "户籍地址"]}


def outsider(seq: int) -> str:
    """An ID number of the county nobody in the registry holds (registry births are in January)."""
    return make_id_number(dt.date(1950, 6, 15), seq, "male", prefix="439901")


@pytest.fixture
def scenario(tmp_path):
    a = build_county(seed=1)
    b = build_county(seed=2, code="439902", name="邻县")
    PolicyProfile.objects.create(year=2024, medical_cost_threshold=Decimal(30000))
    p = a.people
    town0, town1 = a.towns
    x = {n: outsider(n) for n in range(1, 6)}
    files = {
        "dibao": [
            [p[0].id_number, p[0].name, "农村低保", "2024-03-05", ""],        # signal, in the registry
            [x[1], "钱外一", "特困供养", "2024-03-31", f"示例县{town1.name}某村"],  # signal, not in it: town1
            [p[1].id_number, p[1].name, "低保", "2024-02-29", ""],            # February
            [x[2], "孙外二", "临时救助", "2024-03-10", ""],                     # neither dibao nor tekun
            [b.people[0].id_number, b.people[0].name, "低保", "2024-03-01", ""],  # the other county's
        ],
        "disability": [
            [p[2].id_number, p[2].name, "肢体", "一级", ""],                   # signal
            [p[3].id_number, p[3].name, "视力", "三级", ""],                   # grade 3
            [x[3], "李外三", "精神", "2", "外省某地"],                          # signal, town unknown
        ],
        "medical_cost": [
            [p[4].id_number, p[4].name, "2024", "20000.00", ""],              # 30000 summed: = threshold
            [p[4].id_number, p[4].name, "2024", "10000.00", ""],
            [p[5].id_number, p[5].name, "2024", "29999.99", ""],              # a cent short
            [p[6].id_number, p[6].name, "2023", "40000.00", ""],              # another year
            [x[4], "周外四", "2024", "30000", f"{town0.name}某村"],             # signal, not in it: town0
        ],
        "death": [
            [p[7].id_number, p[7].name, "2024-03-15", ""],                    # signal
            [x[5], "吴外五", "2024-03-20", f"{town0.name}"],                   # not in the registry: dropped
            [p[8].id_number, p[8].name, "2024-04-01", ""],                    # April
        ],
    }
    loads = {}
    for kind, rows in files.items():
        report = load_dataset(write_csv(tmp_path / f"{kind}.csv", HEAD[kind], rows), kind, as_of=AS_OF)
        assert not report.errors, report.errors[:3]
        loads[kind] = DatasetLoad.objects.get(pk=report.load_id)
        linking.link_load(loads[kind])
    return a, b, x, loads


def keyed(rows) -> dict[tuple, dict]:
    return {(r["signal"], r["name"]): r for r in rows}


def test_the_months_signals_exactly(scenario):
    a, _b, x, loads = scenario
    admin = make_user("admin_a", Role.COUNTY_ADMIN, [a.county])
    result = month_warnings(admin, MARCH)
    p, (town0, town1) = a.people, a.towns
    rows = keyed(result.rows)
    assert set(rows) == {
        (NEW_DIBAO, p[0].name), (NEW_DIBAO, "钱外一"), (SEVERE_DISABILITY, p[2].name), (SEVERE_DISABILITY, "李外三"),
        (HIGH_MEDICAL_COST, p[4].name), (HIGH_MEDICAL_COST, "周外四"), (DEATH, p[7].name),
    }
    assert result.threshold == Decimal(30000) and result.missing == []

    dibao = rows[(NEW_DIBAO, p[0].name)]
    assert dibao["in_registry"] and dibao["link"] == "exact"
    assert (dibao["household_id"], dibao["town"], dibao["town_key"]) == (
        p[0].household_id, p[0].household.town.name, str(p[0].household.town_id))
    assert (dibao["dataset"], dibao["load_id"], dibao["row_number"]) == ("dibao", loads["dibao"].pk, 2)
    assert dibao["event_date"] == dt.date(2024, 3, 5) and dibao["category"] == "农村低保"

    outside = rows[(NEW_DIBAO, "钱外一")]
    assert not outside["in_registry"] and outside["link"] is None and outside["household_id"] is None
    assert (outside["town"], outside["town_key"]) == (town1.name, str(town1.pk))
    assert outside["id_number"] == x[1] and outside["row_number"] == 3

    assert rows[(SEVERE_DISABILITY, "李外三")]["town_key"] == UNKNOWN_TOWN
    assert rows[(SEVERE_DISABILITY, p[2].name)]["grade"] == 1

    cost = rows[(HIGH_MEDICAL_COST, p[4].name)]
    assert (cost["self_paid"], cost["records"], cost["row_number"]) == (Decimal("30000.00"), 2, 2)
    assert rows[(HIGH_MEDICAL_COST, "周外四")]["town_key"] == str(town0.pk)
    assert rows[(DEATH, p[7].name)]["event_date"] == dt.date(2024, 3, 15)

    _signals, counts = result.counts()
    assert sum(e["total"] for e in counts) == 7 and counts[-1]["town_key"] == UNKNOWN_TOWN
    assert result.filtered(town=UNKNOWN_TOWN) == [rows[(SEVERE_DISABILITY, "李外三")]]
    assert {r["name"] for r in result.filtered(signal=DEATH)} == {p[7].name}

    # February: only the February dibao, the disabilities (current, undated) and the year's costs.
    february = keyed(month_warnings(admin, dt.date(2024, 2, 10)).rows)
    assert set(february) == {(NEW_DIBAO, p[1].name), (SEVERE_DISABILITY, p[2].name), (SEVERE_DISABILITY, "李外三"),
                             (HIGH_MEDICAL_COST, p[4].name), (HIGH_MEDICAL_COST, "周外四")}


def test_scope_by_county_and_town(scenario):
    a, b, _x, _loads = scenario
    inspector_b = make_user("insp_b", Role.INSPECTOR, [b.county])
    assert {(r["signal"], r["name"]) for r in month_warnings(inspector_b, MARCH).rows} == {
        (NEW_DIBAO, b.people[0].name), (NEW_DIBAO, "钱外一"), (SEVERE_DISABILITY, "李外三"),
        (HIGH_MEDICAL_COST, "周外四")}
    # Unlinked people are county-wide: a county B user sees them too, but placed only by B's towns
    # (the addresses name A's towns, so here they are "town unknown").
    assert {r["town_key"] for r in month_warnings(inspector_b, MARCH).rows if not r["in_registry"]} == {UNKNOWN_TOWN}

    town0 = a.towns[0]
    inspector_town = make_user("insp_t", Role.INSPECTOR, [town0])
    rows = month_warnings(inspector_town, MARCH)
    assert not rows.unlinked_shown
    assert rows.rows and all(r["in_registry"] and r["town_key"] == str(town0.pk) for r in rows.rows)


def test_page_permissions_masking_and_export(scenario):
    a, _b, x, _loads = scenario
    url = reverse("datasets:warnings")
    cadre = make_user("cadre", Role.TOWN_CADRE, [a.towns[0]])
    client = Client()
    client.force_login(cadre)
    assert client.get(url).status_code == 403

    # A department's clerk sees department data but not the registry (who is in it, which household).
    provider = make_user("clerk", Role.DATA_PROVIDER, [a.county])
    client.force_login(provider)
    assert client.get(url, {"month": "2024-03"}).status_code == 403
    assert client.get(reverse("datasets:warnings_export"), {"month": "2024-03"}).status_code == 403
    assert "datasets/warnings/" not in client.get(reverse("datasets:load_list")).content.decode()
    inspector = make_user("insp", Role.INSPECTOR, [a.county])
    client.force_login(inspector)
    assert reverse("datasets:warnings") in client.get(reverse("datasets:load_list")).content.decode()
    assert client.get(reverse("datasets:warnings_export"), {"month": "2024-03"}).status_code == 403  # no export

    # Masking is accounts.masking's, per viewer: a user without VIEW_ID_NUMBER / VIEW_HEALTH.
    row = keyed(month_warnings(make_user("a2", Role.COUNTY_ADMIN, [a.county]), MARCH).rows)[
        (SEVERE_DISABILITY, "李外三")]
    shown = viewer_row(cadre, row)
    assert shown["id_number"] == mask_id_number(x[3]) and viewer_row(inspector, row)["id_number"] == x[3]
    assert viewer_row(make_user("h", Role.HELPER, [a.county]), row)["grade"] == 2  # helpers see health
    assert viewer_row(provider, row)["grade"] == "***" and viewer_row(provider, row)["category"] == "***"

    admin = make_user("admin_a", Role.COUNTY_ADMIN, [a.county])
    client.force_login(admin)
    response = client.get(url, {"month": "2024-03", "signal": NEW_DIBAO})
    page = response.content.decode()
    assert response.status_code == 200 and x[1] in page and "钱外一" in page and a.people[2].name not in page
    assert reverse("registry:household_detail", args=[a.people[0].household_id]) in page
    assert client.get(url, {"month": "2024-13"}).status_code == 200  # not a month: the current one, said so

    response = client.get(reverse("datasets:warnings_export"), {"month": "2024-03", "town": UNKNOWN_TOWN})
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert len(rows) == 2 and rows[1][3] == "李外三" and rows[1][0] == "乡镇不明" and rows[1][4] == x[3]
    log = ExportLog.objects.get()
    assert (log.what, log.row_count, log.file_format, log.id_numbers_masked) == ("datasets.warnings", 1, "xlsx", False)
    assert log.filters == {"month": "2024-03", "town": UNKNOWN_TOWN}
