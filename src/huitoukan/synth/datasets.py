"""Department datasets (DOMAIN.md §4): mostly the county's other residents, the registry members
each department legitimately knows about, the injected cross-comparison hits, near misses that
must not be flagged, same-name decoys, and a share of hits whose ID number was mistyped or left out
(found only by name, birth date and place: `links.csv`).

Registry members appear in department files under the ID number the registry records (departments
that serve registry households, such as health insurance and schools, took the numbers from it),
except for the deliberately mistyped ones.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import vocab as V
from .idnumbers import ages_at, format_ids, make_typo
from .inject import MEDICAL_COST_THRESHOLD, count_for, member_where, pick, record, yuan_text

THRESHOLD_FEN = MEDICAL_COST_THRESHOLD * 100
from .messy import as_arrow
from .names import draw_surnames, full_names
from .state import County

KINDS = ["death", "vehicle", "business", "property", "payroll", "dibao", "disability", "school",
         "medical_insurance", "medical_cost"]
ENCODINGS = {"vehicle": "gbk", "payroll": "gbk"}  # the rest: UTF-8 with BOM
COLUMNS = {
    "death": ["证件号码", "姓名", "性别", "出生日期", "死亡日期", "户籍地址"],
    "vehicle": ["号牌号码", "车辆类型", "姓名", "所有人证件号码", "初次登记日期", "户籍地址"],
    "business": ["主体名称", "主体类型", "姓名", "证件号码", "登记状态", "成立日期"],
    "property": ["证件号码", "姓名", "房屋坐落", "房屋性质", "建筑面积", "登记日期", "户籍地址"],
    "payroll": ["证件号码", "姓名", "工作单位", "人员类别"],
    "dibao": ["证件号码", "姓名", "出生日期", "救助类别", "开始日期", "终止日期", "户籍地址"],
    "disability": ["证件号码", "姓名", "残疾类别", "残疾等级"],
    "school": ["证件号码", "姓名", "学校名称", "学段", "学籍状态"],
    "medical_insurance": ["证件号码", "姓名", "参保年度", "参保状态", "险种"],
    "medical_cost": ["证件号码", "姓名", "年度", "医疗总费用", "个人自付金额", "户籍地址"],
}
ID_COLUMN = {kind: ("所有人证件号码" if kind == "vehicle" else "证件号码") for kind in KINDS}
DATE_COLUMNS = {"death": ["出生日期", "死亡日期"], "vehicle": ["初次登记日期"], "business": ["成立日期"],
                "property": ["登记日期"], "dibao": ["出生日期", "开始日期", "终止日期"]}
AMOUNT_COLUMNS = {"medical_cost": ["医疗总费用", "个人自付金额"]}

PROBABILISTIC_SHARE = 0.05
DECOY_RATE = 0.003
DECOY_KINDS = ["death", "vehicle", "business", "property", "payroll"]
PLATE_CHARS = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"), dtype=object)

LINK_COLUMNS = ["dataset", "row_number", "code", "recorded_id_number", "error", "person_no", "household_no",
                "true_id_number", "name", "birth_date"]
DECOY_COLUMNS = ["dataset", "row_number", "id_number", "name", "birth_date", "address", "namesake_person_no",
                 "namesake_household_no", "namesake_id_number", "namesake_birth_date"]


@dataclass
class Batch:
    """Some people, as a department file would show them."""
    id_number: np.ndarray
    name: np.ndarray
    birth: np.ndarray  # datetime64[D]
    male: np.ndarray
    address: np.ndarray
    tag: np.ndarray  # int: −1, or a link / decoy number (see Table)

    def __len__(self) -> int:
        return len(self.id_number)


@dataclass
class Table:
    kind: str
    parts: list[dict] = field(default_factory=list)
    tags: list[np.ndarray] = field(default_factory=list)
    columns: dict = field(default_factory=dict)  # finished: header → object array
    rows_of_tag: dict = field(default_factory=dict)

    def add(self, batch: Batch, **values) -> None:
        n = len(batch)
        if n == 0:
            return
        cols = {}
        for header in COLUMNS[self.kind]:
            key = _key(header)
            value = values.get(key)
            if key == "id":
                value = batch.id_number
            elif key == "name":
                value = batch.name
            elif key == "address" and value is None:
                value = batch.address
            elif key == "birth" and value is None:
                value = _iso(batch.birth)
            elif key == "sex" and value is None:
                value = np.where(batch.male, "男", "女")
            if value is None:
                raise KeyError(f"{self.kind}: no value for {header}")
            if isinstance(value, str):
                cols[header] = pa.array([value], pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))
            else:
                cols[header] = as_arrow(value if isinstance(value, pa.Array) else np.asarray(value, dtype=object))
            if len(cols[header]) != n:
                raise ValueError(f"{self.kind}: {header} has {len(cols[header])} values for {n} rows")
        self.parts.append(cols)
        self.tags.append(batch.tag)

    def finish(self, rng: np.random.Generator) -> None:
        tags = np.concatenate(self.tags) if self.tags else np.empty(0, dtype=np.int64)
        order = rng.permutation(len(tags))
        for header in COLUMNS[self.kind]:
            values = pa.concat_arrays([p[header] for p in self.parts]) if self.parts else pa.array([], pa.string())
            self.columns[header] = values.take(pa.array(order))
        tags = tags[order]
        for row in np.nonzero(tags >= 0)[0]:
            self.rows_of_tag[int(tags[row])] = int(row) + 2  # the row Excel shows: header is row 1

    def __len__(self) -> int:
        return sum(len(t) for t in self.tags)


_KEYS = {"证件号码": "id", "所有人证件号码": "id", "姓名": "name", "户籍地址": "address", "出生日期": "birth",
         "性别": "sex"}


def _key(header: str) -> str:
    return _KEYS.get(header, header)


def _iso(dates: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(dates, dtype="datetime64[D]")), pa.string())


def _pick(rng: np.random.Generator, words: list[str], n: int) -> np.ndarray:
    return np.array(words, dtype=object)[rng.integers(0, len(words), n)]


def _numbers(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype("U12").astype(object)


def _fen_text(fen: np.ndarray) -> np.ndarray:
    fen = np.asarray(fen, dtype=np.int64)
    return np.array([f"{f // 100}.{f % 100:02d}" for f in fen.tolist()], dtype=object)


@dataclass
class Pool:
    """Residents of the county who are not in the registry."""
    name: np.ndarray
    male: np.ndarray
    birth: np.ndarray
    id_number: np.ndarray
    village: np.ndarray
    dead: np.ndarray
    reserved: np.ndarray  # picked as an ENTRY_MISSED candidate


class DatasetFactory:
    def __init__(self, county: County):
        self.county = county
        self.rng = county.rng
        self.as_of = np.datetime64(county.as_of, "D")
        self.tables = {kind: Table(kind) for kind in KINDS}
        self.links: list[dict] = []
        self.decoys: list[dict] = []
        p, hh = county.people, county.households
        self.person_village = hh.village[p.hh]
        self.person_address = county.regions.addresses(hh.village, hh.hamlet)[p.hh]
        self.age = ages_at(p.birth, county.as_of)
        self.near = county.notes.setdefault("near_misses", {})
        self.pool = self._pool()
        self.seat = county.regions.town_name[0]  # the county seat, where commercial housing is

    # --- people ------------------------------------------------------------------------------

    def _pool(self) -> Pool:
        county, rng = self.county, self.rng
        n_h = len(county.households)
        n_alive = int(2.2 * n_h) + 300
        n_dead = int(0.12 * n_h) + 20
        ages = np.concatenate([rng.choice(96, size=n_alive, p=_age_weights()), rng.integers(40, 99, n_dead)])
        n = n_alive + n_dead
        male = rng.random(n) < 0.5
        birth = county.births.draw(rng, ages)
        prefix = np.full(n, int(county.regions.county_code), dtype=np.int64)
        elsewhere = rng.random(n) < 0.05
        prefix[elsewhere] = np.array(county.neighbour_prefixes)[rng.integers(0, len(county.neighbour_prefixes),
                                                                             int(elsewhere.sum()))]
        keys = county.ids.allocate(prefix, birth, male)
        names = full_names(rng, draw_surnames(rng, n), male, birth.astype("datetime64[Y]").astype(np.int64) + 1970)
        village = rng.choice(county.regions.n_villages, size=n)
        dead = np.arange(n) >= n_alive
        return Pool(name=names, male=male, birth=birth, id_number=format_ids(keys), village=village, dead=dead,
                    reserved=np.zeros(n, dtype=bool))

    def pool_batch(self, idx: np.ndarray) -> Batch:
        pool = self.pool
        return Batch(pool.id_number[idx], pool.name[idx], pool.birth[idx], pool.male[idx],
                     self.county.regions.addresses(pool.village[idx]), np.full(len(idx), -1))

    def pool_sample(self, k: int, min_age: int = 0, max_age: int = 200, dead: bool = False) -> np.ndarray:
        pool = self.pool
        age = ages_at(pool.birth, self.county.as_of)
        eligible = np.nonzero((pool.dead == dead) & ~pool.reserved & (age >= min_age) & (age <= max_age))[0]
        k = min(k, len(eligible))
        return self.rng.choice(eligible, size=k, replace=False)

    def registry_batch(self, idx, ids=None, tags=None) -> Batch:
        p = self.county.people
        idx = np.asarray(idx, dtype=np.int64)
        return Batch(p.id_number[idx] if ids is None else np.asarray(ids, dtype=object), p.name[idx], p.birth[idx],
                     p.male[idx], self.person_address[idx],
                     np.full(len(idx), -1) if tags is None else np.asarray(tags))

    def registry_sample(self, k: int, mask: np.ndarray) -> np.ndarray:
        """Living registry members with untouched ID numbers, for records that are no finding."""
        p = self.county.people
        eligible = np.nonzero(mask & ~p.deceased & ~p.id_touched)[0]
        k = min(k, len(eligible))
        return np.sort(self.rng.choice(eligible, size=k, replace=False))

    def hit_people(self, code: str, k: int, mask: np.ndarray) -> list[int]:
        """k living, untouched members of k untouched households (marked used)."""
        county = self.county
        p = county.people
        eligible = mask & ~p.deceased & ~p.busy & ~p.id_touched
        has = np.bincount(p.hh, weights=eligible, minlength=len(county.households)) > 0
        people = [member_where(county, h, eligible) for h in pick(county, has, k)]
        p.busy[people] = True
        return people

    # --- dates ---------------------------------------------------------------------------------

    def dates_between(self, low_days_ago, high_days_ago) -> np.ndarray:
        """Dates between `high_days_ago` and `low_days_ago` days before as-of (arrays allowed)."""
        low = np.asarray(low_days_ago, dtype=np.int64)
        high = np.asarray(high_days_ago, dtype=np.int64)
        shape = np.broadcast(low, high).shape
        days = low + (self.rng.random(shape) * (high - low + 1)).astype(np.int64)
        return self.as_of - days.astype("timedelta64[D]")

    def adult_dates(self, birth: np.ndarray, max_years: int) -> np.ndarray:
        """Dates before as-of, after the person turned 18, at most `max_years` ago."""
        age_days = (self.as_of - birth).astype(np.int64)
        high = np.clip(age_days - 18 * 366, 30, max_years * 365)
        return self.dates_between(np.ones(len(birth), dtype=np.int64) * 1, high)

    # --- the build -----------------------------------------------------------------------------

    def build(self) -> None:
        county = self.county
        p = county.people
        adult = (self.age >= 22) & (self.age <= 65)
        # Other residents who should be brought in (ENTRY_MISSED) are set aside first, so that no
        # other sample of the pool gives them a second record.
        self.entry_missed = self.pool_sample(count_for(county, "ENTRY_MISSED", 3), min_age=18)
        self.pool.reserved[self.entry_missed] = True

        # Cross-comparison hits on registry members: chosen first, written once their ID (exact or
        # mistyped) is decided.
        hits: list[tuple[str, str, int]] = []
        for code, kind, mask in (
            ("DECEASED_UNMARKED", "death", self.age >= 45),
            ("EXCL_PAYROLL", "payroll", (self.age >= 22) & (self.age <= 58)),
            ("EXCL_BUSINESS", "business", adult),
            ("EXCL_PROPERTY", "property", adult),
            ("EXCL_CAR", "vehicle", adult),
            ("RISK_MEDICAL_COST", "medical_cost", self.age >= 1),
        ):
            hits += [(code, kind, person) for person in self.hit_people(code, count_for(county, code), mask)]
        n_dibao = count_for(county, "DIBAO_MISMATCH", 2)
        ordinary = county.households.htype[p.hh] == V.ORDINARY
        hits += [("DIBAO_MISMATCH", "dibao", person)
                 for person in self.hit_people("DIBAO_MISMATCH", n_dibao - n_dibao // 2, ordinary & (self.age >= 18))]
        recorded = self._decide_links(hits)

        for kind in KINDS:
            getattr(self, f"_{kind}")([(code, person, recorded[i]) for i, (code, k, person) in enumerate(hits)
                                       if k == kind])
        self._dibao_missing(n_dibao // 2)
        self._entry_missed()
        self._decoys()
        for table in self.tables.values():
            table.finish(self.rng)
        for link in self.links:
            link["row_number"] = self.tables[link["dataset"]].rows_of_tag[link.pop("tag")]
        for decoy in self.decoys:
            decoy["row_number"] = self.tables[decoy["dataset"]].rows_of_tag[decoy.pop("tag")]

    def _decide_links(self, hits) -> list[tuple[str, int]]:
        """(recorded ID, tag) for each hit: most exact, ~5 % mistyped or missing (at least 3)."""
        county = self.county
        p = county.people
        hit_names = {p.name[person] for _c, _k, person in hits}
        same_name = np.fromiter((name in hit_names for name in p.name.tolist()), dtype=bool, count=len(p))
        names = Counter(zip(self.person_village[same_name].tolist(), p.name[same_name].tolist()))
        unique = [i for i, (_c, _k, person) in enumerate(hits)
                  if names[(int(self.person_village[person]), p.name[person])] == 1]
        n_prob = min(len(unique), max(3, round(PROBABILISTIC_SHARE * len(hits))))
        chosen = self.rng.choice(unique, size=n_prob, replace=False).tolist() if n_prob else []
        # Every kind of error at least once: a missing number needs a dataset with birth dates.
        with_birth = [i for i in unique if hits[i][1] in ("death", "dibao")]
        if with_birth and not set(chosen) & set(with_birth):
            chosen[0] = with_birth[int(self.rng.integers(len(with_birth)))]
        errors: dict[int, str] = {}
        missing = next((i for i in chosen if i in with_birth), None)
        typos = ["typo_digit", "typo_swap"]
        for n, i in enumerate(i for i in chosen if i != missing):
            errors[i] = typos[n % 2]
        if missing is not None:
            errors[missing] = "missing"
        out = []
        for i, (code, kind, person) in enumerate(hits):
            if i not in errors:
                out.append((p.id_number[person], -1))
                continue
            error = errors[i]
            while True:
                typo = make_typo(p.id_number[person], error, self.rng)
                if typo == "" or county.ids.is_free(typo):
                    break
            if typo:
                county.ids.remember([typo])
            tag = len(self.links)
            self.links.append({"dataset": kind, "tag": tag, "code": code, "recorded_id_number": typo, "error": error,
                                   "person_no": p.person_no[person], "household_no": county.households.household_no[p.hh[person]],
                                   "true_id_number": p.id_number[person], "name": p.name[person],
                                   "birth_date": str(p.birth[person])})
            out.append((typo, tag))
        return out

    def _record_hits(self, kind: str, hits, note) -> Batch:
        county = self.county
        p = county.people
        people = np.array([person for _c, person, _r in hits], dtype=np.int64)
        batch = self.registry_batch(people, ids=[r[0] for _c, _p, r in hits], tags=[r[1] for _c, _p, r in hits])
        for i, (code, person, (_id, tag)) in enumerate(hits):
            target = county.households.household_no[p.hh[person]] if code == "DIBAO_MISMATCH" else p.person_no[person]
            record(county, code, target, county.households.household_no[p.hh[person]], note(i, person), dataset=kind,
                   link="probabilistic" if tag >= 0 else "exact")
        return batch

    # --- death ---------------------------------------------------------------------------------

    def _death(self, hits) -> None:
        p = self.county.people
        table = self.tables["death"]
        dead = np.nonzero(p.deceased)[0]
        table.add(self.registry_batch(dead), 死亡日期=_iso(self.dates_between(np.ones(len(dead), np.int64), 330)))
        others = self.pool_sample(len(self.pool.dead), dead=True)
        b = self.pool_batch(others)
        table.add(b, 死亡日期=_iso(self.dates_between(np.ones(len(b), np.int64), 3 * 365)))
        if hits:
            b = self._record_hits("death", hits, lambda i, person: "公安死亡名单有记录，登记仍为在世")
            table.add(b, 死亡日期=_iso(self.dates_between(np.full(len(b), 30), 700)))
        self.near["registry_deceased_in_death_list"] = len(dead)

    # --- vehicle -------------------------------------------------------------------------------

    def _vehicle_values(self, b: Batch, car: np.ndarray) -> dict:
        n = len(b)
        types = np.where(car, np.array(V.CAR_TYPES, dtype=object)[self.rng.integers(0, len(V.CAR_TYPES), n)],
                         np.array(V.NON_CAR_TYPES, dtype=object)[self.rng.integers(0, len(V.NON_CAR_TYPES), n)])
        chars = PLATE_CHARS[self.rng.integers(0, len(PLATE_CHARS), (n, 5))]
        plates = np.array(["黔H" + "".join(row) for row in chars.tolist()], dtype=object)
        return {"号牌号码": plates, "车辆类型": types, "初次登记日期": _iso(self.adult_dates(b.birth, 15))}

    def _vehicle(self, hits) -> None:
        table = self.tables["vehicle"]
        n_h = len(self.county.households)
        b = self.pool_batch(self.pool_sample(int(0.5 * n_h) + 30, min_age=20, max_age=75))
        table.add(b, **self._vehicle_values(b, self.rng.random(len(b)) < 0.7))
        mask = (self.age >= 20) & (self.age <= 70)
        b = self.registry_batch(self.registry_sample(int(0.05 * n_h) + 3, mask))
        values = self._vehicle_values(b, np.zeros(len(b), dtype=bool))
        table.add(b, **values)
        self.near["registry_member_with_van_truck_or_farm_vehicle"] = len(b)
        if hits:
            b = self._record_hits("vehicle", hits, lambda i, person: "")
            values = self._vehicle_values(b, np.ones(len(b), dtype=bool))
            self._renote(hits, "EXCL_CAR", lambda i: f"名下有{values['车辆类型'][i]}")
            table.add(b, **values)

    def _renote(self, hits, code, note) -> None:
        """Replace the notes of the last len(hits) truth rows (written before the values existed)."""
        truth = self.county.truth
        start = len(truth) - len(hits)
        for i in range(len(hits)):
            truth[start + i] = type(truth[start + i])(**{**truth[start + i].__dict__, "note": note(i)})

    # --- business ------------------------------------------------------------------------------

    def _business_values(self, b: Batch, active: np.ndarray) -> dict:
        n = len(b)
        rng = self.rng
        regions = self.county.regions
        kind = rng.choice(len(V.BUSINESS_TYPES), size=n, p=[0.7, 0.15, 0.1, 0.05])
        status = np.where(active, _pick(rng, V.ACTIVE_BUSINESS_STATUSES, n), _pick(rng, V.INACTIVE_BUSINESS_STATUSES, n))
        shops = _pick(rng, ["小卖部", "农家乐", "副食店", "摩托车修理店", "餐馆", "养殖场", "建材店", "理发店"], n)
        products = _pick(rng, ["茶叶", "中药材", "生猪", "油茶", "蔬菜", "食用菌", "蜂蜜", "水果"], n)
        villages = regions.village_name[rng.integers(0, regions.n_villages, n)]
        surnames = np.array([name[:1] for name in b.name.tolist()], dtype=object)
        county = regions.county_name
        names = np.select(
            [kind == 0, kind == 1, kind == 2],
            [villages + surnames + "记" + shops, county + b.name + products + "有限公司",
             county + villages + products + "专业合作社"],
            county + b.name + shops,
        )
        return {"主体名称": names, "主体类型": np.array(V.BUSINESS_TYPES, dtype=object)[kind], "登记状态": status,
                "成立日期": _iso(self.adult_dates(b.birth, 20))}

    def _business(self, hits) -> None:
        table = self.tables["business"]
        n_h = len(self.county.households)
        b = self.pool_batch(self.pool_sample(int(0.3 * n_h) + 20, min_age=20, max_age=75))
        table.add(b, **self._business_values(b, self.rng.random(len(b)) < 0.7))
        b = self.registry_batch(self.registry_sample(int(0.01 * n_h) + 2, (self.age >= 22) & (self.age <= 70)))
        table.add(b, **self._business_values(b, np.zeros(len(b), dtype=bool)))
        self.near["registry_member_with_closed_business"] = len(b)
        if hits:
            b = self._record_hits("business", hits, lambda i, person: "")
            values = self._business_values(b, np.ones(len(b), dtype=bool))
            self._renote(hits, "EXCL_BUSINESS", lambda i: f"经营{values['主体名称'][i]}（{values['登记状态'][i]}）")
            table.add(b, **values)

    # --- property ------------------------------------------------------------------------------

    def _property_values(self, b: Batch, commercial: np.ndarray) -> dict:
        n = len(b)
        rng = self.rng
        county = self.county.regions.county_name
        relocation = ~commercial & (rng.random(n) < 0.3)
        kind = np.where(commercial, V.COMMERCIAL_HOUSING, np.where(relocation, "安置房", "自建房")).astype(object)
        estates = _pick(rng, ["锦绣", "翠苑", "阳光", "滨江", "和谐", "幸福", "盛世", "书香"], n)
        flat = _numbers(rng.integers(1, 19, n)) + np.char.zfill(rng.integers(1, 5, n).astype("U2"), 2).astype(object)
        where = np.select(
            [commercial, relocation],
            [county + self.seat + estates + "小区" + _numbers(rng.integers(1, 20, n)) + "栋"
             + _numbers(rng.integers(1, 4, n)) + "单元" + flat + "室",
             county + self.seat + "易地扶贫搬迁安置点" + _numbers(rng.integers(1, 30, n)) + "栋" + flat + "室"],
            b.address + _numbers(rng.integers(1, 200, n)) + "号",
        )
        area = np.char.mod("%.2f", rng.uniform(60, 160, n)).astype(object)
        return {"房屋坐落": where, "房屋性质": kind, "建筑面积": area, "登记日期": _iso(self.adult_dates(b.birth, 15))}

    def _property(self, hits) -> None:
        table = self.tables["property"]
        n_h = len(self.county.households)
        b = self.pool_batch(self.pool_sample(int(0.35 * n_h) + 20, min_age=22, max_age=85))
        table.add(b, **self._property_values(b, self.rng.random(len(b)) < 0.6))
        b = self.registry_batch(self.registry_sample(int(0.03 * n_h) + 2, self.age >= 22))
        table.add(b, **self._property_values(b, np.zeros(len(b), dtype=bool)))
        self.near["registry_member_with_self_built_or_relocation_house"] = len(b)
        if hits:
            b = self._record_hits("property", hits, lambda i, person: "名下有商品房")
            table.add(b, **self._property_values(b, np.ones(len(b), dtype=bool)))

    # --- payroll -------------------------------------------------------------------------------

    def _payroll_values(self, n: int, village: np.ndarray | None = None) -> dict:
        rng = self.rng
        regions = self.county.regions
        category = rng.choice(len(V.PAYROLL_CATEGORIES), size=n, p=[0.3, 0.1, 0.25, 0.2, 0.1, 0.05])
        if village is None:
            village = rng.integers(0, regions.n_villages, n)
        towns = _pick(rng, regions.town_name, n)
        cadres = np.array([name.removesuffix("村") for name in regions.village_name.tolist()],
                          dtype=object)[village] + "村民委员会"
        units = np.select(
            [category == 4, category == 3, rng.random(n) < 0.3],  # 4: serving village cadres
            [cadres, towns + "中心小学", towns + "人民政府"],
            regions.county_name + _pick(rng, V.COUNTY_UNITS, n),
        )
        return {"工作单位": units, "人员类别": np.array(V.PAYROLL_CATEGORIES, dtype=object)[category]}

    def _payroll(self, hits) -> None:
        table = self.tables["payroll"]
        county = self.county
        helpers = county.helpers
        n_h = len(county.households)
        b = Batch(format_ids(helpers.key), helpers.name, helpers.birth, helpers.male,
                  county.regions.addresses(helpers.village), np.full(len(helpers.name), -1))
        table.add(b, 工作单位=helpers.unit, 人员类别=np.where(np.char.endswith(helpers.unit.astype(str), "人民政府"),
                                                         "公务员", "事业编制人员").astype(object))
        idx = self.pool_sample(int(0.15 * n_h) + 20, min_age=22, max_age=59)
        b = self.pool_batch(idx)
        table.add(b, **self._payroll_values(len(b), self.pool.village[idx]))
        if hits:
            b = self._record_hits("payroll", hits, lambda i, person: "")
            people = np.array([person for _c, person, _r in hits])
            values = self._payroll_values(len(b), self.person_village[people])
            self._renote(hits, "EXCL_PAYROLL", lambda i: f"财政供养人员（{values['人员类别'][i]}，{values['工作单位'][i]}）")
            table.add(b, **values)

    # --- dibao ---------------------------------------------------------------------------------

    def _dibao(self, hits) -> None:
        """Active records for every dibao / tekun household (the head, often other members too);
        expired records for some ordinary households' members; expired records for other residents."""
        county = self.county
        p, hh = county.people, county.households
        table = self.tables["dibao"]
        self._dibao_skip = getattr(self, "_dibao_skip", set())
        supported = (hh.htype[p.hh] != V.ORDINARY) & ~p.deceased & ~p.id_touched
        listed = supported & ((p.relation == V.HEAD) | (self.rng.random(len(p)) < 0.5))
        # a household whose head is no longer recorded as head keeps its first member listed
        first = np.zeros(len(p), dtype=bool)
        first[hh.start] = True
        listed |= supported & first
        self._dibao_listed = listed
        # written in _dibao_missing, once the DIBAO_MISMATCH households without a record are known
        self._dibao_hits = hits
        n_h = len(hh)
        b = self.pool_batch(self.pool_sample(int(0.25 * n_h) + 10))
        table.add(b, 救助类别=self._dibao_category(len(b)), **self._expired(len(b)))
        ordinary_members = (hh.htype[p.hh] == V.ORDINARY)
        b = self.registry_batch(self.registry_sample(int(0.01 * n_h) + 2, ordinary_members))
        table.add(b, 救助类别=self._dibao_category(len(b)), **self._expired(len(b)))
        self.near["ordinary_household_member_with_expired_dibao"] = len(b)

    def _dibao_category(self, n: int) -> np.ndarray:
        return np.where(self.rng.random(n) < 0.85, "低保", "特困").astype(object)

    def _expired(self, n: int) -> dict:
        end = self.dates_between(np.full(n, 20), 3 * 365)
        start = end - self.rng.integers(180, 5 * 365, n).astype("timedelta64[D]")
        return {"开始日期": _iso(start), "终止日期": _iso(end)}

    def _active(self, n: int) -> dict:
        start = self.dates_between(np.full(n, 30), 6 * 365)
        return {"开始日期": _iso(start), "终止日期": np.full(n, "", dtype=object)}

    def _dibao_missing(self, k: int) -> None:
        county = self.county
        p, hh = county.people, county.households
        table = self.tables["dibao"]
        chosen = pick(county, hh.htype != V.ORDINARY, k)
        expired_heads = []
        for i, h in enumerate(chosen):
            word = V.HOUSEHOLD_TYPES[hh.htype[h]]
            if i % 2 == 0:
                record(county, "DIBAO_MISMATCH", hh.household_no[h], hh.household_no[h],
                       f"{word}，民政名单中无该户成员", dataset="dibao")
            else:
                expired_heads.append(int(hh.start[h]))
                record(county, "DIBAO_MISMATCH", hh.household_no[h], hh.household_no[h],
                       f"{word}，民政救助已终止", dataset="dibao")
        skip = np.zeros(len(hh), dtype=bool)
        skip[chosen] = True
        listed = self._dibao_listed & ~skip[p.hh]
        idx = np.nonzero(listed)[0]
        tekun = hh.htype[p.hh[idx]] == V.TEKUN
        b = self.registry_batch(idx)
        table.add(b, 救助类别=np.where(tekun, "特困", "低保").astype(object), **self._active(len(b)))
        if expired_heads:
            idx = np.array(expired_heads)
            b = self.registry_batch(idx)
            table.add(b, 救助类别=np.where(hh.htype[p.hh[idx]] == V.TEKUN, "特困", "低保").astype(object),
                      **self._expired(len(b)))
        hits = self._dibao_hits
        if hits:
            b = self._record_hits("dibao", hits, lambda i, person: "一般贫困户成员在民政低保/特困名单中")
            table.add(b, 救助类别=self._dibao_category(len(b)), **self._active(len(b)))

    # --- disability ----------------------------------------------------------------------------

    def _grade_words(self, grade: np.ndarray) -> np.ndarray:
        words = np.array(V.DISABILITY_GRADES, dtype=object)[grade]
        digits = self.rng.random(len(grade)) < 0.3
        words[digits] = grade[digits].astype(str).astype(object)
        return words

    def _disability(self, hits) -> None:
        county = self.county
        p = county.people
        table = self.tables["disability"]
        idx = np.nonzero((p.health == V.DISABLED) & ~p.deceased & ~p.id_touched)[0]
        b = self.registry_batch(idx)
        table.add(b, 残疾类别=self._disability_kind(len(b)), 残疾等级=self._grade_words(p.disability[idx]))
        self.near["registry_member_with_disability_record"] = len(b)
        self.near["registry_member_with_disability_grade_1_2"] = int((p.disability[idx] <= 2).sum())
        n_h = len(county.households)
        b = self.pool_batch(self.pool_sample(int(0.2 * n_h) + 10))
        table.add(b, 残疾类别=self._disability_kind(len(b)),
                  残疾等级=self._grade_words(self.rng.integers(3, 5, len(b))))

    def _disability_kind(self, n: int) -> np.ndarray:
        return np.array(V.DISABILITY_KINDS, dtype=object)[self.rng.integers(0, len(V.DISABILITY_KINDS), n)]

    # --- school --------------------------------------------------------------------------------

    def _school(self, hits) -> None:
        county = self.county
        p = county.people
        regions = county.regions
        table = self.tables["school"]
        in_school = np.isin(p.schooling, list(V.SCHOOL_STAGE)) & (p.school_state == 0)
        dropped = (p.school_state == 2) | ((p.schooling == V.DROPPED_OUT) & (p.school_state == 0))
        wanted = ~p.deceased & (in_school | dropped)
        idx = np.nonzero(wanted)[0]
        # One record per ID number: twins recorded under one number share one enrolment.
        _, first = np.unique(p.id_number[idx].astype(str), return_index=True)
        idx = idx[np.sort(first)]
        age = self.age[idx]
        stage = np.array([V.SCHOOL_STAGE.get(int(s), "") for s in p.schooling[idx]], dtype=object)
        by_age = np.where(age <= 11, "小学", np.where(age <= 14, "初中", "高中")).astype(object)
        stage = np.where(stage == "", by_age, stage)
        status = np.where(dropped[idx], "辍学", "在校").astype(object)
        town = regions.village_town[self.person_village[idx]]
        b = self.registry_batch(idx)
        table.add(b, 学校名称=self._school_names(stage, town), 学段=stage, 学籍状态=status)
        self.near["registry_dropout_aged_16_17_in_school_list"] = int(
            ((p.schooling[idx] == V.DROPPED_OUT) & (age >= 16)).sum())

        n_h = len(county.households)
        idx = self.pool_sample(int(0.8 * n_h) + 20, min_age=6, max_age=18)
        age = ages_at(self.pool.birth[idx], county.as_of)
        stage = np.where(age <= 11, "小学", np.where(age <= 14, "初中",
                         np.where(self.rng.random(len(idx)) < 0.7, "高中", "中职"))).astype(object)
        status = np.where(self.rng.random(len(idx)) < 0.95, "在校",
                          np.array(["休学", "辍学", "毕业"], dtype=object)[self.rng.integers(0, 3, len(idx))]).astype(object)
        b = self.pool_batch(idx)
        table.add(b, 学校名称=self._school_names(stage, regions.village_town[self.pool.village[idx]]),
                  学段=stage, 学籍状态=status)

    def _school_names(self, stage: np.ndarray, town: np.ndarray) -> np.ndarray:
        regions = self.county.regions
        towns = np.array(regions.town_name, dtype=object)[town]
        county = regions.county_name
        return np.where(stage == "小学", towns + "中心小学",
                        np.where(stage == "初中", towns + "中学",
                                 np.where(stage == "高中", county + "第一中学", county + "中等职业学校"))).astype(object)

    # --- medical insurance ---------------------------------------------------------------------

    def _medical_insurance(self, hits) -> None:
        county = self.county
        p = county.people
        table = self.tables["medical_insurance"]
        idx = np.nonzero(p.insurance_state != 1)[0]
        _, first = np.unique(p.id_number[idx].astype(str), return_index=True)
        idx = idx[np.sort(first)]
        words = np.array([V.INSURED, "", V.NOT_INSURED, V.SUSPENDED], dtype=object)[p.insurance_state[idx]]
        b = self.registry_batch(idx)
        table.add(b, 参保年度=str(county.year), 参保状态=words, 险种="城乡居民基本医疗保险")
        self.near["registry_deceased_not_insured"] = int(p.deceased.sum())
        n_h = len(county.households)
        b = self.pool_batch(self.pool_sample(int(1.5 * n_h) + 20))
        status = np.where(self.rng.random(len(b)) < 0.96, V.INSURED, V.NOT_INSURED).astype(object)
        table.add(b, 参保年度=str(county.year), 参保状态=status, 险种="城乡居民基本医疗保险")

    # --- medical cost --------------------------------------------------------------------------

    def _costs(self, self_pay_fen: np.ndarray) -> dict:
        n = len(self_pay_fen)
        total = (self_pay_fen * self.rng.uniform(1.5, 4.0, n)).astype(np.int64) // 100 * 100
        return {"医疗总费用": _fen_text(total), "个人自付金额": _fen_text(self_pay_fen)}

    def _small_costs(self, n: int) -> np.ndarray:
        return (self.rng.lognormal(np.log(1500), 0.9, n).clip(50, 19000) * 100).astype(np.int64)

    def _medical_cost(self, hits) -> None:
        county = self.county
        table = self.tables["medical_cost"]
        n_h = len(county.households)
        year = str(county.year)
        last_year = str(county.year - 1)
        b = self.pool_batch(self.pool_sample(int(0.3 * n_h) + 20))
        table.add(b, 年度=year, **self._costs(self._small_costs(len(b))))
        b = self.pool_batch(self.pool_sample(int(0.01 * n_h) + 2))
        table.add(b, 年度=last_year, **self._costs(self.rng.integers(THRESHOLD_FEN, 4 * THRESHOLD_FEN, len(b))))
        self.near["other_resident_high_cost_last_year"] = len(b)

        idx = self.registry_sample(int(0.1 * n_h) + 5, self.age >= 0)
        near = np.zeros(len(idx), dtype=bool)
        near[: max(1, len(idx) // 200)] = True
        last = np.zeros(len(idx), dtype=bool)
        last[len(idx) - max(1, len(idx) // 100):] = True
        fen = self._small_costs(len(idx))
        fen[near] = THRESHOLD_FEN - 1
        fen[last] = self.rng.integers(THRESHOLD_FEN, 4 * THRESHOLD_FEN, int(last.sum()))
        b = self.registry_batch(idx)
        table.add(b, 年度=np.where(last, last_year, year).astype(object), **self._costs(fen))
        self.near["registry_member_cost_19999_99"] = int(near.sum())
        self.near["registry_member_high_cost_last_year"] = int(last.sum())
        if hits:
            fen = self.rng.integers(THRESHOLD_FEN, 4 * THRESHOLD_FEN, len(hits))
            fen[0] = THRESHOLD_FEN
            b = self._record_hits("medical_cost", hits,
                                  lambda i, person: f"{year}年个人自付{yuan_text(int(fen[i]))}元")
            table.add(b, 年度=year, **self._costs(fen))

    # --- ENTRY_MISSED --------------------------------------------------------------------------

    def _entry_missed(self) -> None:
        county = self.county
        idx = self.entry_missed
        year = str(county.year)
        for variant, kind in enumerate(("dibao", "disability", "medical_cost")):
            part = idx[variant::3]
            if len(part) == 0:
                continue
            b = self.pool_batch(part)
            table = self.tables[kind]
            if kind == "dibao":
                category = self._dibao_category(len(b))
                table.add(b, 救助类别=category, **self._active(len(b)))
                notes = [f"民政{c}对象（在保），未纳入建档立卡" for c in category]
            elif kind == "disability":
                grade = self.rng.integers(1, 3, len(b))
                table.add(b, 残疾类别=self._disability_kind(len(b)), 残疾等级=self._grade_words(grade))
                notes = [f"{V.DISABILITY_GRADES[g]}残疾，未纳入建档立卡" for g in grade]
            else:
                fen = self.rng.integers(THRESHOLD_FEN, 4 * THRESHOLD_FEN, len(b))
                fen[0] = THRESHOLD_FEN
                table.add(b, 年度=year, **self._costs(fen))
                notes = [f"{year}年个人自付{yuan_text(int(f))}元，未纳入建档立卡" for f in fen]
            for i, j in enumerate(part):
                record(county, "ENTRY_MISSED", self.pool.id_number[j], "", notes[i], dataset=kind)

    # --- decoys --------------------------------------------------------------------------------

    def _decoys(self) -> None:
        county = self.county
        p = county.people
        k = max(2, round(DECOY_RATE * len(county.households)))
        namesakes = self.hit_people("decoy", k, (self.age >= 25) & (self.age <= 65))
        for i, person in enumerate(namesakes):
            kind = DECOY_KINDS[i % len(DECOY_KINDS)]
            shift = int(self.rng.integers(365, 15 * 365)) * (1 if self.rng.random() < 0.5 else -1)
            birth = p.birth[person] + np.timedelta64(shift, "D")
            if birth > self.as_of - np.timedelta64(20 * 365, "D"):
                birth = p.birth[person] - np.timedelta64(abs(shift), "D")
            key = county.ids.allocate_one(int(county.regions.county_code), birth, bool(p.male[person]))
            village = int(self.rng.integers(county.regions.n_villages))
            if village == self.person_village[person]:
                village = (village + 1) % county.regions.n_villages
            tag = 1_000_000 + i
            b = Batch(format_ids(np.array([key])), np.array([p.name[person]], dtype=object),
                      np.array([birth], dtype="datetime64[D]"), np.array([p.male[person]]),
                      np.array([county.regions.address(village)], dtype=object), np.array([tag]))
            table = self.tables[kind]
            if kind == "death":
                table.add(b, 死亡日期=_iso(self.dates_between(np.array([30]), 700)))
            elif kind == "vehicle":
                table.add(b, **self._vehicle_values(b, np.array([True])))
            elif kind == "business":
                table.add(b, **self._business_values(b, np.array([True])))
            elif kind == "property":
                table.add(b, **self._property_values(b, np.array([True])))
            else:
                table.add(b, **self._payroll_values(1, np.array([village])))
            self.decoys.append({"dataset": kind, "tag": tag, "id_number": b.id_number[0], "name": p.name[person],
                                    "birth_date": str(birth), "address": b.address[0], "namesake_person_no": p.person_no[person],
                                    "namesake_household_no": county.households.household_no[p.hh[person]],
                                    "namesake_id_number": p.id_number[person], "namesake_birth_date": str(p.birth[person])})


def _age_weights() -> np.ndarray:
    w = np.ones(96)
    w[60:] = np.linspace(1.0, 0.15, 36)
    return w / w.sum()
