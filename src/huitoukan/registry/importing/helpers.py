"""Helpers (帮扶责任人) and their assisting units (帮扶单位) named in the file.

A helper is known by name and telephone (the model's unique pair); a unit by its name. Like regions,
new ones get negative placeholder ids until `create_helpers` writes them. A helper's unit follows
the newest file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
from django.utils.translation import gettext as _

from ..models import AssistingUnit, Helper
from .bulk_sql import insert_rows
from .validation import Issue


@dataclass
class HelperPlan:
    ids: pa.Array | None = None  # helper id per household (placeholders < 0), None: no helper column
    new_units: dict[str, int] = field(default_factory=dict)  # name → placeholder
    new_helpers: dict[tuple[str, str], tuple[int, int | None]] = field(default_factory=dict)  # → (placeholder, unit)
    unit_changes: dict[int, int | None] = field(default_factory=dict)  # helper id → unit id/placeholder
    warnings: list[Issue] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"helpers_created": len(self.new_helpers), "units_created": len(self.new_units),
                "helpers_updated": len(self.unit_changes)}


def plan_helpers(households: pa.Table, headers: dict[str, str]) -> HelperPlan:
    plan = HelperPlan()
    names = households.column_names
    if "helper" not in names:
        return plan
    units = dict(AssistingUnit.objects.values_list("name", "id"))
    helpers = {(name, phone): (hid, unit_id)
               for hid, name, phone, unit_id in Helper.objects.values_list("id", "name", "phone", "unit_id")}
    placeholder = -1
    chosen_unit: dict[tuple[str, str], tuple[str | None, int]] = {}

    def column(name):
        return households.column(name).to_pylist() if name in names else [None] * households.num_rows

    out: list[int | None] = []
    for name, phone, unit, row in zip(column("helper"), column("helper_phone"), column("helper_unit"),
                                      column("_row")):
        if not name:
            out.append(None)
            continue
        key = (name, phone or "")
        if key in chosen_unit and unit and chosen_unit[key][0] not in (None, unit):
            plan.warnings.append(Issue(row, headers.get("helper_unit", ""), unit, _(
                "Helper %(name)s is from “%(unit)s” in row %(row)s; that unit is kept.")
                % {"name": name, "unit": chosen_unit[key][0], "row": chosen_unit[key][1]}))
            unit = chosen_unit[key][0]
        chosen_unit.setdefault(key, (unit, row))
        unit_id = None
        if unit:
            if unit in units:
                unit_id = units[unit]
            else:
                unit_id = plan.new_units.setdefault(unit, placeholder)
                if unit_id == placeholder:
                    placeholder -= 1
        if key in helpers:
            hid, current_unit = helpers[key]
            if unit and unit_id != current_unit:
                plan.unit_changes[hid] = unit_id
        elif key in plan.new_helpers:
            hid = plan.new_helpers[key][0]
        else:
            hid = placeholder
            placeholder -= 1
            plan.new_helpers[key] = (hid, unit_id)
        out.append(hid)
    plan.ids = pa.array(out, pa.int64())
    return plan


def create_helpers(plan: HelperPlan) -> dict[int, int]:
    """Write new units and helpers and the changed units; placeholder → id."""
    real: dict[int, int] = {}
    if plan.new_units:
        insert_rows(AssistingUnit, ["name"], [(name,) for name in plan.new_units])
        ids = dict(AssistingUnit.objects.values_list("name", "id"))
        real.update({placeholder: ids[name] for name, placeholder in plan.new_units.items()})

    def unit(ref):
        return real.get(ref, ref) if ref is not None and ref < 0 else ref

    if plan.new_helpers:
        insert_rows(Helper, ["name", "phone", "unit_id", "user_id"],
                    [(name, phone, unit(u), None) for (name, phone), (_p, u) in plan.new_helpers.items()])
        existing = {(n, p): i for i, n, p in Helper.objects.values_list("id", "name", "phone")}
        real.update({placeholder: existing[key] for key, (placeholder, _u) in plan.new_helpers.items()})
    for hid, unit_ref in plan.unit_changes.items():
        Helper.objects.filter(id=hid).update(unit_id=unit(unit_ref))
    return real
