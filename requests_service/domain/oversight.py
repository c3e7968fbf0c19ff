"""Difficult-case filing (疑难件备案) and reconsideration/litigation records (rules.md §g).

Filing with the OGI competent department is local practice, not national statute [M]; the
workflow here is the seeds' filed → received → guidance given → closed. Remedy records feed
section 四 of the annual report and the oversight office's loss-rate view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from requests_service.domain.errors import InvalidTransition, RuleViolation

# One definition of the report's remedy kinds and results, shared with the annual report.
from requests_service.domain.statistics import RemedyKind as RemedyKind
from requests_service.domain.statistics import RemedyResult as RemedyResult


class FilingCategory(StrEnum):
    LIKELY_LITIGATION = "likely_litigation"
    COMPLEX_LEGAL_QUESTION = "complex_legal_question"
    THIRD_PARTY_DISPUTE = "third_party_dispute"
    SENSITIVE_TOPIC = "sensitive_topic"
    MASS_OR_REPEATED = "mass_or_repeated"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    FilingCategory.LIKELY_LITIGATION: "可能引发行政复议或诉讼",
    FilingCategory.COMPLEX_LEGAL_QUESTION: "法律适用复杂",
    FilingCategory.THIRD_PARTY_DISPUTE: "涉及第三方争议",
    FilingCategory.SENSITIVE_TOPIC: "敏感或社会热点",
    FilingCategory.MASS_OR_REPEATED: "群体性或重复申请",
    FilingCategory.OTHER: "其他",
}


class FilingStatus(StrEnum):
    FILED = "filed"
    RECEIVED = "received"
    GUIDANCE_GIVEN = "guidance_given"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def awaiting_guidance(self) -> bool:
        return self in (FilingStatus.FILED, FilingStatus.RECEIVED)


_STATUS_LABELS = {
    FilingStatus.FILED: "已报备",
    FilingStatus.RECEIVED: "监督机构已接收",
    FilingStatus.GUIDANCE_GIVEN: "已给出指导意见",
    FilingStatus.CLOSED: "已办结",
}


class FilingAction(StrEnum):
    RECEIVE = "receive"
    GIVE_GUIDANCE = "give_guidance"
    CLOSE = "close"

    @property
    def label(self) -> str:
        return {"receive": "接收", "give_guidance": "给出指导意见", "close": "办结"}[self.value]


_FILING_TRANSITIONS = {
    FilingAction.RECEIVE: ({FilingStatus.FILED}, FilingStatus.RECEIVED),
    FilingAction.GIVE_GUIDANCE: (
        {FilingStatus.FILED, FilingStatus.RECEIVED},
        FilingStatus.GUIDANCE_GIVEN,
    ),
    FilingAction.CLOSE: ({FilingStatus.GUIDANCE_GIVEN}, FilingStatus.CLOSED),
}


def next_filing_status(current: FilingStatus, action: FilingAction) -> FilingStatus:
    sources, target = _FILING_TRANSITIONS[action]
    if current not in sources:
        allowed = "、".join(s.label for s in sorted(sources))
        raise InvalidTransition(
            f"报备状态为“{current.label}”，不能执行“{action.label}”：只能在“{allowed}”状态下执行。",
            state=current.value,
            action=action.value,
        )
    return target


class CorrectionReason(StrEnum):
    LATE_REPLY = "late_reply"
    INSUFFICIENT_REASONS = "insufficient_reasons"
    WRONG_LEGAL_BASIS = "wrong_legal_basis"
    PROCEDURAL_ERROR = "procedural_error"
    WRONG_OUTCOME = "wrong_outcome"
    INADEQUATE_SEARCH = "inadequate_search"
    MISSING_REMEDY_NOTICE = "missing_remedy_notice"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]


_REASON_LABELS = {
    CorrectionReason.LATE_REPLY: "逾期答复",
    CorrectionReason.INSUFFICIENT_REASONS: "说理不充分",
    CorrectionReason.WRONG_LEGAL_BASIS: "适用法律依据错误",
    CorrectionReason.PROCEDURAL_ERROR: "程序违法",
    CorrectionReason.WRONG_OUTCOME: "答复结论错误",
    CorrectionReason.INADEQUATE_SEARCH: "检索不充分",
    CorrectionReason.MISSING_REMEDY_NOTICE: "未告知救济途径",
    CorrectionReason.OTHER: "其他",
}


@dataclass(frozen=True)
class RemedyRecordInput:
    kind: RemedyKind
    body: str
    filed_on: date
    result: RemedyResult
    decided_on: date | None
    correction_reasons: tuple[CorrectionReason, ...]


def validate_remedy_record(record: RemedyRecordInput, *, today: date) -> None:
    """A decision cannot precede the filing; pending has no decision date; a correction names
    its reasons (they feed the loss-rate view)."""
    errors: dict[str, list[str]] = {}
    if not record.body.strip():
        errors["body"] = ["请填写复议机关或法院。"]
    if record.filed_on > today:
        errors["filed_on"] = ["申请/起诉日期不能晚于今天。"]
    decided_on_problem = _decided_on_problem(record, today)
    if decided_on_problem:
        errors["decided_on"] = [decided_on_problem]
    if record.result is RemedyResult.CORRECTED and not record.correction_reasons:
        errors["correction_reasons"] = ["结果纠正的，须选择纠正理由。"]
    if record.result is not RemedyResult.CORRECTED and record.correction_reasons:
        errors["correction_reasons"] = ["只有结果纠正的才填写纠正理由。"]
    if errors:
        raise RuleViolation("复议/诉讼记录有误。", fields=errors)


def _decided_on_problem(record: RemedyRecordInput, today: date) -> str | None:
    if record.result is RemedyResult.PENDING:
        return "尚未审结的案件不应有决定/判决日期。" if record.decided_on is not None else None
    if record.decided_on is None:
        return "已审结的案件须填写决定/判决日期。"
    if record.decided_on < record.filed_on:
        return "决定/判决日期不能早于申请/起诉日期。"
    if record.decided_on > today:
        return "决定/判决日期不能晚于今天。"
    return None


@dataclass(frozen=True)
class LossRate:
    key: str
    label: str
    decided: int
    corrected: int

    @property
    def rate(self) -> float:
        return round(self.corrected / self.decided, 4) if self.decided else 0.0


def loss_rates(rows: list[tuple[str, str, RemedyResult]]) -> list[LossRate]:
    """(group key, group label, result) → decided and corrected counts per group, worst first.

    Pending records are not decided and do not count [D].
    """
    decided: dict[str, int] = {}
    corrected: dict[str, int] = {}
    labels: dict[str, str] = {}
    for key, label, result in rows:
        if result is RemedyResult.PENDING:
            continue
        labels[key] = label
        decided[key] = decided.get(key, 0) + 1
        if result is RemedyResult.CORRECTED:
            corrected[key] = corrected.get(key, 0) + 1
    rates = [LossRate(k, labels[k], decided[k], corrected.get(k, 0)) for k in decided]
    return sorted(rates, key=lambda r: (-r.rate, -r.corrected, r.key))
