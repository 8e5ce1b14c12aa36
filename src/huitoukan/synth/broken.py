"""A registry export with import errors, for testing the importer's dry run (the generator's own
registry.csv always imports cleanly).

    errors = write_broken_variant(outdir / "registry.csv", tmp / "broken.csv", seed=3)

Each returned error names the row as Excel shows it (title row and header counted), the column
header and what was broken. An importer may report more than these (a household whose rows now
disagree, a person whose household number is gone), never fewer.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

# kind → (column header, the broken cell as a function of the original)
BREAKAGES = {
    "missing_household_no": ("户编号", lambda cell: ""),
    "unknown_status": ("脱贫属性", lambda cell: "待定"),
    "unknown_relation": ("与户主关系", lambda cell: "邻居"),
    "bad_amount": ("工资性收入", lambda cell: "三千元"),
    "bad_year": ("识别年度", lambda cell: "二〇一六"),
    "bad_flag": ("饮水是否安全", lambda cell: "不详"),
    "bad_household_size": ("人数", lambda cell: "三口人"),
    "bad_region_code": ("行政区划代码", lambda cell: cell[:-1]),
}


def write_broken_variant(source: Path, target: Path, *, seed: int = 0, per_kind: int = 2,
                         kinds: list[str] | None = None) -> list[dict]:
    """Copy `source` (a registry.csv written by the generator) to `target` with `per_kind` broken
    cells of each kind, each in a different row. Returns [{row, column, kind, value}]."""
    with open(source, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    title_rows = 1 if len([c for c in rows[0] if c]) == 1 else 0
    header = rows[title_rows]
    first_data = title_rows + 1
    rng = random.Random(seed)
    kinds = kinds or list(BREAKAGES)
    wanted = per_kind * len(kinds)
    data_rows = list(range(first_data, len(rows)))
    if wanted > len(data_rows):
        raise ValueError(f"the file has {len(data_rows)} data rows, fewer than the {wanted} cells to break")
    chosen = rng.sample(data_rows, wanted)
    errors = []
    for i, kind in enumerate(k for k in kinds for _ in range(per_kind)):
        column, breaking = BREAKAGES[kind]
        index = header.index(column)
        row = chosen[i]
        rows[row][index] = breaking(rows[row][index])
        errors.append({"row": row + 1, "column": column, "kind": kind, "value": rows[row][index]})
    with open(target, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)
    return sorted(errors, key=lambda e: e["row"])
