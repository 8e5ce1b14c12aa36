"""An invented county: towns, villages and hamlets with invented names and codes.

Codes follow the statistical division code's structure: county (6) + town (3) + village (3), and a
hamlet is its village's code + 3 digits. Town parts run 101… for towns (镇) and 201… for townships
(乡); village parts run 201… as village committees' codes do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_FIRST = list("青柳石白黄龙凤马金银清新安太平长东西南北红花桃杨松竹梅兰云高永和福双三大小上下沙岩古草羊牛鹿茶杉枫桂凉温泉鱼柏")
_SECOND = list("河桥山岭坪坝湾溪塘田沟口寨洞冲林庄堡营屯园门井江滩湖峰头台铺场垭坳关洲")
_HAMLET_NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


@dataclass
class Regions:
    county_code: str
    county_name: str
    town_code: list[str]
    town_name: list[str]
    village_code: np.ndarray  # object, 12 digits
    village_name: np.ndarray  # object
    village_town: np.ndarray  # int: index into town_*
    village_poor: np.ndarray  # bool
    village_weight: np.ndarray  # float: share of the county's registry households
    hamlet_code: np.ndarray  # object, 15 digits
    hamlet_name: np.ndarray  # object
    hamlet_village: np.ndarray  # int
    village_hamlet_start: np.ndarray  # int: first hamlet of each village (hamlets sorted by village)
    village_hamlet_count: np.ndarray  # int: 0 when the village has no hamlet level

    @property
    def n_villages(self) -> int:
        return len(self.village_code)

    def address(self, village: int, hamlet: int = -1) -> str:
        town = self.town_name[self.village_town[village]]
        text = f"{self.county_name}{town}{self.village_name[village]}"
        if hamlet >= 0:
            text += self.hamlet_name[hamlet]
        return text

    def addresses(self, villages: np.ndarray, hamlets: np.ndarray | None = None) -> np.ndarray:
        towns = np.array(self.town_name, dtype=object)[self.village_town[villages]]
        text = self.county_name + towns + self.village_name[villages]
        if hamlets is not None:
            has = hamlets >= 0
            text[has] = text[has] + self.hamlet_name[hamlets[has]]
        return text


def _unique_names(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    names: list[str] = []
    pairs = [a + b for a in _FIRST for b in _SECOND if a != b]
    order = rng.permutation(len(pairs))
    for i in order:
        if len(names) == n:
            break
        if pairs[i] not in taken:
            names.append(pairs[i])
            taken.add(pairs[i])
    if len(names) < n:
        raise ValueError(f"cannot invent {n} distinct place names")
    return names


def build_regions(rng: np.random.Generator, households: int, county_code: str, county_name: str) -> Regions:
    n_towns = int(np.clip(round(households / 3000), 3, 30))
    per_town = rng.integers(10, 21, n_towns)
    # Keep at least ~10 registry households per village: small counties have fewer villages.
    max_villages = max(n_towns, households // 10)
    while per_town.sum() > max_villages and per_town.max() > 1:
        per_town[np.argmax(per_town)] -= 1

    taken = {county_name[:2]}
    stems = _unique_names(rng, n_towns + int(per_town.sum()), taken)
    town_stems, village_stems = stems[:n_towns], stems[n_towns:]
    is_township = rng.random(n_towns) < 0.3
    town_name, town_code = [], []
    n_zhen = n_xiang = 0
    for i in range(n_towns):
        if is_township[i]:
            n_xiang += 1
            town_name.append(town_stems[i] + "乡")
            town_code.append(f"{county_code}{200 + n_xiang:03d}")
        else:
            n_zhen += 1
            town_name.append(town_stems[i] + "镇")
            town_code.append(f"{county_code}{100 + n_zhen:03d}")

    village_town = np.repeat(np.arange(n_towns), per_town)
    n_villages = len(village_town)
    village_code = np.empty(n_villages, dtype=object)
    village_name = np.empty(n_villages, dtype=object)
    k = 0
    for t in range(n_towns):
        for j in range(per_town[t]):
            village_code[k] = f"{town_code[t]}{201 + j:03d}"
            village_name[k] = village_stems[k] + "村"
            k += 1
    village_poor = rng.random(n_villages) < 0.3
    # Poor villages are the remote, populous ones: more registry households.
    weight = rng.lognormal(0.0, 0.35, n_villages) * np.where(village_poor, 1.8, 1.0)
    weight = weight / weight.sum()

    hamlet_count = np.where(rng.random(n_villages) < 0.6, rng.integers(3, 9, n_villages), 0)
    hamlet_start = np.concatenate([[0], np.cumsum(hamlet_count)[:-1]])
    hamlet_village = np.repeat(np.arange(n_villages), hamlet_count)
    seq = np.arange(len(hamlet_village)) - hamlet_start[hamlet_village]
    hamlet_code = np.array([f"{village_code[v]}{s + 1:03d}" for v, s in zip(hamlet_village, seq)], dtype=object)
    hamlet_name = np.array([_HAMLET_NUMERALS[s] + "组" for s in seq], dtype=object)
    return Regions(
        county_code=county_code, county_name=county_name, town_code=town_code, town_name=town_name,
        village_code=village_code, village_name=village_name, village_town=village_town,
        village_poor=village_poor, village_weight=weight, hamlet_code=hamlet_code, hamlet_name=hamlet_name,
        hamlet_village=hamlet_village, village_hamlet_start=hamlet_start, village_hamlet_count=hamlet_count,
    )


def region_rows(regions: Regions) -> list[dict]:
    """regions.csv: code, name, level, parent_code, is_poor_village."""
    rows = [{"code": regions.county_code + "000000", "name": regions.county_name, "level": "county",
                 "parent_code": "", "is_poor_village": ""}]
    for code, name in zip(regions.town_code, regions.town_name):
        rows.append({"code": code + "000", "name": name, "level": "town",
                         "parent_code": regions.county_code + "000000", "is_poor_village": ""})
    for v in range(regions.n_villages):
        rows.append({"code": regions.village_code[v], "name": regions.village_name[v], "level": "village",
                         "parent_code": regions.town_code[regions.village_town[v]] + "000",
                         "is_poor_village": "是" if regions.village_poor[v] else "否"})
        start, count = regions.village_hamlet_start[v], regions.village_hamlet_count[v]
        for h in range(start, start + count):
            rows.append({"code": regions.hamlet_code[h], "name": regions.hamlet_name[h], "level": "hamlet",
                             "parent_code": regions.village_code[v], "is_poor_village": ""})
    return rows
