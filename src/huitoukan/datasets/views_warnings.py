"""The early-warning page (应纳尽纳) and its .xlsx export: warnings.month_warnings for a chosen month,
filtered by town and signal, with counts per town and signal.

Each row carries its dispatch status (dispatch.attach_status: not dispatched, dispatched, overdue,
visited with the outcome), filterable, counted per town; a DISPATCH_WARNINGS user gets the ticks
and buttons that post to views_dispatch.dispatch.

VIEW_DATASETS (department records are personal data) and VIEW_REGISTRY: the page says who of a
department's people is in the registry, and in which household — registry data a department's clerk
(VIEW_DATASETS only) may not read. The export also needs EXPORT_PERSONAL and is logged
(accounts.audit, "datasets.warnings"). ID numbers and health data are masked per the viewer.
"""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from huitoukan.accounts.audit import log_export
from huitoukan.accounts.decorators import capability_required
from huitoukan.accounts.roles import Capability, can

from .dispatch import STATUS_LABELS, attach_status, dispatchable_towns, filter_status, status_counts
from .kinds import get_kind
from .warnings import SIGNAL_LABELS, UNKNOWN_TOWN, month_warnings, viewer_row

PAGE_SIZE = 100
MONTHS_OFFERED = 24
SIGNAL_ZH = {"new_dibao": "新增低保特困", "severe_disability": "一二级残疾", "high_medical_cost": "大额医疗自付",
             "death": "死亡"}
DATASET_ZH = {"dibao": "民政低保特困", "disability": "残联残疾人", "medical_cost": "医保医疗费用", "death": "公安死亡人员"}
LINK_LABELS = {"exact": "证件号码一致", "probabilistic": "比对一致", "reviewed": "人工核实一致"}


def _months(today: dt.date) -> list[dt.date]:
    first, out = today.replace(day=1), []
    for _i in range(MONTHS_OFFERED):
        out.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return out


def _chosen(request, query=None) -> tuple[dt.date, str, str, str]:
    """(month, town, signal, status) from the query string (or `query`, a POST's); a month that is
    no month falls back to the current one, with a message."""
    query = request.GET if query is None else query
    today = timezone.localdate()
    value = (query.get("month") or "").strip()
    month = today.replace(day=1)
    if value:
        try:
            month = dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            messages.error(request, _("“%(value)s” is not a month (YYYY-MM): showing the current month.")
                           % {"value": value})
    signal, status = query.get("signal") or "", query.get("status") or ""
    return (month, (query.get("town") or "").strip(), signal if signal in SIGNAL_LABELS else "",
            status if status in STATUS_LABELS else "")


def chosen_rows(request, query=None):
    """(warnings, rows, (month, town, signal, status)): the month's signals the user may see with
    their dispatch status, and those the filters keep."""
    month, town, signal, status = _chosen(request, query)
    warnings = month_warnings(request.user, month)
    attach_status(warnings.rows)
    rows = filter_status(warnings.filtered(town=town, signal=signal), status)
    return warnings, rows, (month, town, signal, status)


def _allowed(request) -> None:
    if not can(request.user, Capability.VIEW_REGISTRY):
        raise PermissionDenied


@capability_required(Capability.VIEW_DATASETS)
def warning_list(request):
    _allowed(request)
    warnings, rows, (month, town, signal, status) = chosen_rows(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [viewer_row(request.user, r) for r in page.object_list]
    signals, counts = warnings.counts()
    by_status = status_counts(warnings.rows)
    for entry in counts:
        entry.update(by_status.get(entry["town_key"], {}))
    can_dispatch = can(request.user, Capability.DISPATCH_WARNINGS)
    months = _months(timezone.localdate())
    if month not in months:
        months.append(month)
    return render(request, "datasets/warnings.html", {
        "warnings": warnings, "page": page, "month": month, "months": months, "town": town, "signal": signal,
        "signal_labels": [SIGNAL_LABELS[s] for s in signals], "signals": list(SIGNAL_LABELS.items()),
        "counts": counts, "unknown_town": UNKNOWN_TOWN, "shown": len(rows),
        "missing": [get_kind(k).label for k in warnings.missing],
        "can_export": can(request.user, Capability.EXPORT_PERSONAL), "status": status,
        "statuses": list(STATUS_LABELS.items()), "can_dispatch": can_dispatch,
        "towns": list(dispatchable_towns(request.user)) if can_dispatch else [],
        "open_shown": sum(1 for r in rows if r["status"] == "open"),
    })


# The file's headers are fixed Chinese (one layout for the county, as the ledger exports).
HEADERS = ["乡镇", "村", "预警类型", "姓名", "证件号码", "是否在库", "户编号", "部门数据", "导入批次", "行号", "记录数",
           "匹配方式", "日期", "类别", "残疾等级", "个人自付合计（元）", "户籍地址",
           "下发状态", "下发日期", "走访期限", "走访日期", "走访结果", "走访情况说明"]
WIDTHS = [12, 14, 16, 10, 22, 10, 20, 14, 9, 8, 7, 14, 11, 12, 9, 16, 40, 14, 11, 11, 11, 16, 30]
STATUS_ZH = {"open": "未下发", "dispatched": "已下发待走访", "overdue": "已下发逾期未走访", "visited": "已走访"}
OUTCOME_ZH = {"monitored": "已纳入监测", "eligible": "符合条件待纳入", "not_eligible": "不符合条件",
              "already_in": "已在册无需处理", "not_found": "查无此人"}


def _status_cells(row) -> list[str]:
    d = row["dispatch"]
    if d is None:
        return [STATUS_ZH["open"], "", "", "", "", ""]
    return [STATUS_ZH[row["status"]], timezone.localdate(d.dispatched_at).isoformat(), d.due_on.isoformat(),
            d.visited_on.isoformat() if d.visited_on else "", OUTCOME_ZH.get(d.outcome, ""), d.visit_note]


@capability_required(Capability.VIEW_DATASETS)
def warning_export(request):
    _allowed(request)
    if not can(request.user, Capability.EXPORT_PERSONAL):
        raise PermissionDenied
    import xlsxwriter

    _warnings, rows, (month, town, signal, status) = chosen_rows(request)
    rows = [viewer_row(request.user, r) for r in rows]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(f"{month:%Y年%m月}预警")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, HEADERS, bold)
    for i, width in enumerate(WIDTHS):
        sheet.set_column(i, i, width)
    for n, row in enumerate(rows, start=1):
        cells = [
            row["town"] or "乡镇不明", row["village"] or "", SIGNAL_ZH[row["signal"]], row["name"] or "",
            row["id_number"] or "", "是" if row["in_registry"] else "否（应纳未纳线索）",
            row["household_no"] or "", DATASET_ZH[row["dataset"]], row["load_id"], row["row_number"], row["records"], LINK_LABELS.get(row["link"] or "", "未匹配"),
            row["event_date"].isoformat() if row["event_date"] else "", row["category"] or "",
            row["grade"] if row["grade"] is not None else "",
            str(row["self_paid"]) if row["self_paid"] is not None else "", row["address"] or "",
            *_status_cells(row),
        ]
        for c, value in enumerate(cells):
            if isinstance(value, str):
                sheet.write_string(n, c, value)
            else:
                sheet.write_number(n, c, value)
    sheet.freeze_panes(1, 0)
    book.close()
    log_export(request.user, "datasets.warnings", filters={"month": f"{month:%Y-%m}", "town": town, "signal": signal,
                                                        "status": status},
               row_count=len(rows), file_format="xlsx", request=request)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="warnings-{month:%Y-%m}.xlsx"'
    return response


