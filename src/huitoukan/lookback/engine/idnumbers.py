"""GB 11643 citizen ID numbers, checked for a whole column at once.

TEMPORARY row-by-row version (to be replaced by the vectorised one): same verdicts as
stdnum.cn.ric.is_valid.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from stdnum.cn import ric


def _age(birth: dt.date, as_of: dt.date) -> int:
    return as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))


def check_id_numbers(ids: pa.ChunkedArray | pa.Array, as_of: dt.date) -> pa.Table:
    valid, reason, birth, sex, age = [], [], [], [], []
    for value in ids.to_pylist():
        ok = bool(value) and ric.is_valid(value)
        valid.append(ok)
        reason.append(None if ok else "invalid")
        b = ric.get_birth_date(value) if ok else None
        birth.append(b)
        sex.append(("male" if int(value[16]) % 2 else "female") if ok else None)
        age.append(_age(b, as_of) if ok else None)
    return pa.table({
        "id_valid": pa.array(valid, pa.bool_()),
        "id_invalid_reason": pa.array(reason, pa.string()),
        "birth_date": pa.array(birth, pa.date32()),
        "id_sex": pa.array(sex, pa.string()),
        "age": pa.array(age, pa.int32()),
    })
