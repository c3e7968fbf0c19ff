"""Difficult-case filing (疑难件备案) and reconsideration/litigation records (rules.md §g).

Filing with the OGI competent department is local practice, not national statute [M]; the
workflow here is the seeds' filed → received → guidance given → closed. Remedy records feed
section 四 of the annual report and the oversight office's loss-rate view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from requests_service.domain.errors import InvalidTransition, RuleViolation
from requests_service.domain.labelled import LabelledEnum

# One definition of the report's remedy kinds and results, shared with the annual report.
from requests_service.domain.statistics import RemedyKind as RemedyKind
from requests_service.domain.statistics import RemedyResult as RemedyResult


class FilingCategory(LabelledEnum):
    LIKELY_LITIGATION = "likely_litigation", "可能引发行政复议或诉讼"
    COMPLEX_LEGAL_QUESTION = "complex_legal_question", "法律适用复杂"
    THIRD_PARTY_DISPUTE = "third_party_dispute", "涉及第三方争议"
    SENSITIVE_TOPIC = "sensitive_topic", "敏感或社会热点"
    MASS_OR_REPEATED = "mass_or_repeated", "群体性或重复申请"
    OTHER = "other", "其他"


class FilingStatus(LabelledEnum):
    FILED = "filed", "已报备"
    RECEIVED = "received", "监督机构已接收"
    GUIDANCE_GIVEN = "guidance_given", "已给出指导意见"
    CLOSED = "closed", "已办结"

    @property
    def awaiting_guidance(self) -> bool:
        return self in (FilingStatus.FILED, FilingStatus.RECEIVED)


class FilingAction(LabelledEnum):
    RECEIVE = "receive", "接收"
    GIVE_GUIDANCE = "give_guidance", "给出指导意见"
    CLOSE = "close", "办结"


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


class CorrectionReason(LabelledEnum):
    LATE_REPLY = "late_reply", "逾期答复"
    INSUFFICIENT_REASONS = "insufficient_reasons", "说理不充分"
    WRONG_LEGAL_BASIS = "wrong_legal_basis", "适用法律依据错误"
    PROCEDURAL_ERROR = "procedural_error", "程序违法"
    WRONG_OUTCOME = "wrong_outcome", "答复结论错误"
    INADEQUATE_SEARCH = "inadequate_search", "检索不充分"
    MISSING_REMEDY_NOTICE = "missing_remedy_notice", "未告知救济途径"
    OTHER = "other", "其他"


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
