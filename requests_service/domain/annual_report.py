"""The whole annual report (《政府信息公开条例》第五十条; format 国办公开办函〔2021〕30号).

Six sections: 一 总体情况, 二 主动公开政府信息情况 (the Art. 20 tables), 三 收到和处理政府信息公开
申请情况, 四 行政复议、行政诉讼情况, 五 存在的主要问题及改进情况, 六 其他需要报告的事项.  The
service fills 三 and 四 from cases and remedies, the fee figures of 六 and the converted topics
shown under 二 from its own records; the agency supplies the rest per year as audited inputs
(:func:`validate_inputs`).  :func:`cross_checks` compares the cells with the statistics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from requests_service.domain.errors import RuleViolation

__all__ = [
    "SECTION2_ROWS",
    "SECTION_TITLES",
    "TEXT_FIELDS",
    "Check",
    "cross_checks",
    "validate_inputs",
]

SECTION_TITLES: Final[dict[str, str]] = {
    "一": "总体情况",
    "二": "主动公开政府信息情况",
    "三": "收到和处理政府信息公开申请情况",
    "四": "政府信息公开行政复议、行政诉讼情况",
    "五": "存在的主要问题及改进情况",
    "六": "其他需要报告的事项",
}

TEXT_FIELDS: Final[dict[str, str]] = {
    "section1_text": "一、总体情况",
    "section2_text": "二、主动公开政府信息情况（说明）",
    "section5_text": "五、存在的主要问题及改进情况",
    "section6_text": "六、其他需要报告的事项",
}
MAX_TEXT: Final = 20000


@dataclass(frozen=True)
class Section2Row:
    key: str
    article: str  # 第二十条第（一）项 …
    label: str
    cells: tuple[tuple[str, str], ...]  # (cell key, column label)
    money: bool = False


_MADE = (("made", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数"))
_DECISIONS = (("decisions", "本年处理决定数量"),)

SECTION2_ROWS: Final[tuple[Section2Row, ...]] = (
    Section2Row("regulations", "第二十条第（一）项", "规章", _MADE),
    Section2Row("normative_documents", "第二十条第（一）项", "行政规范性文件", _MADE),
    Section2Row("licensing", "第二十条第（五）项", "行政许可", _DECISIONS),
    Section2Row("penalties", "第二十条第（六）项", "行政处罚", _DECISIONS),
    Section2Row("enforcement", "第二十条第（六）项", "行政强制", _DECISIONS),
    Section2Row(
        "administrative_fees",
        "第二十条第（八）项",
        "行政事业性收费",
        (("amount_10k_yuan", "本年收费金额（万元）"),),
        money=True,
    ),
)
_ROWS_BY_KEY: Final = {row.key: row for row in SECTION2_ROWS}


def _int_cell(value: Any, where: str, errors: dict[str, list[str]]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 10**9:
        errors.setdefault(where, []).append("应为不小于0的整数")
        return None
    return value


def _money_cell(value: Any, where: str, errors: dict[str, list[str]]) -> str | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal("NaN")
    if isinstance(value, bool) or not amount.is_finite() or amount < 0 or amount >= 10**9:
        errors.setdefault(where, []).append("应为不小于0的金额（万元），如“12.3456”")
        return None
    if -amount.as_tuple().exponent > 4:  # type: ignore[operator]
        errors.setdefault(where, []).append("万元金额最多保留4位小数（即精确到元）")
        return None
    return f"{amount:.4f}"


def validate_inputs(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Clean the agency's inputs; every problem at once in a :class:`RuleViolation`.

    Shape: the texts of :data:`TEXT_FIELDS`, and ``section2`` = ``{row key: {cell key: value}}``
    over :data:`SECTION2_ROWS` (counts as integers, the fee amount in 万元 as a decimal
    string).  Missing cells are allowed (the report shows them as not yet provided).
    """
    data = data or {}
    errors: dict[str, list[str]] = {}
    if not isinstance(data, Mapping):
        raise RuleViolation("年度报告输入应为键值对象。", fields={"data": ["应为对象。"]})
    known = {*TEXT_FIELDS, "section2"}
    for key in data:
        if key not in known:
            errors.setdefault(str(key), []).append("不是年度报告的输入项")
    cleaned: dict[str, Any] = _clean_texts(data, errors)
    section2 = data.get("section2") or {}
    if not isinstance(section2, Mapping):
        errors.setdefault("section2", []).append("应为对象")
        section2 = {}
    cleaned2 = _clean_section2(section2, errors)
    if cleaned2:
        cleaned["section2"] = cleaned2
    if errors:
        count = sum(len(v) for v in errors.values())
        raise RuleViolation(f"年度报告输入有{count}处需要修改。", fields=errors)
    return cleaned


def _clean_texts(data: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, label in TEXT_FIELDS.items():
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            errors.setdefault(key, []).append(f"“{label}”应为文字")
        elif len(value) > MAX_TEXT:
            errors.setdefault(key, []).append(f"“{label}”不能超过{MAX_TEXT}字")
        elif value.strip():
            cleaned[key] = value.strip()
    return cleaned


def _clean_section2(
    section2: Mapping[str, Any], errors: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    cleaned: dict[str, dict[str, Any]] = {}
    for row_key, cells in section2.items():
        row = _ROWS_BY_KEY.get(row_key)
        if row is None:
            errors.setdefault(f"section2.{row_key}", []).append("不是第二部分的表格行")
        elif not isinstance(cells, Mapping):
            errors.setdefault(f"section2.{row_key}", []).append("应为对象")
        elif out := _clean_row(row, cells, errors):
            cleaned[row_key] = out
    return cleaned


def _clean_row(
    row: Section2Row, cells: Mapping[str, Any], errors: dict[str, list[str]]
) -> dict[str, Any]:
    allowed = dict(row.cells)
    out: dict[str, Any] = {}
    for cell_key, value in cells.items():
        where = f"section2.{row.key}.{cell_key}"
        if cell_key not in allowed:
            errors.setdefault(where, []).append(f"“{row.label}”没有该栏目")
            continue
        parsed = _money_cell(value, where, errors) if row.money else _int_cell(value, where, errors)
        if parsed is not None:
            out[cell_key] = parsed
    return out


def section2_table(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Art. 20 tables with the agency's cells (``None`` where not provided)."""
    given = inputs.get("section2") or {}
    return [
        {
            "key": row.key,
            "article": row.article,
            "label": row.label,
            "money": row.money,
            "cells": [
                {"key": key, "label": label, "value": (given.get(row.key) or {}).get(key)}
                for key, label in row.cells
            ],
        }
        for row in SECTION2_ROWS
    ]


def missing_inputs(inputs: Mapping[str, Any]) -> list[str]:
    """What the agency has not provided yet (the report can be printed, marked 未填写)."""
    missing = [
        label for key, label in TEXT_FIELDS.items() if key != "section2_text" and key not in inputs
    ]
    for row in section2_table(inputs):
        for cell in row["cells"]:
            if cell["value"] is None:
                missing.append(f"二、{row['label']}：{cell['label']}")
    return missing


@dataclass(frozen=True)
class Check:
    key: str
    description: str
    report_value: Any
    statistics_value: Any

    @property
    def passed(self) -> bool:
        return bool(self.report_value == self.statistics_value)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "description": self.description,
            "report_value": self.report_value,
            "statistics_value": self.statistics_value,
            "passed": self.passed,
        }


def cross_checks(
    *,
    new_received: int,
    results_total: int,
    carried_over: int,
    carried_in: int,
    stats_received: int,
    stats_finished: int,
    stats_pending_at_end: int,
    fees_in_report: Mapping[str, Any],
    fees_in_statistics: Mapping[str, Any],
    s4_totals: Mapping[str, int],
    s4_sums: Mapping[str, int],
) -> list[Check]:
    """Cells of the report against the period statistics of the same year (and the section
    三 identity 一＋二＝三＋四)."""
    checks = [
        Check(
            "s3_identity",
            "第三部分：一（本年新收）＋二（上年结转）＝三（办理结果总计）＋四（结转下年度）",
            new_received + carried_in,
            results_total + carried_over,
        ),
        Check("s3_received", "第三部分本年新收＝统计：本年收到申请", new_received, stats_received),
        Check("s3_results", "第三部分办理结果总计＝统计：本年办结", results_total, stats_finished),
        Check(
            "s3_carried_over",
            "第三部分结转下年度＝统计：期末未办结",
            carried_over,
            stats_pending_at_end,
        ),
    ]
    for key, label in (
        ("notices_issued", "发出收费通知（件）"),
        ("amount_noticed", "收费通知金额（元）"),
        ("collected", "实收金额（元）"),
        ("net_collected", "净收金额（元）"),
    ):
        checks.append(
            Check(
                f"s6_fees.{key}",
                f"第六部分信息处理费：{label}＝统计",
                fees_in_report.get(key),
                fees_in_statistics.get(key),
            )
        )
    for kind, total in s4_totals.items():
        checks.append(
            Check(
                f"s4_total.{kind}",
                f"第四部分{kind}：总计＝各结果之和",
                total,
                s4_sums.get(kind),
            )
        )
    return checks
