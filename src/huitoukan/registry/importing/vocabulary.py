"""The words counties write in their registry files, and what they mean.

Everything an office might have to extend lives here as plain data: header synonyms per field, and
the words accepted for each enumerated value. Matching is done after the same normalisation that
the cleaners apply to cells (NFKC, so full-width brackets and letters equal their ASCII forms; no
whitespace; lower case), so a synonym is written here once, the way people type it.

To accept a new header or value, add it to the lists below; the first header of each field is the
one the documentation and error messages name.
"""

# field → header synonyms (DOMAIN.md §4, plus variants seen in county exports).
HEADERS: dict[str, list[str]] = {
    # regions
    "county": ["县", "县（市、区、旗）", "县(市、区)", "县市区", "县区", "县名称"],
    "town": ["乡镇", "乡（镇）", "乡(镇、街道)", "乡镇（街道）", "乡镇街道", "乡镇名称"],
    "village": ["行政村", "村", "村（社区）", "行政村（社区）", "村名称"],
    "hamlet": ["自然村", "组", "村民小组", "自然村（组）", "屯"],
    "region_code": ["行政区划代码", "村代码", "区划代码", "村级代码"],
    # household
    "household_no": ["户编号", "户码", "家庭编号"],
    "household_size": ["人数", "家庭人口数", "家庭人数", "户人数"],
    "household_type": ["贫困户属性", "户属性"],
    "status": ["脱贫属性", "户类型", "贫困户状态", "户状态"],
    "identified_year": ["识别年度", "纳入年度", "识别年份"],
    "exit_year": ["脱贫年度", "退出年度", "脱贫年份"],
    "main_cause": ["主要致贫原因", "致贫原因"],
    "house_rating": ["危房等级", "住房安全等级", "住房等级"],
    "house_renovated": ["是否完成危房改造", "危房是否改造"],
    "water_safe": ["饮水是否安全", "是否解决安全饮水", "是否饮水安全"],
    "food_clothing": ["是否不愁吃不愁穿", "不愁吃不愁穿"],
    "wage": ["工资性收入"],
    "business": ["生产经营性收入"],
    "business_expense": ["生产经营性支出"],
    "property": ["财产性收入"],
    "transfer": ["转移性收入"],
    "net_income": ["家庭年纯收入", "家庭纯收入", "年纯收入"],
    "per_capita_income": ["人均纯收入", "人均年纯收入"],
    "helper": ["帮扶责任人", "帮扶责任人姓名", "帮扶人"],
    "helper_phone": ["帮扶责任人联系电话", "帮扶责任人电话", "帮扶人电话"],
    "helper_unit": ["帮扶单位", "帮扶责任人单位", "帮扶责任人工作单位"],
    # person
    "person_no": ["人编号", "人员编号", "成员编号"],
    "name": ["姓名", "成员姓名"],
    "id_number": ["证件号码", "身份证号", "身份证号码", "公民身份号码", "身份证件号码"],
    "sex": ["性别"],
    "relation": ["与户主关系"],
    "ethnicity": ["民族"],
    "education_level": ["文化程度"],
    "schooling": ["在校生状况", "在校情况"],
    "health": ["健康状况"],
    "disability_grade": ["残疾等级"],
    "labor": ["劳动技能", "劳动能力"],
    "migrant_months": ["务工时间（月）", "务工月数", "务工时间"],
    "medical_insured": ["是否参加城乡居民基本医疗保险", "是否参加基本医疗保险", "基本医保", "是否参加大病保险"],
    "deceased": ["是否死亡", "死亡标注"],
    "phone": ["联系电话", "电话"],
}

# field → code → the words that mean it. Codes are DOMAIN.md §2's identifiers.
VALUES: dict[str, dict[str, list[str]]] = {
    "relation": {
        "head": ["户主", "本人"],
        "spouse": ["配偶", "妻", "妻子", "夫", "丈夫", "之配偶"],
        "son": ["之子", "子", "儿子", "长子", "次子", "三子", "四子", "独子", "养子", "继子"],
        "daughter": ["之女", "女", "女儿", "长女", "次女", "三女", "四女", "独女", "养女", "继女"],
        "daughter_in_law": ["之儿媳", "儿媳", "儿媳妇", "媳妇"],
        "son_in_law": ["之女婿", "女婿"],
        "grandson": ["之孙子", "孙子", "之外孙子", "外孙子", "外孙"],
        "granddaughter": ["之孙女", "孙女", "之外孙女", "外孙女"],
        "parent": ["之父母", "父母", "之父", "之母", "父亲", "母亲", "父", "母", "之公婆", "之岳父母"],
        "sibling": ["之兄弟姐妹", "兄弟姐妹", "兄", "弟", "姐", "妹", "兄弟", "姐妹", "哥哥", "弟弟", "姐姐", "妹妹"],
        "other": ["其他", "其它", "其他亲属", "之其他亲属"],
    },
    "sex": {
        "male": ["男", "男性"],
        "female": ["女", "女性"],
    },
    "health": {
        "healthy": ["健康"],
        "chronic": ["长期慢性病", "慢性病"],
        "serious_illness": ["患有大病", "大病"],
        "disabled": ["残疾"],
    },
    "labor": {
        "ordinary": ["普通劳动力"],
        "skilled": ["技能劳动力"],
        "weak": ["弱劳动力或半劳动力", "弱劳动力", "半劳动力"],
        "lost": ["丧失劳动力"],
        "none": ["无劳动力"],
    },
    "schooling": {
        "preschool": ["学前", "学前教育", "学龄前", "幼儿园"],
        "primary": ["小学", "小学在读"],
        "junior": ["初中", "初中在读"],
        "senior": ["高中", "普通高中", "高中在读"],
        "vocational": ["中职", "中专", "中职在读", "中专在读"],
        "college": ["高职/大专", "高职", "大专", "高职在读", "大专在读"],
        "university": ["本科及以上", "本科", "研究生", "本科在读", "研究生在读"],
        "not_in_school": ["非在校生", "非在校", "不在校"],
        "dropped_out": ["辍学"],
    },
    "household_type": {
        "ordinary": ["一般贫困户", "一般户", "一般"],
        "dibao": ["低保贫困户", "低保户", "低保"],
        "tekun": ["特困供养贫困户", "特困供养贫困户（五保户）", "特困供养户", "特困户", "特困", "五保户", "五保贫困户", "五保"],
    },
    "status": {
        "not_lifted": ["未脱贫", "贫困户", "未脱贫户"],
        "lifted": ["已脱贫", "脱贫户", "已脱贫户", "已脱贫（享受政策）", "已脱贫（不再享受政策）", "脱贫"],
        "returned": ["返贫", "返贫户"],
        "unstable": ["脱贫不稳定户"],
        "marginal": ["边缘易致贫户"],
        "sudden_hardship": ["突发严重困难户"],
        "risk_cleared": ["风险已消除"],
    },
    "main_cause": {
        "illness": ["因病"],
        "disability": ["因残"],
        "schooling": ["因学"],
        "disaster": ["因灾"],
        "land": ["缺土地", "缺地"],
        "water": ["缺水"],
        "skills": ["缺技术"],
        "labor": ["缺劳力", "缺劳动力"],
        "capital": ["缺资金"],
        "transport": ["交通条件落后", "交通落后"],
        "motivation": ["自身发展动力不足", "自身发展动力不足（懒）", "内生动力不足"],
    },
    "house_rating": {
        "A": ["A", "A级"],
        "B": ["B", "B级"],
        "C": ["C", "C级", "C级危房"],
        "D": ["D", "D级", "D级危房"],
    },
}

# Yes/no columns (是/否, 1/0, Y/N, √/×).
FLAG_WORDS: dict[bool, list[str]] = {
    True: ["是", "1", "Y", "yes", "true", "√", "✓", "✔", "有", "已", "已完成", "已参加", "参加", "安全", "死亡", "已死亡"],
    False: ["否", "0", "N", "no", "false", "×", "✗", "✘", "x", "无", "未", "未完成", "未参加", "不安全", "健在"],
}

# Cells that mean "nothing recorded" in enumerated, numeric, flag and date columns (never in names
# or ID numbers, where "无" would be a value to keep).
NULL_WORDS: list[str] = ["/", "-", "--", "—", "——", "无", "空", "null", "none", "nan", "#N/A", "n/a"]

# Unit words stripped from numbers: "1,234.50元", "3人", "6个月", "2016年".
AMOUNT_UNITS: list[str] = ["元", "人民币", "rmb", "￥", "¥"]
COUNT_UNITS: list[str] = ["人", "口", "个月", "月", "个"]
YEAR_UNITS: list[str] = ["年度", "年"]
