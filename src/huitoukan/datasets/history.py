"""Loads listed by kind with their history, and which one is in use (the look-back's choice)."""

from __future__ import annotations

from collections.abc import Iterable

from .kinds import KINDS, Kind, get_kind
from .models import DatasetLoad


def history_by_kind(kinds: Iterable[str] | None = None) -> list[tuple[Kind, list[DatasetLoad], DatasetLoad | None]]:
    """[(kind, its loads newest first, the load in use or None)] for every kind, loaded or not, in
    kinds.py's order. The load in use is DatasetLoad.objects.current's, the same rule as
    tables.current_tables: the first loaded one in this order."""
    wanted = list(KINDS) if kinds is None else [get_kind(k).code for k in kinds]
    by_kind: dict[str, list[DatasetLoad]] = {code: [] for code in wanted}
    for load in DatasetLoad.objects.filter(kind__in=wanted).select_related("loaded_by").newest_first():
        by_kind[load.kind].append(load)
    out = []
    for code, loads in by_kind.items():
        current = next((load for load in loads if load.state == DatasetLoad.State.LOADED), None)
        out.append((KINDS[code], loads, current))
    return out
