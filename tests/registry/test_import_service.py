"""Importing for real: what is written, idempotence, history, all-or-nothing."""

from decimal import Decimal

import pytest
from django.db import connection

from huitoukan.accounts.models import User
from huitoukan.accounts.roles import Role
from huitoukan.registry.importing import writer
from huitoukan.registry.importing.service import import_registry
from huitoukan.registry.models import AssistingUnit, Helper, Household, Person, Region, RegistryImport

from .conftest import counts, registry_checksum
from .files import HEADERS, PEOPLE, people, table, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def test_import_writes_households_people_regions_and_helpers(tmp_path):
    report = import_registry(write_csv(tmp_path / "登记表.csv", PEOPLE, titles=["示例县明细表"]))
    assert report.ok and report.written
    assert report.summary["households_created"] == 2 and report.summary["people_created"] == 3

    h1 = Household.objects.get(household_no="H001")
    assert h1.head_name == "张三丰"
    assert (h1.county.code, h1.town.code, h1.village.code, h1.hamlet) == ("990101000000", "990101001000",
                                                                          "990101001001", None)
    assert (h1.county.name, h1.town.name, h1.village.name) == ("示例县", "东山镇", "青松村")
    assert h1.village.parent == h1.town and h1.town.parent == h1.county
    assert (h1.status, h1.household_type, h1.main_cause, h1.house_rating) == ("lifted", "ordinary", "illness", "A")
    assert (h1.identified_year, h1.exit_year, h1.household_size) == (2016, 2019, 2)
    assert h1.wage == Decimal("1200.00") and h1.transfer == Decimal("800.50") and h1.business is None
    assert h1.house_renovated is True and h1.water_safe is True and h1.food_clothing is None
    assert h1.helper.name == "陈帮扶" and h1.helper.phone == "13900000001"
    assert h1.helper.unit.name == "示例县农业农村局"
    assert h1.phone == "13700000001"  # the head's

    h2 = Household.objects.get(household_no="H002")
    assert (h2.household_type, h2.status, h2.exit_year, h2.house_renovated) == ("tekun", "not_lifted", None, False)
    assert h2.town.name == "西河乡" and h2.town.code == "990101002000" and h2.county == h1.county

    spouse = Person.objects.get(person_no="P002")
    assert spouse.household == h1 and spouse.source_key == "P002"
    assert (spouse.relation, spouse.sex, spouse.health, spouse.labor) == ("spouse", "female", "chronic", "weak")
    assert spouse.migrant_months == Decimal("0.0") and spouse.medical_insured is True and spouse.deceased is False
    assert Person.objects.get(person_no="P003").id_number == "99010119550101003X"

    assert Region.objects.count() == 5
    assert Helper.objects.count() == 2 and AssistingUnit.objects.count() == 2
    record = RegistryImport.objects.get(pk=report.record_id)
    assert record.state == RegistryImport.State.DONE and record.row_count == 3 and len(record.sha256) == 64


def test_every_new_row_has_a_creation_history_row_naming_the_file(tmp_path):
    import_registry(write_csv(tmp_path / "登记表2020.csv", PEOPLE))
    assert Household.history.filter(history_type="+").count() == 2
    assert Person.history.filter(history_type="+").count() == 3
    record = Person.history.get(person_no="P001")
    assert "登记表2020.csv" in record.history_change_reason
    assert record.name == "张三丰" and record.household_id == Household.objects.get(household_no="H001").pk


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    path = write_csv(tmp_path / "r.csv", PEOPLE)
    import_registry(path)
    before = registry_checksum()
    report = import_registry(path)
    assert report.ok
    assert report.summary["households_unchanged"] == 2 and report.summary["people_unchanged"] == 3
    assert report.summary["households_updated"] == report.summary["people_updated"] == 0
    assert registry_checksum() == before  # no new history rows, no touched row


def test_the_same_content_from_xlsx_after_csv_changes_nothing(tmp_path):
    import_registry(write_csv(tmp_path / "r.csv", PEOPLE))
    before = registry_checksum()
    rows = table(PEOPLE)
    rows[1][HEADERS.index("识别年度")] = 2016  # numeric cells read as the same values
    rows[1][HEADERS.index("工资性收入")] = 1200.0
    report = import_registry(write_xlsx(tmp_path / "r.xlsx", rows))
    assert report.summary["people_updated"] == 0 and report.summary["households_updated"] == 0
    assert registry_checksum() == before


def test_a_newer_export_updates_in_place_and_history_shows_old_and_new(tmp_path):
    import_registry(write_csv(tmp_path / "2019.csv", PEOPLE))
    h1 = Household.objects.get(household_no="H001")
    newer = people({"脱贫属性": "返贫"}, {"脱贫属性": "返贫", "健康状况": "患有大病"}, {})
    user = User.objects.create_user("admin_import", role=Role.COUNTY_ADMIN)
    report = import_registry(write_csv(tmp_path / "2020.csv", newer), user=user)
    assert report.summary["households_updated"] == 1 and report.summary["people_updated"] == 1
    assert report.summary["household_fields_changed"] == {"status": 1}
    assert report.summary["person_fields_changed"] == {"health": 1}

    h1.refresh_from_db()
    assert h1.status == "returned" and Household.objects.get(household_no="H001").pk == h1.pk
    history = list(Household.history.filter(id=h1.pk).order_by("history_id"))
    assert [r.history_type for r in history] == ["+", "~"]
    assert (history[0].status, history[1].status) == ("lifted", "returned")
    assert "2020.csv" in history[1].history_change_reason and history[1].history_user == user
    delta = history[1].diff_against(history[0])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("status", "lifted", "returned")]
    spouse = Person.history.filter(person_no="P002").order_by("history_id")
    assert [r.health for r in spouse] == ["chronic", "serious_illness"]
    assert Person.history.filter(person_no="P001").count() == 1  # unchanged: no new row


def test_absent_households_and_people_are_kept_and_counted(tmp_path, english):
    import_registry(write_csv(tmp_path / "a.csv", PEOPLE))
    report = import_registry(write_csv(tmp_path / "b.csv", PEOPLE[:1]))
    assert report.ok
    assert report.summary["households_absent"] == 1 and report.summary["people_absent"] == 2
    assert Household.objects.count() == 2 and Person.objects.count() == 3
    assert any("not in this file" in notice for notice in report.notices)


def test_columns_missing_from_a_narrower_export_are_left_alone(tmp_path):
    import_registry(write_csv(tmp_path / "wide.csv", PEOPLE))
    narrow = [h for h in HEADERS if h not in ("工资性收入", "健康状况", "帮扶责任人", "帮扶责任人联系电话", "帮扶单位")]
    report = import_registry(write_csv(tmp_path / "narrow.csv", PEOPLE, narrow))
    assert report.summary["households_updated"] == 0 and report.summary["people_updated"] == 0
    h1 = Household.objects.get(household_no="H001")
    assert h1.wage == Decimal("1200.00") and h1.helper is not None
    assert Person.objects.get(person_no="P002").health == "chronic"


def test_a_person_who_moves_to_another_household_is_updated(tmp_path):
    import_registry(write_csv(tmp_path / "a.csv", PEOPLE))
    moved = people({}, {**{k: v for k, v in PEOPLE[2].items() if k not in ("人编号", "姓名", "证件号码")},
                        "与户主关系": "配偶", "健康状况": "健康"}, {})
    report = import_registry(write_csv(tmp_path / "b.csv", moved))
    assert report.ok, report.errors
    assert Person.objects.get(person_no="P002").household.household_no == "H002"


def test_dry_run_writes_nothing_but_keeps_a_record(tmp_path):
    before = registry_checksum()
    report = import_registry(write_csv(tmp_path / "r.csv", PEOPLE), dry_run=True)
    assert report.ok and not report.written
    assert report.summary["households_created"] == 2 and report.summary["people_created"] == 3
    assert report.summary["regions_created"] == 5
    assert registry_checksum() == before
    record = RegistryImport.objects.get(pk=report.record_id)
    assert record.dry_run and record.state == RegistryImport.State.PREVIEWED


def test_dry_run_after_an_import_reports_changes(tmp_path):
    import_registry(write_csv(tmp_path / "a.csv", PEOPLE))
    before = registry_checksum()
    report = import_registry(write_csv(tmp_path / "b.csv", people({"姓名": "张三"})), dry_run=True)
    assert report.summary["people_updated"] == 1 and report.summary["people_created"] == 0
    assert report.summary["households_updated"] == 1  # the head's name is on the household too
    assert report.summary["household_fields_changed"] == {"head_name": 1}
    assert registry_checksum() == before


def test_an_error_in_the_last_row_leaves_the_registry_untouched(tmp_path):
    import_registry(write_csv(tmp_path / "a.csv", PEOPLE[:2]))
    before, before_counts = registry_checksum(), counts()
    rows = people({"脱贫属性": "返贫"}, {"脱贫属性": "返贫"}, {"人均纯收入": "三千"})
    report = import_registry(write_csv(tmp_path / "b.csv", rows))
    assert not report.ok and not report.written
    assert [(e.row, e.column) for e in report.errors] == [(4, "人均纯收入")]
    assert registry_checksum() == before and counts() == before_counts


def test_a_failure_while_writing_rolls_everything_back(tmp_path, monkeypatch):
    import_registry(write_csv(tmp_path / "a.csv", PEOPLE[:1]))
    before = registry_checksum()
    original = writer._copy_to_history

    def fail_on_people(model, history_type, context, where):
        if model is Person:
            raise RuntimeError("disk full")
        return original(model, history_type, context, where)

    monkeypatch.setattr(writer, "_copy_to_history", fail_on_people)
    with pytest.raises(RuntimeError):
        import_registry(write_csv(tmp_path / "b.csv", people({"脱贫属性": "返贫"}, {"脱贫属性": "返贫"})))
    assert registry_checksum() == before
    assert RegistryImport.objects.latest("created_at").state == RegistryImport.State.FAILED


def test_regions_without_codes_get_stable_synthetic_codes(tmp_path):
    headers = [h for h in HEADERS if h != "村代码"]
    import_registry(write_csv(tmp_path / "a.csv", PEOPLE, headers))
    codes = dict(Region.objects.values_list("name", "code"))
    assert all(code.startswith("X") and len(code) == 15 for code in codes.values())
    assert Region.objects.get(name="青松村").parent.name == "东山镇"
    before = registry_checksum()
    import_registry(write_csv(tmp_path / "b.csv", PEOPLE, headers))
    assert registry_checksum() == before

    # A later file with codes gives the same regions their real codes.
    report = import_registry(write_csv(tmp_path / "c.csv", PEOPLE))
    assert report.ok and report.summary["regions_created"] == 0
    assert report.summary["households_updated"] == 0
    assert Region.objects.get(name="青松村").code == "990101001001"
    assert Region.objects.get(name="示例县").code == "990101000000"


def test_hamlets_from_15_digit_codes_and_from_names(tmp_path):
    headers = HEADERS + ["自然村"]
    rows = people({"自然村": "一组", "村代码": "990101001001001"}, {"自然村": "一组", "村代码": "990101001001001"},
                  {"自然村": "三组"})
    report = import_registry(write_csv(tmp_path / "a.csv", rows, headers))
    assert report.ok, report.errors
    h1, h2 = Household.objects.get(household_no="H001"), Household.objects.get(household_no="H002")
    assert (h1.hamlet.code, h1.hamlet.name, h1.hamlet.parent) == ("990101001001001", "一组", h1.village)
    assert h1.village.code == "990101001001"
    assert h2.hamlet.name == "三组" and h2.hamlet.code.startswith("X") and h2.hamlet.parent == h2.village


def test_a_helpers_unit_follows_the_newest_file(tmp_path):
    import_registry(write_csv(tmp_path / "a.csv", PEOPLE))
    rows = people({"帮扶单位": "示例县水利局"}, {"帮扶单位": "示例县水利局"}, {})
    report = import_registry(write_csv(tmp_path / "b.csv", rows))
    assert report.summary["helpers_updated"] == 1 and report.summary["units_created"] == 1
    assert Helper.objects.get(name="陈帮扶").unit.name == "示例县水利局"
    assert report.summary["households_updated"] == 0


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_encodings_end_to_end(tmp_path, encoding):
    report = import_registry(write_csv(tmp_path / "r.csv", PEOPLE, encoding=encoding, titles=["示例县"]))
    assert report.ok and Person.objects.filter(name="李小梅").exists()


def test_xlsx_end_to_end_with_an_unrecoverable_id_number(tmp_path):
    rows = table(PEOPLE)
    rows[1][HEADERS.index("证件号码")] = 990101198503151234
    rows[2][HEADERS.index("户编号")] = "H001"
    report = import_registry(write_xlsx(tmp_path / "r.xlsx", rows, titles=["示例县建档立卡明细"]))
    assert report.ok and len(report.warnings) == 1
    assert (report.warnings[0].row, report.warnings[0].column) == (3, "证件号码")
    assert Person.objects.get(person_no="P001").id_number == "9.90101198503151E+17"


def test_people_without_person_numbers_are_known_by_household_and_id_or_name(tmp_path):
    headers = [h for h in HEADERS if h != "人编号"]
    rows = people({}, {"证件号码": ""}, {})
    import_registry(write_csv(tmp_path / "a.csv", rows, headers))
    assert set(Person.objects.values_list("source_key", flat=True)) == {
        "H001/990101198503151234", "H001/李小梅", "H002/99010119550101003X"}
    before = registry_checksum()
    import_registry(write_csv(tmp_path / "b.csv", rows, headers))
    assert registry_checksum() == before


@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the index rebuild is SQLite's")
def test_a_large_load_rebuilds_every_index_it_dropped(tmp_path, monkeypatch):

    from huitoukan.registry.importing import bulk_sql

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'registry_%' "
                           "ORDER BY name")
            return cursor.fetchall()

    before = indexes()
    monkeypatch.setattr(bulk_sql, "REBUILD_MIN_ROWS", 1)
    report = import_registry(write_csv(tmp_path / "r.csv", PEOPLE))
    assert report.ok and Person.objects.count() == 3 and Person.history.count() == 3
    assert indexes() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1 WHERE tbl IN ('registry_household', 'registry_person')")
        analysed = {row[0] for row in cursor.fetchall()}
    assert analysed == {"registry_household", "registry_person"}, "the planner gets statistics after a large load"


def test_progress_is_reported_up_to_100(tmp_path):
    seen = []
    import_registry(write_csv(tmp_path / "r.csv", PEOPLE), progress=lambda percent, note: seen.append(percent))
    assert seen == sorted(seen) and seen[-1] == 100 and len(set(seen)) > 4


def test_a_file_changed_after_it_was_checked_is_not_imported(tmp_path):
    path = write_csv(tmp_path / "r.csv", PEOPLE)
    checked = import_registry(path, dry_run=True)
    record = RegistryImport.objects.get(pk=checked.record_id)
    write_csv(path, people({"姓名": "张三"}))
    report = import_registry(path, record=record)
    assert not report.ok and not Household.objects.exists()
    record.refresh_from_db()
    assert record.state == RegistryImport.State.INVALID
