"""Small synthetic registries for tests: invented names, invented region codes (county 439901,
which no statistical table holds), ID numbers with a correct check digit and birth date. Never
real people.

    county = build_county()                       # 1 county, 2 towns, 2 villages each, 3 households each
    admin = make_user("admin", Role.COUNTY_ADMIN, [county.county])
    town_cadre = make_user("t1", Role.TOWN_CADRE, [county.towns[0]])

`build_county(towns=20, villages_per_town=15, households_per_village=500)` makes a 500,000-person
county in about a minute (bulk inserts, no history rows), for benchmarks.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from huitoukan.accounts.models import User
from huitoukan.registry.choices import (
    Health,
    HouseholdStatus,
    HouseholdType,
    HouseRating,
    Labor,
    MainCause,
    RegionLevel,
    Relation,
    Schooling,
    Sex,
)
from huitoukan.registry.models import AssistingUnit, Helper, Household, Person, Region

COUNTY_CODE = "439901"
PASSWORD = "correct-horse-battery-9"
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国春梅志红德福"
TOWN_NAMES = ["青石镇", "白沙乡", "云溪镇", "松林乡", "石门镇", "桃源乡", "龙泉镇", "杏花乡", "柳塘镇", "枫桥乡"]
VILLAGE_SUFFIX = ["坪村", "冲村", "湾村", "岭村", "塘村", "坳村", "溪村", "田村"]


def check_digit(first17: str) -> str:
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def make_id_number(born: datetime.date, seq: int, sex: str, prefix: str = COUNTY_CODE) -> str:
    """A well-formed 18-character number; the 17th digit is odd for men, even for women."""
    order = (seq % 500) * 2 + (1 if sex == Sex.MALE else 0)
    first17 = f"{prefix}{born:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)


@dataclass
class County:
    county: Region
    towns: list = field(default_factory=list)
    villages: list = field(default_factory=list)  # in town order
    households: list = field(default_factory=list)  # kept for small builds only
    people: list = field(default_factory=list)

    def villages_of(self, town):
        return [v for v in self.villages if v.parent_id == town.pk]

    def households_of(self, town):
        return [h for h in self.households if h.town_id == town.pk]


def _name(rng, surname=None):
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def build_county(towns=2, villages_per_town=2, households_per_village=3, *, seed=1, code=COUNTY_CODE,
                 name="示例县", today=None, keep_objects=None, batch=5000) -> County:
    """A county with its towns, villages, helpers, households and members. Member ID numbers are
    unique; household numbers are the village code and a 4-digit sequence."""
    rng = random.Random(seed)
    today = today or datetime.date.today()
    keep = keep_objects if keep_objects is not None else towns * villages_per_town * households_per_village <= 2000
    county = Region.objects.create(code=f"{code}000000", name=name, level=RegionLevel.COUNTY)
    result = County(county)
    for t in range(1, towns + 1):
        town = Region.objects.create(code=f"{code}{t:03d}000", name=TOWN_NAMES[(t - 1 + int(code) % 10 * 3) % 10] + ("" if t <= 10 else str(t)),
                                     level=RegionLevel.TOWN, parent=county)
        result.towns.append(town)
        for v in range(1, villages_per_town + 1):
            result.villages.append(Region.objects.create(
                code=f"{code}{t:03d}{v:03d}", name=f"{SURNAMES[(t + v) % len(SURNAMES)]}家{VILLAGE_SUFFIX[v % 8]}",
                level=RegionLevel.VILLAGE, parent=town, is_poor_village=v % 3 == 0))
    unit, _created = AssistingUnit.objects.get_or_create(name="县农业农村局")
    helpers = Helper.objects.bulk_create(
        Helper(name=_name(rng), phone=f"139{code[-4:]}{i:04d}", unit=unit) for i in range(max(2, towns * 5))
    )

    statuses = HouseholdStatus.values
    pending, seq = [], 0  # (household, member plan) waiting for a bulk insert
    for village in result.villages:
        town = next(t for t in result.towns if t.pk == village.parent_id)
        for n in range(1, households_per_village + 1):
            household = Household(
                household_no=f"{village.code}{n:04d}", county=county, town=town, village=village,
                head_name=_name(rng), household_type=rng.choice(HouseholdType.values),
                status=statuses[rng.randrange(len(statuses))] if rng.random() < 0.6 else HouseholdStatus.LIFTED,
                identified_year=rng.choice((2014, 2015, 2016)), main_cause=rng.choice(MainCause.values),
                food_clothing=rng.random() > 0.03, water_safe=rng.random() > 0.05,
                house_rating=rng.choice(HouseRating.values), house_renovated=rng.random() > 0.2,
                wage=Decimal(rng.randrange(0, 30000)), business=Decimal(rng.randrange(0, 8000)),
                business_expense=Decimal(rng.randrange(0, 2000)), property=Decimal(rng.randrange(0, 500)),
                transfer=Decimal(rng.randrange(500, 6000)), helper=rng.choice(helpers),
                phone=f"138{rng.randrange(10**8):08d}",
            )
            pending.append((household, _plan_members(rng, household)))
        if len(pending) >= batch // 4 or village is result.villages[-1]:
            Household.objects.bulk_create([h for h, _plan in pending], batch_size=batch)
            people = []
            for household, plan in pending:
                for member in plan:
                    seq += 1
                    people.append(_person(household, member, seq, today))
            Person.objects.bulk_create(people, batch_size=batch)
            if keep:
                result.households += [h for h, _plan in pending]
                result.people += people
            pending = []
    return result


def _plan_members(rng, household) -> list[tuple]:
    """Head, usually a spouse, 0–3 children (often of compulsory-school age), sometimes a parent;
    sets size and incomes so that the recorded net income agrees with its parts."""
    head_sex = Sex.MALE if rng.random() < 0.8 else Sex.FEMALE
    surname = household.head_name[0]
    head_age = rng.randrange(30, 70)
    plan = [(Relation.HEAD, head_sex, head_age, household.head_name)]
    if rng.random() < 0.75:
        plan.append((Relation.SPOUSE, Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE,
                     head_age - rng.randrange(0, 5), _name(rng)))
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        sex = rng.choice(Sex.values)
        age = max(0, min(head_age - 22, rng.randrange(1, 25)))
        plan.append((Relation.SON if sex == Sex.MALE else Relation.DAUGHTER, sex, age, _name(rng, surname)))
    if rng.random() < 0.15:
        plan.append((Relation.PARENT, rng.choice(Sex.values), head_age + rng.randrange(22, 30), _name(rng)))
    plan = [(*member, rng.random(), rng.choice(Health.values), rng.choice(Labor.values), rng.random())
            for member in plan]
    household.household_size = len(plan)
    household.net_income = household.computed_net_income
    household.per_capita_income = (household.net_income / len(plan)).quantize(Decimal("0.01"))
    return plan


def _person(household, member, seq, today) -> Person:
    relation, sex, age, name, r_health, health, labor, r_insured = member
    # Birth day and order code both derive from seq, so that ID numbers are unique in any build.
    born = datetime.date(today.year - age - 1, 1, 1) + datetime.timedelta(days=(seq // 500) % 365)
    schooling = (Schooling.PRIMARY if 6 <= age <= 11 else Schooling.JUNIOR if 12 <= age <= 15
                 else Schooling.NOT_IN_SCHOOL)
    return Person(
        source_key=f"{household.household_no}-{seq}", household=household, person_no=f"P{seq:08d}",
        name=name, id_number=make_id_number(born, seq, sex, prefix=household.household_no[:6]),
        sex=sex, relation=relation, ethnicity="汉族", schooling=schooling,
        health=Health.HEALTHY if r_health < 0.8 else health, labor=labor, medical_insured=r_insured > 0.02,
    )


def make_user(username, role, regions=(), *, password=PASSWORD, **extra) -> User:
    user = User.objects.create_user(username=username, password=password, role=role, **extra)
    user.regions.set(regions)
    return user
