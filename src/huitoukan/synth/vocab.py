"""The Chinese words the synthetic files use, indexed by small integer codes.

The generator keeps every categorical value as an integer code (numpy arrays stay small and fast)
and turns codes into the words of DOMAIN.md §2 only when writing. The words are the first, canonical
ones a county export uses, so that the importer's vocabulary reads them without synonyms.
"""

# 与户主关系 — order matters: the generator refers to these indices by name below.
RELATIONS = ["户主", "配偶", "之子", "之女", "之儿媳", "之女婿", "之孙子", "之孙女", "之父母", "之兄弟姐妹", "其他"]
HEAD, SPOUSE, SON, DAUGHTER, DAUGHTER_IN_LAW, SON_IN_LAW, GRANDSON, GRANDDAUGHTER, PARENT, SIBLING, OTHER = range(11)
CHILD_RELATIONS = (SON, DAUGHTER)
GRANDCHILD_RELATIONS = (GRANDSON, GRANDDAUGHTER)

SEX = ["女", "男"]  # index = 1 if male

# 脱贫属性 (status)
STATUSES = ["未脱贫", "已脱贫", "返贫", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户", "风险已消除"]
NOT_LIFTED, LIFTED, RETURNED, UNSTABLE, MARGINAL, SUDDEN_HARDSHIP, RISK_CLEARED = range(7)
STATUS_IDENTIFIERS = ["not_lifted", "lifted", "returned", "unstable", "marginal", "sudden_hardship", "risk_cleared"]

# 贫困户属性 (household_type)
HOUSEHOLD_TYPES = ["一般贫困户", "低保贫困户", "特困供养贫困户"]
ORDINARY, DIBAO, TEKUN = range(3)

# 主要致贫原因 (main_cause), with a plausible county mix.
CAUSES = ["因病", "因残", "因学", "因灾", "缺土地", "缺水", "缺技术", "缺劳力", "缺资金", "交通条件落后", "自身发展动力不足"]
CAUSE_WEIGHTS = [0.25, 0.10, 0.08, 0.03, 0.05, 0.02, 0.15, 0.12, 0.12, 0.03, 0.05]

HEALTH = ["健康", "长期慢性病", "患有大病", "残疾"]
HEALTHY, CHRONIC, SERIOUS_ILLNESS, DISABLED = range(4)

DISABILITY_GRADES = ["", "一级", "二级", "三级", "四级"]  # index = grade

LABOR = ["普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力"]
ORDINARY_LABOR, SKILLED_LABOR, WEAK_LABOR, LOST_LABOR, NO_LABOR = range(5)

SCHOOLING = ["学前", "小学", "初中", "高中", "中职", "高职/大专", "本科及以上", "非在校生", "辍学"]
PRESCHOOL, PRIMARY, JUNIOR, SENIOR, VOCATIONAL, COLLEGE, UNIVERSITY, NOT_IN_SCHOOL, DROPPED_OUT = range(9)
# Stages the education bureau's enrolment list (school.csv) covers, with their 学段 words.
SCHOOL_STAGE = {PRIMARY: "小学", JUNIOR: "初中", SENIOR: "高中", VOCATIONAL: "中职"}

EDUCATION_LEVELS = ["学龄前儿童", "文盲或半文盲", "小学", "初中", "高中", "大专及以上"]
PRESCHOOL_CHILD, ILLITERATE, EDU_PRIMARY, EDU_JUNIOR, EDU_SENIOR, EDU_COLLEGE = range(6)

ETHNICITIES = ["汉族", "苗族", "侗族", "布依族", "土家族", "彝族", "水族"]
ETHNICITY_WEIGHTS = [0.55, 0.17, 0.12, 0.08, 0.04, 0.02, 0.02]

HOUSE_RATINGS = ["A", "B", "C", "D"]

YES, NO = "是", "否"

# Department vocabularies (DOMAIN.md §4).
CAR_TYPES = ["小型轿车", "微型轿车", "小型普通客车", "小型越野客车", "中型普通客车"]
NON_CAR_TYPES = ["小型面包车", "微型面包车", "小型普通客车（面包车）", "轻型普通货车", "重型普通货车", "轻型厢式货车",
                 "三轮汽车", "正三轮摩托车", "普通二轮摩托车", "手扶拖拉机", "轮式拖拉机", "农用运输车"]
ACTIVE_BUSINESS_STATUSES = ["存续", "在业", "开业"]
INACTIVE_BUSINESS_STATUSES = ["注销", "吊销", "迁出"]
BUSINESS_TYPES = ["个体工商户", "有限责任公司", "农民专业合作社", "个人独资企业"]
COMMERCIAL_HOUSING = "商品房"
OTHER_HOUSING = ["自建房", "安置房"]
PAYROLL_CATEGORIES = ["公务员", "参照公务员法管理人员", "事业编制人员", "教师", "村干部", "机关工勤人员"]
DIBAO_CATEGORIES = ["低保", "特困"]
DISABILITY_KINDS = ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]
SCHOOL_ENROLMENT = ["在校", "休学", "辍学", "毕业"]
INSURED, NOT_INSURED, SUSPENDED = "参保", "未参保", "停保"

# County departments that send helpers (帮扶单位) and employ payroll staff; the county name is
# prefixed when writing.
COUNTY_UNITS = ["农业农村局", "教育局", "财政局", "人力资源和社会保障局", "卫生健康局", "水务局", "交通运输局",
                "住房和城乡建设局", "自然资源局", "民政局", "审计局", "统计局", "林业局", "文化广电旅游局",
                "市场监督管理局", "发展和改革局", "供销合作社", "人民医院", "第一中学", "乡村振兴局"]
