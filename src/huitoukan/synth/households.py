"""Household attributes: status, years, cause, housing, incomes and helpers, all clean.

Incomes are int64 fen. Net income = wage + business − expense + property + transfer, and per-capita
income = net ÷ recorded household size rounded half-up to the fen, exactly as the rule computes it.
Lifted households (已脱贫) get a per-capita income of at least 6,400 yuan in the base, clear of the
borderline band [poverty line, borderline upper) that only injections put them in.
"""

from __future__ import annotations

import numpy as np

from . import vocab as V

# Status mix (vocab.STATUSES order).
STATUS_SHARES = np.array([0.05, 0.80, 0.01, 0.04, 0.05, 0.01, 0.04])
# Per-capita target range in yuan by status (the lognormal is clipped into it).
PC_RANGE = {
    V.NOT_LIFTED: (2000, 3900), V.LIFTED: (6500, 16000), V.RETURNED: (2500, 3900), V.UNSTABLE: (6500, 9000),
    V.MARGINAL: (4500, 7500), V.SUDDEN_HARDSHIP: (3000, 8000), V.RISK_CLEARED: (7000, 15000),
}


def round_half_up_div(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator rounded half-up, for non-negative int64 arrays."""
    return (2 * numerator + denominator) // (2 * denominator)


def draw_per_capita(rng: np.random.Generator, status: np.ndarray) -> np.ndarray:
    """Target per-capita income in fen."""
    pc = np.zeros(len(status), dtype=np.int64)
    for s, (lo, hi) in PC_RANGE.items():
        sel = status == s
        k = int(sel.sum())
        if k == 0:
            continue
        # Skewed towards the lower end, as incomes are.
        u = rng.beta(1.6, 3.0, k)
        pc[sel] = ((lo + u * (hi - lo)) * 100).astype(np.int64)
    return pc


def split_income(rng: np.random.Generator, target_pc: np.ndarray, size: np.ndarray,
                 has_labour: np.ndarray) -> dict[str, np.ndarray]:
    """Income parts (whole yuan, in fen) whose net divided by `size` is close to `target_pc`."""
    k = len(target_pc)
    net_target = target_pc.astype(np.float64) * size
    transfer_share = rng.uniform(0.10, 0.40, k)
    property_share = np.where(rng.random(k) < 0.3, rng.uniform(0.0, 0.05, k), 0.0)
    business_share = np.where(rng.random(k) < 0.6, rng.uniform(0.05, 0.40, k), 0.0)
    # Without anyone able to work, the household lives on transfers (pensions, dibao, subsidies).
    business_share = np.where(has_labour, business_share, business_share * 0.3)
    wage_share = np.where(has_labour, 1.0 - transfer_share - property_share - business_share, 0.0)
    transfer_share = 1.0 - wage_share - property_share - business_share
    expense_ratio = rng.uniform(0.2, 0.5, k)

    def yuan(x):
        return (np.rint(x / 100.0) * 100).astype(np.int64)

    wage = yuan(net_target * wage_share)
    transfer = yuan(net_target * transfer_share)
    prop = yuan(net_target * property_share)
    business_net = net_target * business_share
    business = yuan(business_net / (1.0 - expense_ratio))
    expense = yuan(business_net / (1.0 - expense_ratio) * expense_ratio)
    net = wage + business - expense + prop + transfer
    return {"wage": wage, "business": business, "expense": expense, "property": prop, "transfer": transfer, "net": net,
                "per_capita": round_half_up_div(net, size)}


def identification_years(rng: np.random.Generator, status: np.ndarray, year: int) -> tuple[np.ndarray, np.ndarray]:
    """识别年度 and 脱贫年度 (0 = none); exits are always at least a year after identification."""
    k = len(status)
    first = 2014
    last_ident = max(first, min(year - 1, 2019))
    # Most households were identified in the first campaign year.
    ident = np.where(rng.random(k) < 0.6, first, rng.integers(first, last_ident + 1, k))
    exited = np.isin(status, (V.LIFTED, V.RETURNED, V.UNSTABLE, V.RISK_CLEARED))
    exit_year = np.zeros(k, dtype=np.int64)
    lo = ident + 1
    exit_year[exited] = lo[exited] + (rng.random(int(exited.sum())) * (year - lo[exited] + 1)).astype(np.int64)
    # Monitoring objects that never were poor households were identified lately.
    recent = np.isin(status, (V.MARGINAL, V.SUDDEN_HARDSHIP))
    ident[recent] = year - (rng.random(int(recent.sum())) < 0.4)
    return ident.astype(np.int64), exit_year


def assign_helpers(rng: np.random.Generator, village: np.ndarray, status: np.ndarray, n_villages: int):
    """Helper index per household (−1 = none) and the helpers' villages. One helper covers 3–8
    households of one village; households whose risk is cleared often no longer have one."""
    k = len(village)
    helper = np.full(k, -1, dtype=np.int64)
    needs = ~((status == V.RISK_CLEARED) & (rng.random(k) < 0.4))
    idx = np.nonzero(needs)[0]
    v = village[idx]
    order = np.argsort(v, kind="stable")
    idx, v = idx[order], v[order]
    counts = np.bincount(v, minlength=n_villages)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(idx)) - starts[v]
    per_helper = rng.integers(3, 9, n_villages)
    helpers_in_village = -(-counts // per_helper)
    offset = np.concatenate([[0], np.cumsum(helpers_in_village)[:-1]])
    helper[idx] = offset[v] + rank // per_helper[v]
    helper_village = np.repeat(np.arange(n_villages), helpers_in_village)
    return helper, helper_village


def phones(rng: np.random.Generator, n: int, unique: bool = False) -> np.ndarray:
    """Mobile numbers 13x/15x/18x-xxxx-xxxx."""
    prefixes = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 157, 158, 159, 180, 182,
                         183, 186, 187, 188, 189])
    head = prefixes[rng.integers(0, len(prefixes), n)].astype(np.int64)
    tail = rng.integers(0, 10**8, n)
    numbers = head * 10**8 + tail
    if unique:
        while True:
            _, first = np.unique(numbers, return_index=True)
            dup = np.ones(n, dtype=bool)
            dup[first] = False
            if not dup.any():
                break
            numbers[dup] = head[dup] * 10**8 + rng.integers(0, 10**8, int(dup.sum()))
    return numbers.astype("U11").astype(object)
