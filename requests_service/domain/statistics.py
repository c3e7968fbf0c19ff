"""Annual-report figures from plain records: sections 三 and 四 of the statutory report.

《中华人民共和国政府信息公开条例》第四十九条、第五十条 require every agency to publish an
annual report; its tables follow 《中华人民共和国政府信息公开工作年度报告格式》
(国办公开办函〔2021〕30号):

* section 三 "收到和处理政府信息公开申请情况": rows 一 new this year, 二 carried over from last
  year, 三 the year's results by outcome (:class:`~requests_service.domain.outcomes.Outcome`),
  四 carried over into next year; columns 自然人, 法人或其他组织 (商业企业, 科研机构,
  社会公益组织, 法律服务机构, 其他), 总计.  Identity per column: 一 + 二 = 三(七)总计 + 四.
* section 四 "政府信息公开行政复议、行政诉讼情况": 15 numbers.

Everything here is pure: records in, figures out.  Records that cannot be placed (a finished
case without an outcome, a reply dated before receipt …) are not counted and are listed in
``anomalies`` so that somebody fixes the data; the identity then still holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any, Final, Literal

from requests_service.domain.errors import RuleViolation
from requests_service.domain.labelled import LabelledEnum
from requests_service.domain.outcomes import Outcome, OutcomeGroup

__all__ = [
    "APPLICANT_COLUMNS",
    "LEGAL_PERSON_COLUMNS",
    "REMEDY_KINDS",
    "REMEDY_RESULTS",
    "TOTAL",
    "Anomaly",
    "ApplicantColumn",
    "CaseRecord",
    "RemedyKind",
    "RemedyRecord",
    "RemedyResult",
    "ReportRow",
    "Section3",
    "Section4",
    "annual_report_section3",
    "annual_report_section4",
    "check_identity",
    "finished_on",
    "to_dict",
    "to_rows",
]


class ApplicantColumn(LabelledEnum):
    """Applicant type: one column of section 三 (a required case field, rules.md §f)."""

    NATURAL_PERSON = "natural_person", "自然人"
    COMMERCIAL_ENTERPRISE = "commercial_enterprise", "商业企业"
    RESEARCH_INSTITUTION = "research_institution", "科研机构"
    SOCIAL_WELFARE_ORGANISATION = "social_welfare_organisation", "社会公益组织"
    LEGAL_SERVICE_ORGANISATION = "legal_service_organisation", "法律服务机构"
    OTHER = "other", "其他"


TOTAL: Final = "total"
"""Key of the 总计 column."""

TOTAL_LABEL: Final = "总计"


def _column_label(key: str) -> str:
    """The heading of a section 三 column: an applicant type, or 总计."""
    return TOTAL_LABEL if key == TOTAL else ApplicantColumn(key).label


APPLICANT_COLUMNS: Final[tuple[ApplicantColumn, ...]] = tuple(ApplicantColumn)
LEGAL_PERSON_COLUMNS: Final[tuple[ApplicantColumn, ...]] = APPLICANT_COLUMNS[1:]
"""The five columns under the report's 法人或其他组织 heading."""

_ALL_COLUMNS: Final[tuple[str, ...]] = (*APPLICANT_COLUMNS, TOTAL)


# --- records -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """What section 三 needs of one application.

    ``outcome`` is an :class:`Outcome` value (or ``None`` while undecided); a case is
    *finished* on the earlier of ``replied_on`` and ``closed_on`` (:func:`finished_on`).
    """

    receipt_date: date
    applicant_column: str
    outcome: str | None
    replied_on: date | None
    closed_on: date | None


def finished_on(record: CaseRecord) -> date | None:
    """The day a case stopped counting as pending: the earlier of reply and closure."""
    replied, closed = record.replied_on, record.closed_on
    if replied is None:
        return closed
    if closed is None:
        return replied
    return min(replied, closed)


class RemedyKind(LabelledEnum):
    RECONSIDERATION = "reconsideration", "行政复议"
    LITIGATION_DIRECT = "litigation_direct", "行政诉讼：未经复议直接起诉"
    LITIGATION_AFTER_RECONSIDERATION = "litigation_after_reconsideration", "行政诉讼：复议后起诉"


class RemedyResult(LabelledEnum):
    UPHELD = "upheld", "结果维持"
    CORRECTED = "corrected", "结果纠正"
    OTHER = "other", "其他结果"
    PENDING = "pending", "尚未审结"


REMEDY_KINDS: Final[tuple[RemedyKind, ...]] = tuple(RemedyKind)
REMEDY_RESULTS: Final[tuple[str, ...]] = (*RemedyResult, TOTAL)


def _result_label(key: str) -> str:
    """The heading of a section 四 column: a result, or 总计."""
    return TOTAL_LABEL if key == TOTAL else RemedyResult(key).label


"""Columns of each section 四 group, in report order."""


@dataclass(frozen=True, slots=True)
class RemedyRecord:
    """One administrative reconsideration or lawsuit about an OGI decision (rules.md §g)."""

    kind: Literal["reconsideration", "litigation_direct", "litigation_after_reconsideration"]
    result: Literal["upheld", "corrected", "other", "pending"]
    decided_on: date | None
    filed_on: date


@dataclass(frozen=True)
class Anomaly:
    """A record left out of the figures: ``index`` is its position in the input."""

    index: int
    reason: str


# --- section 三 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """One printed row.  ``level``: 0 = 一…四, 1 = （一）…（七）, 2 = numbered item.

    ``values`` maps every column key (:data:`APPLICANT_COLUMNS` values and :data:`TOTAL`) to
    a count; ``None`` for headings that the report prints without figures
    (三、本年度办理结果 and （三）…（六）).  Keys: an :class:`Outcome` value for a result row,
    ``"<group>_group"`` for the headings （三）…（六）, else the module's row-key constants.
    """

    key: str
    label: str
    level: int
    values: Mapping[str, int] | None

    def __getitem__(self, column: str) -> int:
        if self.values is None:
            raise KeyError(f"row {self.key!r} is a heading without figures")
        return self.values[column]


@dataclass(frozen=True)
class Section3:
    """Report section 三 for ``year``."""

    year: int
    rows: tuple[ReportRow, ...]
    anomalies: tuple[Anomaly, ...] = ()

    def row(self, key: str) -> ReportRow:
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)

    def cell(self, key: str, column: str = TOTAL) -> int:
        return self.row(key)[column]

    def group_total(self, group: OutcomeGroup | str, column: str = TOTAL) -> int:
        """Sum of a result group's items, e.g. all of （三）不予公开."""
        group = OutcomeGroup(group)
        return sum(self.cell(o.value, column) for o in Outcome if o.group is group)


NEW: Final = "new_received"
CARRIED_IN: Final = "carried_over_from_previous_year"
RESULTS: Final = "results"
RESULTS_TOTAL: Final = "results_total"
CARRIED_OUT: Final = "carried_over_to_next_year"

_TOP_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        NEW: "一、本年新收政府信息公开申请数量",
        CARRIED_IN: "二、上年结转政府信息公开申请数量",
        RESULTS: "三、本年度办理结果",
        RESULTS_TOTAL: "（七）总计",
        CARRIED_OUT: "四、结转下年度继续办理",
    }
)


def _layout() -> tuple[tuple[str, str, int, bool], ...]:
    """(key, label, level, has figures) for every row, in report order."""
    rows: list[tuple[str, str, int, bool]] = [
        (NEW, _TOP_LABELS[NEW], 0, True),
        (CARRIED_IN, _TOP_LABELS[CARRIED_IN], 0, True),
        (RESULTS, _TOP_LABELS[RESULTS], 0, False),
    ]
    for group in OutcomeGroup:
        items = [o for o in Outcome if o.group is group]
        if len(items) == 1 and not items[0].report_row.removeprefix(group.report_row):
            only = items[0]
            rows.append((only.value, f"{group.report_row}{only.report_label}", 1, True))
            continue
        rows.append((f"{group.value}_group", f"{group.report_row}{group.label}", 1, False))
        for o in items:
            item = o.report_row.removeprefix(group.report_row)
            rows.append((o.value, f"{item}.{o.report_label}", 2, True))
    rows.append((RESULTS_TOTAL, _TOP_LABELS[RESULTS_TOTAL], 1, True))
    rows.append((CARRIED_OUT, _TOP_LABELS[CARRIED_OUT], 0, True))
    return tuple(rows)


SECTION3_LAYOUT: Final = _layout()
_OUTCOMES: Final[Mapping[str, Outcome]] = MappingProxyType({o.value: o for o in Outcome})
_COLUMN_INDEX: Final[Mapping[str, int]] = MappingProxyType(
    {c.value: i for i, c in enumerate(APPLICANT_COLUMNS)}
)


def _year_bounds(year: int) -> tuple[date, date]:
    if not isinstance(year, int) or not 1 <= year <= 9999:
        raise RuleViolation(f"年度无效：{year!r}", year=year)
    return date(year, 1, 1), date(year, 12, 31)


def _place_in_section3(
    rec: CaseRecord, start: date, end: date
) -> tuple[int, str | None] | str | None:
    """Where a record counts in section 三: (its applicant column, its outcome row, or None while
    still pending at the year's end); a reason string for an anomaly; None when the record lies
    outside the year (received after it, or finished before it)."""
    receipt = rec.receipt_date
    done = finished_on(rec)
    if receipt > end or (done is not None and done < start):
        return None
    col = _COLUMN_INDEX.get(rec.applicant_column)
    if col is None:
        return f"申请人类型无效：{rec.applicant_column!r}"
    if done is None or done > end:
        return col, None
    if done < receipt:
        return "答复或办结日期早于收到申请日期"
    outcome = _OUTCOMES.get(rec.outcome) if rec.outcome is not None else None
    if outcome is None:
        return "已办结但未记录办理结果" if rec.outcome is None else f"办理结果无效：{rec.outcome!r}"
    return col, outcome.value


def annual_report_section3(records: Iterable[CaseRecord], year: int) -> Section3:
    """Section 三 figures for ``year``.

    Per applicant column, with *finished* = :func:`finished_on` (earlier of reply/closure):

    * 一、本年新收 — ``receipt_date`` in ``year``.
    * 二、上年结转 — received before 1 January and not finished before 1 January.
    * 三、本年度办理结果 — cases of 一 or 二 finished within ``year``, each counted once under
      its ``outcome`` (a partly disclosed application only as 部分公开); （七）总计 is their sum.
    * 四、结转下年度继续办理 — cases of 一 or 二 not finished by 31 December.

    So 一 + 二 = 三(七) + 四 in every column.  Records received after the year, or finished
    before it, are outside the report.  Left out and listed in ``anomalies``: unknown
    applicant column; finished without an outcome, or with an unknown one; finished before
    received.  A case with an outcome but no reply/closure date is still pending.
    """
    start, end = _year_bounds(year)
    n_cols = len(APPLICANT_COLUMNS)
    counts: dict[str, list[int]] = {key: [0] * n_cols for key, *_ in SECTION3_LAYOUT}
    new, carried_in, carried_out = counts[NEW], counts[CARRIED_IN], counts[CARRIED_OUT]
    anomalies: list[Anomaly] = []
    for index, rec in enumerate(records):
        placed = _place_in_section3(rec, start, end)
        if placed is None:
            continue
        if isinstance(placed, str):
            anomalies.append(Anomaly(index, placed))
            continue
        col, result_key = placed
        (new if rec.receipt_date >= start else carried_in)[col] += 1
        if result_key is None:
            carried_out[col] += 1
        else:
            counts[result_key][col] += 1
            counts[RESULTS_TOTAL][col] += 1

    rows = []
    for key, label, level, has_values in SECTION3_LAYOUT:
        values: Mapping[str, int] | None = None
        if has_values:
            per_col = counts[key]
            values = MappingProxyType(
                {
                    **{c.value: per_col[i] for i, c in enumerate(APPLICANT_COLUMNS)},
                    TOTAL: sum(per_col),
                }
            )
        rows.append(ReportRow(key, label, level, values))
    return Section3(year, tuple(rows), tuple(anomalies))


def check_identity(section: Section3) -> list[str]:
    """Violations of 一 + 二 = 三(七)总计 + 四 and of （七）总计 = sum of the result rows,
    per column; empty when the table is consistent."""
    problems: list[str] = []
    result_keys = [o.value for o in Outcome]
    for col in _ALL_COLUMNS:
        label = _column_label(col)
        left = section.cell(NEW, col) + section.cell(CARRIED_IN, col)
        right = section.cell(RESULTS_TOTAL, col) + section.cell(CARRIED_OUT, col)
        if left != right:
            problems.append(f"{label}：一＋二＝{left}，三（七）＋四＝{right}")
        items = sum(section.cell(k, col) for k in result_keys)
        if items != section.cell(RESULTS_TOTAL, col):
            problems.append(
                f"{label}：（七）总计＝{section.cell(RESULTS_TOTAL, col)}，各项合计＝{items}"
            )
    for key, _, _, has_values in SECTION3_LAYOUT:
        if has_values:
            row = section.row(key)
            parts = sum(row[c.value] for c in APPLICANT_COLUMNS)
            if parts != row[TOTAL]:
                problems.append(f"{row.label}：各列合计＝{parts}，总计＝{row[TOTAL]}")
    return problems


# --- section 四 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Section4:
    """Report section 四 for ``year``: ``figures[kind][result]`` incl. ``"total"``."""

    year: int
    figures: Mapping[str, Mapping[str, int]]
    anomalies: tuple[Anomaly, ...] = ()

    def cell(self, kind: str, result: str) -> int:
        return self.figures[kind][result]


def annual_report_section4(remedy_records: Iterable[RemedyRecord], year: int) -> Section4:
    """Section 四 figures for ``year``.

    [D] The Report Format does not say which cases a year's table covers.  Rule used: a
    case counts in ``year`` when it was filed on or before 31 December and was not decided
    before 1 January — every case active during the year, once.  Decided within the year →
    its result (维持 / 纠正 / 其他); not decided by 31 December → 尚未审结, whatever
    ``result`` says (so a case pending across a year end appears as 尚未审结 in the first
    year's report and under its result in the year it is decided).  总计 = the four columns.
    Left out and listed in ``anomalies``: unknown kind or result; ``result="pending"`` with a
    decision date; decided before filed.
    """
    start, end = _year_bounds(year)
    counts = {k.value: dict.fromkeys(REMEDY_RESULTS, 0) for k in REMEDY_KINDS}
    kinds = {k.value for k in REMEDY_KINDS}
    results = {r.value for r in RemedyResult}
    anomalies: list[Anomaly] = []
    for index, rec in enumerate(remedy_records):
        if rec.kind not in kinds:
            anomalies.append(Anomaly(index, f"复议诉讼类别无效：{rec.kind!r}"))
            continue
        if rec.result not in results:
            anomalies.append(Anomaly(index, f"复议诉讼结果无效：{rec.result!r}"))
            continue
        decided = rec.decided_on
        if rec.filed_on > end or (decided is not None and decided < start):
            continue
        if decided is not None and rec.result == "pending":
            anomalies.append(Anomaly(index, "已记录审结日期但结果为尚未审结"))
            continue
        if decided is not None and decided < rec.filed_on:
            anomalies.append(Anomaly(index, "审结日期早于申请或起诉日期"))
            continue
        column: str = rec.result if decided is not None and decided <= end else "pending"
        counts[rec.kind][column] += 1
        counts[rec.kind][TOTAL] += 1
    figures = MappingProxyType({k: MappingProxyType(v) for k, v in counts.items()})
    return Section4(year, figures, tuple(anomalies))


# --- output ---------------------------------------------------------------------------------

_S3_HEADER: Final = ("代码", "项目", *(_column_label(c) for c in _ALL_COLUMNS))
_S4_HEADER: Final = ("代码", "项目", *(_result_label(r) for r in REMEDY_RESULTS))


def to_rows(section: Section3 | Section4) -> list[list[str]]:
    """Rows for CSV: a header of Chinese column labels, then one row per report row.

    Section 三: ``代码, 项目, 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他,
    总计`` (the five middle columns are the report's 法人或其他组织); headings have empty
    cells.  Section 四: ``代码, 项目, 结果维持, 结果纠正, 其他结果, 尚未审结, 总计`` with one
    row each for 行政复议, 行政诉讼：未经复议直接起诉, 行政诉讼：复议后起诉.
    """
    if isinstance(section, Section3):
        out = [list(_S3_HEADER)]
        for row in section.rows:
            cells = (
                [""] * len(_ALL_COLUMNS)
                if row.values is None
                else [str(row.values[c]) for c in _ALL_COLUMNS]
            )
            out.append([row.key, row.label, *cells])
        return out
    out = [list(_S4_HEADER)]
    for kind in REMEDY_KINDS:
        out.append(
            [kind.value, kind.label, *(str(section.figures[kind][r]) for r in REMEDY_RESULTS)]
        )
    return out


def to_dict(section: Section3 | Section4) -> dict[str, Any]:
    """JSON-ready dict with stable keys and the Chinese labels."""
    anomalies = [{"index": a.index, "reason": a.reason} for a in section.anomalies]
    if isinstance(section, Section3):
        return {
            "section": "三",
            "year": section.year,
            "columns": [{"key": c, "label": _column_label(c)} for c in _ALL_COLUMNS],
            "rows": [
                {
                    "key": r.key,
                    "label": r.label,
                    "level": r.level,
                    "values": None if r.values is None else dict(r.values),
                }
                for r in section.rows
            ],
            "anomalies": anomalies,
        }
    return {
        "section": "四",
        "year": section.year,
        "columns": [{"key": r, "label": _result_label(r)} for r in REMEDY_RESULTS],
        "groups": [
            {"key": k.value, "label": k.label, "values": dict(section.figures[k])}
            for k in REMEDY_KINDS
        ],
        "anomalies": anomalies,
    }
