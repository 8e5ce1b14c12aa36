"""Small invented registry files for the import tests. Names and codes are made up: region codes
start with 99 (no province has it) and ID numbers use that prefix too."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

HEADERS = [
    "县", "乡镇", "行政村", "村代码", "户编号", "人编号", "姓名", "证件号码", "性别", "与户主关系", "人数",
    "贫困户属性", "脱贫属性", "识别年度", "脱贫年度", "主要致贫原因", "危房等级", "是否完成危房改造",
    "饮水是否安全", "工资性收入", "转移性收入", "人均纯收入", "帮扶责任人", "帮扶责任人联系电话", "帮扶单位",
    "健康状况", "劳动技能", "在校生状况", "务工时间（月）", "是否参加城乡居民基本医疗保险", "联系电话",
]

HOUSEHOLD_1 = {
    "县": "示例县", "乡镇": "东山镇", "行政村": "青松村", "村代码": "990101001001", "户编号": "H001",
    "人数": "2", "贫困户属性": "一般贫困户", "脱贫属性": "已脱贫", "识别年度": "2016", "脱贫年度": "2019",
    "主要致贫原因": "因病", "危房等级": "A", "是否完成危房改造": "是", "饮水是否安全": "是",
    "工资性收入": "1200", "转移性收入": "800.5", "人均纯收入": "5000", "帮扶责任人": "陈帮扶",
    "帮扶责任人联系电话": "13900000001", "帮扶单位": "示例县农业农村局",
}
HOUSEHOLD_2 = {
    **HOUSEHOLD_1, "行政村": "白杨村", "村代码": "990101002001", "乡镇": "西河乡", "户编号": "H002", "人数": "1",
    "贫困户属性": "五保户", "脱贫属性": "未脱贫", "脱贫年度": "", "主要致贫原因": "缺劳力", "危房等级": "C",
    "是否完成危房改造": "否", "工资性收入": "", "转移性收入": "3000", "人均纯收入": "3000",
    "帮扶责任人": "吴帮扶", "帮扶责任人联系电话": "13900000002", "帮扶单位": "示例县教育局",
}
# The western town's code: 990101 002 000 (county 990101000000).
PEOPLE = [
    {**HOUSEHOLD_1, "人编号": "P001", "姓名": "张三丰", "证件号码": "990101198503151234", "性别": "男",
     "与户主关系": "户主", "健康状况": "健康", "劳动技能": "普通劳动力", "在校生状况": "非在校生",
     "务工时间（月）": "6", "是否参加城乡居民基本医疗保险": "是", "联系电话": "13700000001"},
    {**HOUSEHOLD_1, "人编号": "P002", "姓名": "李小梅", "证件号码": "990101198706201228", "性别": "女",
     "与户主关系": "配偶", "健康状况": "长期慢性病", "劳动技能": "弱劳动力或半劳动力", "在校生状况": "非在校生",
     "务工时间（月）": "0", "是否参加城乡居民基本医疗保险": "是", "联系电话": ""},
    {**HOUSEHOLD_2, "人编号": "P003", "姓名": "孙大山", "证件号码": "99010119550101003X", "性别": "男",
     "与户主关系": "户主", "健康状况": "残疾", "劳动技能": "丧失劳动力", "在校生状况": "非在校生",
     "务工时间（月）": "", "是否参加城乡居民基本医疗保险": "否", "联系电话": ""},
]


def people(*changes: dict) -> list[dict]:
    """The three default people, with changes applied by position ({} leaves a row alone)."""
    rows = [dict(p) for p in PEOPLE]
    for index, change in enumerate(changes):
        rows[index].update(change)
    return rows


def write_csv(path: Path, rows: list[dict], headers: list[str] | None = None, *, titles: list[str] = (),
              encoding: str = "utf-8", delimiter: str = ",") -> Path:
    headers = headers or HEADERS
    with open(path, "w", encoding=encoding, newline="") as handle:
        handle.writelines(title + "\r\n" for title in titles)
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: list[list], *, titles: list[str] = (), sheet: str = "登记表",
               before: list[str] = ()) -> Path:
    """Rows are lists of cells (typed: numbers stay numbers, dates stay dates); the first is the header."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    for name in before:
        workbook.add_worksheet(name).write(0, 0, "说明")
    sheet_ = workbook.add_worksheet(sheet)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    r = 0
    for title in titles:
        sheet_.write(r, 0, title)
        r += 1
    for row in rows:
        for c, value in enumerate(row):
            if isinstance(value, (dt.date, dt.datetime)):
                sheet_.write_datetime(r, c, value, date_format)
            elif value is None:
                continue
            else:
                sheet_.write(r, c, value)
        r += 1
    workbook.close()
    return path


def table(rows: list[dict], headers: list[str] | None = None) -> list[list]:
    headers = headers or HEADERS
    return [headers] + [[row.get(h, "") for h in headers] for row in rows]
