"""A problem about a person outside the registry (target type `resident`, ENTRY_MISSED): who it is.

The ledger keeps no ID number for such a person: the key is a hash of it
(lookback/engine/residents.py), and the values hold the name, the address and the department record
the finding came from (dataset, load, row). The problem page reads that one record back from the
load to show the ID number, masked as the viewer's role requires (the template's id_for), and
checks that the record still hashes to the problem's key: a load removed under retention, or a
record that is somebody else's, shows no number rather than a wrong one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pyarrow.parquet as pq
from django.utils.translation import gettext_lazy as _

from huitoukan.accounts import pseudonyms
from huitoukan.datasets.kinds import KINDS
from huitoukan.datasets.models import DatasetLoad
from huitoukan.datasets.tables import DatasetUnavailable, parquet_path
from huitoukan.lookback.engine.residents import resident_key

from .choices import TargetType

#: The conditions ENTRY_MISSED names in its `reasons` value.
REASON_LABELS = {
    "dibao": _("active dibao or tekun record"),
    "disability": _("disability grade 1–2"),
    "medical_cost": _("medical self-pay at or over the threshold"),
}


@dataclass
class Resident:
    name: str
    address: str
    dataset: str  # kind code
    dataset_label: str
    load: DatasetLoad | None
    load_id: int | None
    row_number: int | None
    reasons: list[str]
    id_number: str  # '' when the record cannot be read back; masked by the template


def is_resident(problem) -> bool:
    return problem.target_type == TargetType.RESIDENT


def resident_of(problem) -> Resident | None:
    """Who a resident problem is about, from its values and the record they name."""
    if not is_resident(problem):
        return None
    values = problem.values or {}
    kind = values.get("dataset") or ""
    load_id, row_number = values.get("load_id"), values.get("row_number")
    load = DatasetLoad.objects.filter(pk=load_id).first() if load_id is not None else None
    return Resident(
        name=values.get("name") or "",
        address=values.get("address") or "",
        dataset=kind,
        dataset_label=str(KINDS[kind].label) if kind in KINDS else kind,
        load=load,
        load_id=load_id,
        row_number=row_number,
        reasons=[str(REASON_LABELS.get(r, r)) for r in (values.get("reasons") or "").split("、") if r],
        id_number=_id_number(load, row_number, problem.target_key),
    )


def _id_number(load: DatasetLoad | None, row_number, key: str) -> str:
    if load is None or row_number is None:
        return ""
    try:
        path = parquet_path(load)
    except DatasetUnavailable:
        return ""
    table = pq.read_table(path, columns=["row_number", "id_number"], filters=[("row_number", "=", int(row_number))])
    for number in table["id_number"].to_pylist():
        number = unicodedata.normalize("NFKC", number or "").strip().upper()
        if number and resident_key(number, pseudonyms.key()) == key:
            return number
    return ""
