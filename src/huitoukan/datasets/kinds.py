"""The ten kinds of department dataset (DOMAIN.md §4): who provides each, which columns it has, how
each column is typed, and which are required.

Plain data, like registry/importing/vocabulary.py: to accept another header a department writes,
add it to the column's `headers` (the first one is the one messages and the docs name). Every
kind's normalised table starts with the same person columns (`PERSON_COLUMNS`), then the kind's own;
a column the file lacks is null in every row, so that each kind has one fixed schema
(`table_schema`) whatever file it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pyarrow as pa
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Column types: how a cell is cleaned (loading/normalise.py) and stored.
TEXT = "text"  # NFKC, trimmed, empty → null
ID_NUMBER = "id_number"  # cleaned like the registry's (full-width, lower-case x, Excel numbers); not validated
SEX = "sex"  # 男/女 → male/female, the identifiers of the registry and of the ID number check
DATE = "date"  # 2019-05-01, 2019/5/1, 2019.05.01, 20190501, Excel serials
AMOUNT = "amount"  # yuan, "1,234.50元" → Decimal with 2 places
YEAR = "year"  # "2020", "2020年", "2020年度"
FLAG = "flag"  # 是/否, 1/0, Y/N
GRADE = "grade"  # disability grade: 一级 / 1 / 1级 … → 1–4

ARROW_TYPES = {
    TEXT: pa.string(), ID_NUMBER: pa.string(), SEX: pa.string(), DATE: pa.date32(),
    AMOUNT: pa.decimal128(14, 2), YEAR: pa.int32(), FLAG: pa.bool_(), GRADE: pa.int8(),
}

# Disability grades as certificates and exports write them.
GRADE_WORDS: dict[int, list[str]] = {
    1: ["一级", "1级", "1", "一", "Ⅰ级", "I级", "壹级"],
    2: ["二级", "2级", "2", "二", "Ⅱ级", "II级", "贰级"],
    3: ["三级", "3级", "3", "三", "Ⅲ级", "III级", "叁级"],
    4: ["四级", "4级", "4", "四", "Ⅳ级", "IV级", "肆级"],
}


@dataclass(frozen=True)
class ColumnSpec:
    name: str  # the column of the normalised table
    type: str
    headers: tuple[str, ...]  # header synonyms; the first is the canonical one
    required: bool = False  # the file must have the column and every row a value
    # Health data (disability, medical costs): shown only to roles that may see health data.
    health: bool = False

    @property
    def header(self) -> str:
        return self.headers[0]


def _c(name, type_, *headers, required=False, health=False) -> ColumnSpec:
    return ColumnSpec(name, type_, tuple(headers), required, health)


_ID_HEADERS = ("证件号码", "身份证号", "身份证号码", "公民身份号码", "身份证件号码", "居民身份证号码")
_NAME_HEADERS = ("姓名",)


def _person(id_headers=(), name_headers=()) -> tuple[ColumnSpec, ...]:
    """The person columns every kind has; `id_headers` and `name_headers` add the kind's own words
    (vehicle owners, legal representatives, title holders) to the common ones."""
    return (
        _c("id_number", ID_NUMBER, *_ID_HEADERS, *id_headers),
        _c("name", TEXT, *_NAME_HEADERS, *name_headers),
        # Not 出生年月: it is often a month only (1980.01), which is no date.
        _c("birth_date", DATE, "出生日期", "出生年月日"),
        _c("sex", SEX, "性别"),
        # Not a bare 地址: in business and property files it is the premises', not the person's.
        _c("address", TEXT, "户籍地址", "户籍地", "户籍所在地", "住址", "家庭住址", "居住地址"),
    )


# The person columns of every normalised table, in order, after row_number.
PERSON_COLUMNS = ("id_number", "name", "birth_date", "sex", "address")


@dataclass(frozen=True)
class Kind:
    code: str
    label: str  # lazy msgid
    provider: str  # lazy msgid: the department that provides it
    person: tuple[ColumnSpec, ...]
    own: tuple[ColumnSpec, ...]

    @property
    def columns(self) -> tuple[ColumnSpec, ...]:
        return self.person + self.own

    @property
    def required(self) -> list[ColumnSpec]:
        return [spec for spec in self.columns if spec.required]

    def column(self, name: str) -> ColumnSpec:
        return next(spec for spec in self.columns if spec.name == name)


KINDS: dict[str, Kind] = {kind.code: kind for kind in (
    Kind("death", pgettext_lazy("dataset kind", "deaths"), _("police (公安)"), _person(), (
        _c("death_date", DATE, "死亡日期", "死亡时间", "注销日期", required=True),
    )),
    Kind("vehicle", pgettext_lazy("dataset kind", "vehicles"), _("traffic police (车管)"),
         _person(("所有人证件号码", "机动车所有人证件号码", "车主证件号码", "所有人身份证号"),
                 ("所有人", "所有人姓名", "机动车所有人", "车主", "车主姓名")), (
        _c("plate_no", TEXT, "号牌号码", "车牌号码", "车牌号"),
        _c("vehicle_type", TEXT, "车辆类型", "车辆类型名称", "车型", required=True),
        _c("registered_on", DATE, "初次登记日期", "登记日期", "注册登记日期"),
    )),
    Kind("business", pgettext_lazy("dataset kind", "businesses"), _("market regulation (市场监管)"),
         _person(("经营者证件号码", "法定代表人证件号码", "法定代表人身份证号", "经营者身份证号", "负责人证件号码"),
                 ("经营者姓名", "经营者", "法定代表人", "法定代表人姓名", "负责人")), (
        _c("entity_name", TEXT, "主体名称", "企业名称", "字号名称", "名称"),
        _c("entity_type", TEXT, "主体类型", "企业类型", "市场主体类型"),
        _c("registration_status", TEXT, "登记状态", "经营状态", "企业状态", required=True),
        _c("established_on", DATE, "成立日期", "注册日期"),
    )),
    Kind("property", pgettext_lazy("dataset kind", "real estate"), _("housing and real estate (住建 / 不动产)"),
         _person(("权利人证件号码", "产权人证件号码", "权利人身份证号"), ("权利人", "权利人姓名", "产权人", "产权人姓名")), (
        _c("location", TEXT, "房屋坐落", "坐落", "房屋地址"),
        _c("property_type", TEXT, "房屋性质", "房屋类型", "房屋用途", required=True),
        _c("registered_on", DATE, "登记日期", "登簿日期", "登记时间"),
    )),
    Kind("payroll", pgettext_lazy("dataset kind", "public payroll"), _("finance / human resources (财政 / 人社)"), _person(), (
        _c("employer", TEXT, "工作单位", "单位名称", "所在单位"),
        _c("staff_category", TEXT, "人员类别", "人员身份", "编制类型"),
    )),
    Kind("dibao", pgettext_lazy("dataset kind", "dibao and tekun"), _("civil affairs (民政)"), _person(), (
        _c("category", TEXT, "救助类别", "保障类别", "救助类型", required=True),
        _c("start_date", DATE, "开始日期", "保障开始日期", "纳入日期", "起始日期", required=True),
        _c("end_date", DATE, "终止日期", "保障终止日期", "退出日期", "结束日期"),
    )),
    Kind("disability", pgettext_lazy("dataset kind", "disability"), _("disabled persons' federation (残联)"), _person(), (
        _c("disability_kind", TEXT, "残疾类别", "残疾类型", health=True),
        _c("disability_grade", GRADE, "残疾等级", "残疾级别", required=True, health=True),
    )),
    Kind("school", pgettext_lazy("dataset kind", "school enrolment"), _("education (教育)"), _person(), (
        _c("school_name", TEXT, "学校名称", "就读学校", "学校"),
        _c("stage", TEXT, "学段", "就读学段"),
        _c("enrolment_status", TEXT, "学籍状态", "在校状态", "学籍状况", required=True),
    )),
    Kind("medical_insurance", pgettext_lazy("dataset kind", "medical insurance"), _("health insurance (医保)"), _person(), (
        _c("insured_year", YEAR, "参保年度", "参保年份", "缴费年度"),
        _c("insurance_status", TEXT, "参保状态", "参保状况", required=True),
    )),
    Kind("medical_cost", pgettext_lazy("dataset kind", "medical costs"), _("health insurance (医保)"), _person(), (
        _c("year", YEAR, "年度", "结算年度", "就诊年度", required=True),
        _c("total_cost", AMOUNT, "医疗总费用", "总费用", "医疗费用总额", health=True),
        _c("self_paid", AMOUNT, "个人自付金额", "个人自付", "自付金额", "个人负担金额", required=True, health=True),
    )),
)}

KIND_CHOICES = [(code, kind.label) for code, kind in KINDS.items()]


def get_kind(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValueError(f"unknown dataset kind {code!r}; one of: {', '.join(KINDS)}") from None


# The extra columns a file has beyond its kind's: header → cell text, in file order.
EXTRA_TYPE = pa.map_(pa.string(), pa.string())


@cache
def table_schema(code: str) -> pa.Schema:
    """The schema of a kind's normalised table (the Parquet file of each load)."""
    kind = get_kind(code)
    fields = [pa.field("row_number", pa.int64(), nullable=False)]
    fields += [pa.field(spec.name, ARROW_TYPES[spec.type]) for spec in kind.columns]
    fields.append(pa.field("extra", EXTRA_TYPE))
    return pa.schema(fields, metadata={b"huitoukan.kind": code.encode(), b"huitoukan.schema_version": b"1"})
