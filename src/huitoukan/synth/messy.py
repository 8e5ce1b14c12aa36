"""The untidiness of real county files, applied to finished text columns and counted.

Every change here is one the importer undoes exactly (DOMAIN.md §4): NFKC turns full-width digits,
letters and spaces into ASCII, surrounding whitespace is trimmed, a trailing x is upper-cased, 元
and thousands separators are removed, 1/0 and Y/N read as 是/否, "2016年" reads as 2016, and
2019/5/1, 2019.05.01 and 20190501 read as 2019-05-01. Nothing here changes what a value means.

Columns are Arrow string arrays; only the few cells that change pass through Python.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
_SPACES = [(" ", ""), ("", " "), (" ", " "), ("\u3000", ""), ("", "\u3000"), ("\u3000", "\u3000")]


def as_arrow(values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    # From a list: given a numpy object array, pyarrow would import pandas to inspect it.
    return pa.array(values.tolist() if isinstance(values, np.ndarray) else list(values), pa.string())


class Messer:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.counts: dict[str, Counter] = defaultdict(Counter)

    def _change(self, file: str, values, rate: float, change: Callable[[str], tuple[str, str] | None],
                among: pa.Array | None = None) -> pa.Array:
        """Apply `change` (cell → (new cell, what) or None) to about `rate` of the non-empty cells
        (of the cells where the boolean mask `among` is set, if given)."""
        values = as_arrow(values)
        chosen = np.nonzero(self.rng.random(len(values)) < rate)[0]
        if among is not None:
            eligible = pc.fill_null(among, False).to_numpy(zero_copy_only=False)
            chosen = chosen[eligible[chosen]]
        if len(chosen) == 0:
            return values
        old = values.take(pa.array(chosen)).to_pylist()
        positions, new = [], []
        for position, cell in zip(chosen.tolist(), old):
            if not cell:
                continue
            result = change(cell)
            if result is None:
                continue
            positions.append(position)
            new.append(result[0])
            self.counts[file][result[1]] += 1
        if not positions:
            return values
        mask = np.zeros(len(values), dtype=bool)
        mask[positions] = True
        return pc.replace_with_mask(values, pa.array(mask), pa.array(new, pa.string()))

    def spaces(self, file: str, values, rate: float) -> pa.Array:
        def change(cell):
            left, right = _SPACES[int(self.rng.integers(len(_SPACES)))]
            what = "surrounding_fullwidth_space" if "\u3000" in left + right else "surrounding_space"
            return left + cell + right, what

        return self._change(file, values, rate, change)

    def fullwidth(self, file: str, values, rate: float, what: str) -> pa.Array:
        return self._change(file, values, rate, lambda cell: (cell.translate(_FULLWIDTH), f"{what}_fullwidth"))

    def lower_x(self, file: str, values, rate: float) -> pa.Array:
        values = as_arrow(values)
        return self._change(file, values, rate, lambda cell: (cell[:-1] + "x", "id_lowercase_x"),
                            among=pc.ends_with(values, "X"))

    def amounts(self, file: str, values, rate_separator: float, rate_unit: float, rate_fullwidth: float) -> pa.Array:
        def separator(cell):
            whole, _, cents = cell.partition(".")
            if len(whole) > 3 and whole.isdigit():
                return f"{int(whole):,}" + ("." + cents if cents else ""), "amount_thousands_separator"
            return None

        values = self._change(file, values, rate_separator, separator)
        values = self._change(file, values, rate_unit, lambda cell: (cell + "元", "amount_yuan_suffix"))
        return self.fullwidth(file, values, rate_fullwidth, "amount")

    def flags(self, file: str, truth: np.ndarray, rate_10: float, rate_yn: float) -> pa.Array:
        truth = np.asarray(truth, dtype=bool)
        u = self.rng.random(len(truth))
        style = np.where(u < rate_10, 1, np.where(u < rate_10 + rate_yn, 2, 0))
        words = pa.array(["否", "是", "0", "1", "N", "Y"], pa.string())
        self.counts[file]["flag_1_0"] += int((style == 1).sum())
        self.counts[file]["flag_Y_N"] += int((style == 2).sum())
        return words.take(pa.array(style * 2 + truth))

    def years(self, file: str, values, rate: float) -> pa.Array:
        return self._change(file, values, rate, lambda cell: (cell + "年", "year_suffix"))

    def dates(self, file: str, values, rate: float) -> pa.Array:
        """ISO dates to 2019/5/1, 2019.05.01 or 20190501."""
        def change(cell):
            y, m, d = cell.split("-")
            style = int(self.rng.integers(3))
            if style == 0:
                return f"{y}/{int(m)}/{int(d)}", "date_other_format"
            if style == 1:
                return f"{y}.{m}.{d}", "date_other_format"
            return f"{y}{m}{d}", "date_other_format"

        return self._change(file, values, rate, change)

    def as_dict(self) -> dict:
        return {file: dict(sorted(c.items())) for file, c in sorted(self.counts.items())}
