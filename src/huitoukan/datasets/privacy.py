"""Dataset records as a viewer may see them: ID numbers and health data (disability, medical costs)
through accounts.masking, the one code path for masking."""

from __future__ import annotations

from huitoukan.accounts.masking import health_for, id_number_for

from .kinds import get_kind


def masked_rows(user, kind_code: str, preview: dict) -> list[tuple[int, list]]:
    """[(row number, cells)] of a preview (loading.normalise.preview) with each cell masked for `user`."""
    kind = get_kind(kind_code)
    maskers = [_masker(kind.column(name)) for name in preview.get("columns") or []]
    return [(number, [mask(user, cell) for mask, cell in zip(maskers, cells)])
            for number, cells in preview.get("rows") or []]


def masked_issues(user, issues: list[dict], id_header: str | None) -> list[dict]:
    """Errors and warnings quote the file's cells; an ID number quoted there is masked like any other."""
    if not id_header:
        return issues
    return [{**issue, "value": id_number_for(user, issue["value"])} if issue.get("column") == id_header and
            issue.get("value") else issue for issue in issues]


def _masker(spec):
    if spec.type == "id_number":
        return lambda user, value: id_number_for(user, value) if value else value
    if spec.health:
        return health_for
    return lambda user, value: value
