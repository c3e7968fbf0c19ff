"""Difficult-case filings, remedy records, loss rates — the oversight office's view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import (
    Agency,
    Attachment,
    Case,
    DifficultCaseFiling,
    FilingEvent,
    RemedyRecord,
)
from requests_service.domain.errors import Conflict, NotFound, RuleViolation
from requests_service.domain.outcomes import Outcome
from requests_service.domain.oversight import (
    CorrectionReason,
    FilingAction,
    FilingCategory,
    FilingStatus,
    LossRate,
    RemedyKind,
    RemedyRecordInput,
    RemedyResult,
    loss_rates,
    next_filing_status,
    validate_remedy_record,
)
from requests_service.services.access import Actor
from requests_service.services.audit import seal_filing_event
from requests_service.services.clock import legal_today, load_calendar
from requests_service.services.commands import UNSET, Unset
from requests_service.services.history import record_event
from requests_service.services.queries import paginate
from requests_service.services.unit_of_work import UnitOfWork
from requests_service.services.views import Annotated

T = TypeVar("T")


def oversight_office_of(session: Session, agency_id: int) -> Agency:
    """The nearest oversight office above the agency in the hierarchy."""
    agency = session.get(Agency, agency_id)
    seen: set[int] = set()
    while agency is not None and agency.id not in seen:
        seen.add(agency.id)
        if agency.is_oversight_office and agency.id != agency_id:
            return agency
        agency = session.get(Agency, agency.parent_id) if agency.parent_id else None
    raise RuleViolation("本机关上级未设置监督机构（政务公开办公室），无法报备。")


def _filing_event(
    session: Session,
    filing: DifficultCaseFiling,
    actor: Actor,
    action: str,
    before: str | None,
    data: dict[str, Any] | None = None,
) -> None:
    event = FilingEvent(
        filing_id=filing.id,
        action=action,
        from_status=before,
        to_status=filing.status,
        actor_user_id=actor.user_id,
        actor_name=actor.name,
        data=data or {},
    )
    seal_filing_event(session, event)
    session.add(event)


def _check_attachments(session: Session, case_id: int, ids: Sequence[int]) -> list[int]:
    if not ids:
        return []
    found = set(
        session.scalars(
            select(Attachment.id).where(Attachment.id.in_(ids), Attachment.case_id == case_id)
        )
    )
    missing = [i for i in ids if i not in found]
    if missing:
        raise RuleViolation("附件不属于该案件。", fields={"attachment_ids": [f"不存在：{missing}"]})
    return list(ids)


@dataclass(frozen=True)
class FileCase:
    category: FilingCategory
    summary: str
    proposed_reply: str
    proposed_basis: str
    attachment_ids: Sequence[int] = ()
    trigger_on: date | None = None  # the day that made the case difficult; receipt by default


@dataclass(frozen=True)
class FilingStep:
    """The oversight office's step on a filing: guidance (with attachments) or a closing note."""

    action: FilingAction
    guidance: str | None = None
    attachment_ids: Sequence[int] = ()
    note: str | None = None


@dataclass(frozen=True)
class AddRemedy:
    kind: RemedyKind
    body: str
    filed_on: date
    result: RemedyResult
    external_case_number: str = ""
    decided_on: date | None = None
    correction_reasons: Sequence[CorrectionReason] = ()
    notes: str = ""


@dataclass(frozen=True)
class UpdateRemedy:
    """A partial update of a remedy record: only the fields given change."""

    kind: RemedyKind | Unset = UNSET
    body: str | Unset = UNSET
    filed_on: date | Unset = UNSET
    result: RemedyResult | Unset = UNSET
    external_case_number: str | Unset = UNSET
    decided_on: date | Unset | None = UNSET
    correction_reasons: Sequence[CorrectionReason] | Unset = UNSET
    notes: str | Unset = UNSET


def file_case(session: Session, actor: Actor, case: Case, command: FileCase) -> DifficultCaseFiling:
    with UnitOfWork(session) as uow:
        if case.state.is_read_only:
            raise Conflict("已归档的案件为只读，不能报备。", reason="case_read_only")
        pending = session.scalar(
            select(func.count())
            .select_from(DifficultCaseFiling)
            .where(
                DifficultCaseFiling.case_id == case.id,
                DifficultCaseFiling.status.in_(
                    [FilingStatus.FILED.value, FilingStatus.RECEIVED.value]
                ),
            )
        )
        if pending:
            raise Conflict("该案件已有尚未得到指导意见的报备，不能重复报备。")
        office = oversight_office_of(session, case.agency_id)
        today = legal_today()
        trigger_on = command.trigger_on or case.receipt_date or today
        if trigger_on > today:
            raise RuleViolation("触发日期不能晚于今天。", fields={"trigger_on": ["日期在未来。"]})
        filing = DifficultCaseFiling(
            case_id=case.id,
            agency_id=case.agency_id,
            oversight_agency_id=office.id,
            category=command.category,
            status=FilingStatus.FILED,
            summary=command.summary,
            proposed_reply=command.proposed_reply,
            proposed_basis=command.proposed_basis,
            attachment_ids=_check_attachments(session, case.id, command.attachment_ids),
            trigger_on=trigger_on,
            filed_on=today,
            filed_by_user_id=actor.user_id,
        )
        session.add(filing)
        session.flush()
        _filing_event(session, filing, actor, "file", None)
        record_event(
            session,
            case,
            actor=actor,
            role=actor.primary_role,
            action="file_difficult_case",
            from_state=case.state,
            to_state=case.state,
            data={"filing_id": filing.id, "category": filing.category},
        )
        uow.commit()
        return filing


@dataclass(frozen=True)
class FilingFilter:
    status: FilingStatus | None = None
    category: FilingCategory | None = None
    agency_id: int | None = None


def visible_filings_query(actor: Actor, where: FilingFilter) -> Select[DifficultCaseFiling]:
    """Agencies see their own filings; an oversight office sees those filed with it."""
    query = select(DifficultCaseFiling).where(
        (DifficultCaseFiling.oversight_agency_id == actor.agency_id)
        | DifficultCaseFiling.agency_id.in_(actor.visible_agency_ids)
    )
    if where.status is not None:
        query = query.where(DifficultCaseFiling.status == where.status)
    if where.category is not None:
        query = query.where(DifficultCaseFiling.category == where.category)
    if where.agency_id is not None:
        query = query.where(DifficultCaseFiling.agency_id == where.agency_id)
    return query.order_by(DifficultCaseFiling.id.desc())


def filing_counts(session: Session, actor: Actor) -> dict[str, int]:
    rows = session.execute(
        select(DifficultCaseFiling.status, func.count())
        .where(DifficultCaseFiling.oversight_agency_id == actor.agency_id)
        .group_by(DifficultCaseFiling.status)
    ).all()
    counts = {status.value: 0 for status in FilingStatus}
    counts.update({status: int(n) for status, n in rows})
    return counts


def get_filing_for_office(session: Session, actor: Actor, filing_id: int) -> DifficultCaseFiling:
    filing = session.get(DifficultCaseFiling, filing_id)
    # An office that does not oversee the agency never learns the filing exists.
    if filing is None or filing.oversight_agency_id != actor.agency_id:
        raise NotFound("报备不存在。")
    return filing


def act_on_filing(
    session: Session,
    actor: Actor,
    filing: DifficultCaseFiling,
    step: FilingStep,
) -> DifficultCaseFiling:
    action = step.action
    with UnitOfWork(session) as uow:
        before = filing.status
        after = next_filing_status(FilingStatus(before), action)
        extra: dict[str, Any] = {}
        if action is FilingAction.RECEIVE:
            filing.received_at = utcnow()
        elif action is FilingAction.GIVE_GUIDANCE:
            if not (step.guidance or "").strip():
                raise RuleViolation("请填写指导意见。", fields={"guidance": ["此项为必填项。"]})
            filing.guidance = step.guidance
            filing.guidance_attachment_ids = _check_attachments(
                session, filing.case_id, step.attachment_ids
            )
            filing.guidance_by_user_id = actor.user_id
            filing.guidance_at = utcnow()
            extra = {"guidance": filing.guidance}
        elif action is FilingAction.CLOSE:
            filing.closed_at = utcnow()
            filing.close_note = step.note or ""
        filing.status = after
        _filing_event(session, filing, actor, action.value, before, extra)
        case = session.get(Case, filing.case_id)
        assert case is not None
        record_event(
            session,
            case,
            actor=actor,
            role=actor.primary_role,
            action=f"filing_{action.value}",
            from_state=case.state,
            to_state=case.state,
            data={"filing_id": filing.id, **extra},
        )
        uow.commit()
        return filing


def filing_view(session: Session, filing: DifficultCaseFiling) -> Annotated[DifficultCaseFiling]:
    """The filing with the 'file at once' figure: working days from the trigger to the filing."""
    calendar = load_calendar(session)
    return Annotated(
        filing,
        working_days_to_file=calendar.working_days_between(filing.trigger_on, filing.filed_on),
    )


def case_filings(
    session: Session, actor: Actor, case: Case
) -> list[Annotated[DifficultCaseFiling]]:
    rows = session.scalars(
        select(DifficultCaseFiling)
        .where(DifficultCaseFiling.case_id == case.id)
        .order_by(DifficultCaseFiling.id)
    )
    return [filing_view(session, filing) for filing in rows]


def list_filings(
    session: Session, actor: Actor, where: FilingFilter, *, page: int, page_size: int
) -> tuple[list[Annotated[DifficultCaseFiling]], int]:
    """The queue: filings made with the actor's office (or by its agencies), newest first."""
    rows, total = paginate(
        session, visible_filings_query(actor, where), page=page, page_size=page_size
    )
    return [filing_view(session, filing) for filing in rows], total


def filing_history(session: Session, actor: Actor, filing_id: int) -> Sequence[FilingEvent]:
    filing = get_filing_for_office(session, actor, filing_id)
    return session.scalars(
        select(FilingEvent).where(FilingEvent.filing_id == filing.id).order_by(FilingEvent.id)
    ).all()


def pending_filing(session: Session, case_id: int) -> DifficultCaseFiling | None:
    return session.scalars(
        select(DifficultCaseFiling).where(
            DifficultCaseFiling.case_id == case_id,
            DifficultCaseFiling.status.in_([FilingStatus.FILED.value, FilingStatus.RECEIVED.value]),
        )
    ).first()


# ---------------------------------------------------------------- remedy records


def add_remedy_record(
    session: Session, actor: Actor, case: Case, command: AddRemedy
) -> RemedyRecord:
    with UnitOfWork(session) as uow:
        record = _validated_remedy(
            RemedyRecordInput(
                kind=command.kind,
                body=command.body,
                filed_on=command.filed_on,
                result=command.result,
                decided_on=command.decided_on,
                correction_reasons=tuple(command.correction_reasons),
            )
        )
        if case.receipt_date and record.filed_on < case.receipt_date:
            raise RuleViolation(
                "申请复议/起诉日期不能早于收到申请日期。", fields={"filed_on": ["日期有误。"]}
            )
        row = RemedyRecord(
            case_id=case.id,
            agency_id=case.agency_id,
            kind=record.kind,
            body=record.body,
            external_case_number=command.external_case_number,
            filed_on=record.filed_on,
            decided_on=record.decided_on,
            result=record.result,
            correction_reasons=[r.value for r in record.correction_reasons],
            notes=command.notes,
            created_by_user_id=actor.user_id,
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            case,
            actor=actor,
            role=actor.primary_role,
            action="remedy_recorded",
            from_state=case.state,
            to_state=case.state,
            data={"remedy_record_id": row.id, "kind": row.kind, "result": row.result},
        )
        uow.commit()
        return row


def case_remedies(session: Session, case: Case) -> Sequence[RemedyRecord]:
    return session.scalars(
        select(RemedyRecord).where(RemedyRecord.case_id == case.id).order_by(RemedyRecord.id)
    ).all()


def update_remedy_record(
    session: Session, actor: Actor, case: Case, remedy_id: int, command: UpdateRemedy
) -> RemedyRecord:
    """E.g. a pending reconsideration is decided: result, decision date, reasons."""
    with UnitOfWork(session) as uow:
        row = session.get(RemedyRecord, remedy_id)
        if row is None or row.case_id != case.id:
            raise NotFound("复议/诉讼记录不存在。")
        record = _validated_remedy(
            RemedyRecordInput(
                kind=_or(command.kind, row.kind),
                body=_or(command.body, row.body),
                filed_on=_or(command.filed_on, row.filed_on),
                result=_or(command.result, row.result),
                decided_on=_or(command.decided_on, row.decided_on),
                correction_reasons=tuple(
                    _or(
                        command.correction_reasons,
                        [CorrectionReason(r) for r in row.correction_reasons],
                    )
                ),
            )
        )
        before = {"result": row.result, "decided_on": str(row.decided_on)}
        row.kind = record.kind
        row.body = record.body
        row.filed_on = record.filed_on
        row.decided_on = record.decided_on
        row.result = record.result
        row.correction_reasons = [r.value for r in record.correction_reasons]
        if not isinstance(command.external_case_number, Unset):
            row.external_case_number = command.external_case_number
        if not isinstance(command.notes, Unset):
            row.notes = command.notes
        record_event(
            session,
            case,
            actor=actor,
            role=actor.primary_role,
            action="remedy_updated",
            from_state=case.state,
            to_state=case.state,
            data={
                "remedy_record_id": row.id,
                "before": before,
                "after": {"result": row.result, "decided_on": str(row.decided_on)},
            },
        )
        uow.commit()
        return row


def _or(value: T | Unset, stored: T) -> T:
    return stored if isinstance(value, Unset) else value


def _validated_remedy(record: RemedyRecordInput) -> RemedyRecordInput:
    validate_remedy_record(record, today=legal_today())
    return record


def loss_rate_view(
    session: Session, actor: Actor, *, date_from: date, date_to: date, group_by: str
) -> list[dict[str, Any]]:
    """Decided remedies in the period, grouped by agency, reply outcome or correction reason."""
    if date_to < date_from:
        raise RuleViolation("结束日期不能早于开始日期。", fields={"date_to": ["早于开始日期。"]})
    query = (
        select(RemedyRecord, Case.outcome, Agency.name)
        .join(Case, Case.id == RemedyRecord.case_id)
        .join(Agency, Agency.id == RemedyRecord.agency_id)
        .where(
            RemedyRecord.agency_id.in_(actor.visible_agency_ids),
            RemedyRecord.decided_on >= date_from,
            RemedyRecord.decided_on <= date_to,
        )
    )
    rows: list[tuple[str, str, RemedyResult]] = []
    records = session.execute(query).all()
    if group_by == "reason":
        # Share of all decided remedies that were corrected for this reason.
        decided = sum(1 for record, _, _ in records if record.result != RemedyResult.PENDING)
        counts: dict[str, int] = {}
        for record, _, _ in records:
            if record.result == RemedyResult.CORRECTED:
                for reason in record.correction_reasons or []:
                    counts[reason] = counts.get(reason, 0) + 1
        rates = sorted(
            (LossRate(k, CorrectionReason(k).label, decided, n) for k, n in counts.items()),
            key=lambda r: (-r.corrected, r.key),
        )
    else:
        for record, outcome, agency_name in records:
            result = RemedyResult(record.result)
            if group_by == "agency":
                rows.append((str(record.agency_id), agency_name, result))
            else:
                key = outcome.value if outcome else "none"
                rows.append((key, Outcome(key).label if outcome else "未答复", result))
        rates = loss_rates(rows)
    return [
        {
            "key": r.key,
            "label": r.label,
            "decided": r.decided,
            "corrected": r.corrected,
            "loss_rate": r.rate,
        }
        for r in rates
    ]
