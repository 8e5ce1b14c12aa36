"""What an import would change: new, changed and unchanged households and people, set-based.

The file's records are put into the database's shape (model column names and types, empty text as
"", placeholders for regions and helpers not yet created) and joined in DuckDB with the registry as
it is; a row is changed when any column the file speaks about differs. Columns the file does not
have are left alone, so that a narrower export never blanks what a wider one brought.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..models import Household, Person
from . import existing
from .columns import BY_NAME, HOUSEHOLD, PERSON
from .helpers import HelperPlan, plan_helpers
from .records import ROW, Records
from .regions import RegionPlan, plan_regions

NEW, CHANGED, SAME = "new", "changed", "same"


@dataclass
class Changes:
    regions: RegionPlan
    helpers: HelperPlan
    household_columns: list[str]  # the Household columns this file sets (attnames)
    person_columns: list[str]
    households: pa.Table | None = None  # household_no, id, change + household_columns
    people: pa.Table | None = None  # source_key, id, change, household_no + person_columns
    summary: dict = field(default_factory=dict)

    @property
    def errors(self):
        return self.regions.errors

    @property
    def warnings(self):
        return self.regions.warnings + self.helpers.warnings

    def rows(self, table: pa.Table, change: str) -> pa.Table:
        return table.filter(pc.equal(table.column("change"), change))


def household_columns(records: Records) -> list[str]:
    columns = ["household_no", "county_id", "town_id", "village_id", "head_name"]
    if records.has("hamlet"):
        columns.append("hamlet_id")
    if records.has("helper"):
        columns.append("helper_id")
    columns += [name for name, spec in BY_NAME.items() if spec.level == HOUSEHOLD and records.has(name)
                and name != "household_no"]
    if records.has("phone"):
        columns.append("phone")
    return columns


def person_columns(records: Records) -> list[str]:
    return ["source_key", "household_id"] + [
        name for name, spec in BY_NAME.items() if spec.level == PERSON and records.has(name) and name != "household_no"
    ]


def to_model_shape(table: pa.Table, model, columns: list[str]) -> pa.Table:
    """Cast each column to the model field's type; NULL becomes the field's default where the
    database column is NOT NULL ("" for text, False for `deceased`)."""
    arrays = {}
    for name in columns:
        model_field = existing.field_by_attname(model, name)
        array = pc.cast(table.column(name), existing.arrow_type(model_field))
        if not model_field.null:
            default = model_field.get_default()
            if default is not None:
                array = pc.fill_null(array, pa.scalar(default, array.type))
        arrays[name] = array
    return pa.table(arrays)


def compute_changes(records: Records) -> Changes:
    headers = records.header_map.headers
    households = records.households
    regions = plan_regions(households, headers)
    helpers = plan_helpers(households, headers)
    h_columns = household_columns(records)
    p_columns = person_columns(records)
    changes = Changes(regions=regions, helpers=helpers, household_columns=h_columns, person_columns=p_columns)
    if regions.errors:
        return changes

    incoming_households = households
    for name, ids in regions.ids.items():
        incoming_households = incoming_households.append_column(name, ids)
    if helpers.ids is not None:
        incoming_households = incoming_households.append_column("helper_id", helpers.ids)
    incoming_households = to_model_shape(incoming_households, Household, h_columns).append_column(
        ROW, households.column(ROW))

    con = duckdb.connect()
    try:
        con.register("h_in", incoming_households)
        con.register("h_db", existing.load(Household, h_columns))
        changes.households = _diff(con, "h_in", "h_db", "household_no", h_columns)
        # New households get placeholder ids so that their people can point at them before they exist.
        con.register("h_ids", changes.households.select(["household_no", "id"]))
        con.execute("CREATE TEMP TABLE h_map AS SELECT household_no, coalesce(id, -row_number() OVER ()) AS id "
                    "FROM h_ids")
        con.register("p_raw", records.people)
        people_with_household = con.sql(
            "SELECT p.*, m.id AS household_id FROM p_raw p LEFT JOIN h_map m USING (household_no) "
            f"ORDER BY p.{ROW}").to_arrow_table()
        # The file's people exist three times over here otherwise; keep only the newest form.
        con.unregister("p_raw")
        records.people = None
        incoming_people = to_model_shape(people_with_household, Person, p_columns)
        incoming_people = incoming_people.append_column(ROW, people_with_household.column(ROW))
        incoming_people = incoming_people.append_column("household_no", people_with_household.column("household_no"))
        del people_with_household
        con.register("p_in", incoming_people)
        con.register("p_db", existing.load(Person, p_columns))
        changes.people = _diff(con, "p_in", "p_db", "source_key", p_columns)
        changes.summary = _summary(con, changes)
    finally:
        con.close()
    return changes


def _diff(con, incoming: str, current: str, key: str, columns: list[str]) -> pa.Table:
    compared = [c for c in columns if c != key]
    differs = " OR ".join(f"i.{c} IS DISTINCT FROM e.{c}" for c in compared) or "FALSE"
    changed_fields = ", ".join(f"i.{c} IS DISTINCT FROM e.{c} AS changed__{c}" for c in compared)
    return con.sql(f"""
        SELECT i.*, e.id,
               CASE WHEN e.id IS NULL THEN '{NEW}' WHEN {differs} THEN '{CHANGED}' ELSE '{SAME}' END AS change,
               {changed_fields}
        FROM {incoming} i LEFT JOIN {current} e ON i.{key} = e.{key}
        ORDER BY i.{ROW}
    """).to_arrow_table()


def _count(table: pa.Table, change: str) -> int:
    return pc.sum(pc.equal(table.column("change"), change)).as_py() or 0


def _changed_field_counts(table: pa.Table) -> dict[str, int]:
    counts = {}
    for name in table.column_names:
        if name.startswith("changed__"):
            count = pc.sum(pc.and_(pc.equal(table.column("change"), CHANGED),
                                   pc.fill_null(table.column(name), False))).as_py() or 0
            if count:
                counts[name.removeprefix("changed__")] = count
    return counts


def _summary(con, changes: Changes) -> dict:
    h, p = changes.households, changes.people
    absent_households = con.execute("SELECT count(*) FROM h_db e WHERE NOT EXISTS "
                                "(SELECT 1 FROM h_in i WHERE i.household_no = e.household_no)").fetchone()[0]
    absent_people = con.execute("SELECT count(*) FROM p_db e WHERE NOT EXISTS "
                            "(SELECT 1 FROM p_in i WHERE i.source_key = e.source_key)").fetchone()[0]
    return {
        "households_created": _count(h, NEW), "households_updated": _count(h, CHANGED),
        "households_unchanged": _count(h, SAME), "households_absent": absent_households,
        "people_created": _count(p, NEW), "people_updated": _count(p, CHANGED),
        "people_unchanged": _count(p, SAME), "people_absent": absent_people,
        "regions_created": len(changes.regions.new), "regions_recoded": len(changes.regions.recode),
        **changes.helpers.counts,
        "household_fields_changed": _changed_field_counts(h),
        "person_fields_changed": _changed_field_counts(p),
    }
