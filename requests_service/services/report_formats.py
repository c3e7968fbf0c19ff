"""CSV downloads of the statistics and the annual report (presentation only: no database).

Rows are lists of cells; spreadsheets in Chinese offices open UTF-8 CSV with CRLF line ends,
which :func:`csv_text` writes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from requests_service.domain.statistics import APPLICANT_COLUMNS, TOTAL, Section3, Section4, to_rows
from requests_service.services.statistics import UNCLASSIFIED

__all__ = ["csv_text", "full_report_csv", "report_csv", "section_csv", "statistics_csv"]


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def section_csv(section: Section3 | Section4) -> str:
    """One report section as CSV (header of Chinese column labels, one line per row)."""
    return csv_text(to_rows(section))


def report_csv(report: Mapping[str, Any]) -> str:
    """Section 三, a blank line, section 四."""
    return section_csv(report["section3"]) + "\r\n" + section_csv(report["section4"])


def statistics_csv(stats: Mapping[str, Any]) -> str:
    """:func:`period_statistics` flattened to ``类别, 项目, 代码, 数值`` lines."""
    rows: list[list[Any]] = [["类别", "项目", "代码", "数值"]]
    add = rows.append
    add(["统计范围", "机关", "agency_ids", ";".join(str(i) for i in stats["agency_ids"])])
    add(["统计范围", "开始日期", "date_from", stats["date_from"].isoformat()])
    add(["统计范围", "结束日期", "date_to", stats["date_to"].isoformat()])
    received = stats["received"]
    add(["收到申请", "合计", "received.total", received["total"]])
    for item in received["by_channel"]:
        add(
            [
                "收到申请（按渠道）",
                item["label"],
                f"received.by_channel.{item['key']}",
                item["count"],
            ]
        )
    for item in received["by_applicant"]:
        add(
            [
                "收到申请（按申请人类型）",
                item["label"],
                f"received.by_applicant.{item['key']}",
                item["count"],
            ]
        )
    add(["收到申请（按申请人类型）", "未分类", f"received.{UNCLASSIFIED}", received[UNCLASSIFIED]])
    labels = {c.value: c.label for c in APPLICANT_COLUMNS} | {TOTAL: "总计"}
    for line in received["matrix"]:
        for key, value in line["values"].items():
            add(
                [
                    "收到申请（渠道×申请人类型）",
                    f"{line['label']}／{labels[key]}",
                    f"received.matrix.{line['channel']}.{key}",
                    value,
                ]
            )
    outcomes = stats["outcomes"]
    add(["办理结果", "办结合计", "outcomes.finished", outcomes["finished"]])
    for item in outcomes["items"]:
        add(
            [
                f"办理结果（{item['group_label']}）",
                item["label"],
                f"outcomes.{item['key']}",
                item["count"],
            ]
        )
    add(["办理结果", "未记录办理结果", "outcomes.without_outcome", outcomes["without_outcome"]])
    timeliness = stats["timeliness"]
    for key, label in (
        ("replied", "答复件数"),
        ("with_due_date", "有答复期限的"),
        ("on_time", "按期答复"),
        ("late", "逾期答复"),
        ("on_time_rate", "按期答复率"),
        ("average_working_days", "平均答复用时（工作日）"),
    ):
        value = timeliness[key]
        add(["答复时效", label, f"timeliness.{key}", "" if value is None else value])
    add(["延期答复", "批准延期", "extensions", stats["extensions"]])
    fee_labels = {
        "notices_issued": "发出收费通知",
        "amount_noticed": "通知金额（元）",
        "payments": "缴费笔数",
        "collected": "实收金额（元）",
        "waivers": "不收费笔数",
        "waived": "不收费金额（元）",
        "refunds": "退费笔数",
        "refunded": "退费金额（元）",
        "net_collected": "净收金额（元）",
    }
    for key, label in fee_labels.items():
        add(["信息处理费", label, f"fees.{key}", stats["fees"][key]])
    open_figures = stats["open"]
    add(["未办结", "截止日期", "open.as_of", open_figures["as_of"].isoformat()])
    for key, label in (
        ("open", "未办结"),
        ("paused", "暂停计时"),
        ("awaiting_delivery", "答复已签发待送达"),
        ("overdue", "逾期未答复"),
    ):
        add(["未办结", label, f"open.{key}", open_figures[key]])
    add(["未办结", "期末未办结（按日期）", "pending_at_end", stats["pending_at_end"]])
    add(["转为主动公开", "同类申请转为主动公开", "topics_converted", stats["topics_converted"]])
    for note in stats["notes"]:
        add(["说明", note, "notes", ""])
    return csv_text(rows)


def full_report_csv(report: Mapping[str, Any]) -> str:
    """The six sections one after the other: a heading line per section, its rows, a blank."""
    rows: list[list[Any]] = [[report["title"]], []]
    titles = report["section_titles"]
    rows += [[f"一、{titles['一']}"], [report["section1"]["text"] or "（未填写）"], []]
    rows.append([f"二、{titles['二']}"])
    rows.append(["条款", "信息内容", "栏目", "数值"])
    for table in report["section2"]["tables"]:
        for cell in table["cells"]:
            value = cell["value"]
            rows.append(
                [table["article"], table["label"], cell["label"], "" if value is None else value]
            )
    rows.append(
        [
            "第四十四条",
            "依申请公开转为主动公开",
            "本年转为主动公开的同类申请事项",
            report["section2"]["topics_converted"],
        ]
    )
    if report["section2"]["text"]:
        rows.append([report["section2"]["text"]])
    rows.append([])
    rows.append([f"三、{titles['三']}"])
    rows += to_rows(report["_section3"])
    rows.append([])
    rows.append([f"四、{titles['四']}"])
    rows += to_rows(report["_section4"])
    rows.append([])
    rows += [[f"五、{titles['五']}"], [report["section5"]["text"] or "（未填写）"], []]
    rows.append([f"六、{titles['六']}"])
    fees = report["section6"]["fees"]
    for key, label in (
        ("notices_issued", "发出收费通知（件）"),
        ("amount_noticed", "收费通知金额（元）"),
        ("collected", "实际收取信息处理费（元）"),
        ("refunded", "退费（元）"),
        ("net_collected", "净收（元）"),
    ):
        rows.append(["信息处理费", label, fees[key]])
    if report["section6"]["text"]:
        rows.append([report["section6"]["text"]])
    rows.append([])
    rows.append(["核对", "项目", "报告数值", "统计数值", "结果"])
    for check in report["checks"]:
        rows.append(
            [
                check["key"],
                check["description"],
                check["report_value"],
                check["statistics_value"],
                "一致" if check["passed"] else "不一致",
            ]
        )
    return csv_text(rows)
