"""Difficult-case filings, remedy records, loss rates — the oversight office's view."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

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
from requests_service.services.history import record_event
from requests_service.services.queries import paginate
from requests_service.services.unit_of_work import UnitOfWork
from requests_service.services.views import Annotated


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


def _check_attachments(session: Session, case_id: int, ids: list[int]) -> list[int]:
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


def file_case(
    session: Session, actor: Actor, case: Case, data: Mapping[str, Any]
) -> DifficultCaseFiling:
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
        trigger_on: date = data.get("trigger_on") or case.receipt_date or today
        if trigger_on > today:
            raise RuleViolation("触发日期不能晚于今天。", fields={"trigger_on": ["日期在未来。"]})
        filing = DifficultCaseFiling(
            case_id=case.id,
            agency_id=case.agency_id,
            oversight_agency_id=office.id,
            category=FilingCategory(data["category"]).value,
            status=FilingStatus.FILED.value,
            summary=data["summary"],
            proposed_reply=data["proposed_reply"],
            proposed_basis=data["proposed_basis"],
            attachment_ids=_check_attachments(session, case.id, data.get("attachment_ids") or []),
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


def visible_filings_query(actor: Actor, args: Mapping[str, Any]) -> Select[DifficultCaseFiling]:
    """Agencies see their own filings; an oversight office sees those filed with it."""
    query = select(DifficultCaseFiling).where(
        (DifficultCaseFiling.oversight_agency_id == actor.agency_id)
        | DifficultCaseFiling.agency_id.in_(actor.visible_agency_ids)
    )
    for name in ("status", "category", "agency_id"):
        if args.get(name) is not None:
            query = query.where(getattr(DifficultCaseFiling, name) == args[name])
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
    action: FilingAction,
    data: Mapping[str, Any],
) -> DifficultCaseFiling:
    with UnitOfWork(session) as uow:
        before = filing.status
        after = next_filing_status(FilingStatus(before), action)
        extra: dict[str, Any] = {}
        if action is FilingAction.RECEIVE:
            filing.received_at = utcnow()
        elif action is FilingAction.GIVE_GUIDANCE:
            if not (data.get("guidance") or "").strip():
                raise RuleViolation("请填写指导意见。", fields={"guidance": ["此项为必填项。"]})
            filing.guidance = data["guidance"]
            filing.guidance_attachment_ids = _check_attachments(
                session, filing.case_id, data.get("attachment_ids") or []
            )
            filing.guidance_by_user_id = actor.user_id
            filing.guidance_at = utcnow()
            extra = {"guidance": filing.guidance}
        elif action is FilingAction.CLOSE:
            filing.closed_at = utcnow()
            filing.close_note = data.get("note") or ""
        filing.status = after.value
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
    session: Session, actor: Actor, filters: Mapping[str, Any], *, page: int, page_size: int
) -> tuple[list[Annotated[DifficultCaseFiling]], int]:
    """The queue: filings made with the actor's office (or by its agencies), newest first."""
    rows, total = paginate(
        session, visible_filings_query(actor, filters), page=page, page_size=page_size
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
    session: Session, actor: Actor, case: Case, data: Mapping[str, Any]
) -> RemedyRecord:
    with UnitOfWork(session) as uow:
        record = _validated_remedy(data)
        if case.receipt_date and record.filed_on < case.receipt_date:
            raise RuleViolation(
                "申请复议/起诉日期不能早于收到申请日期。", fields={"filed_on": ["日期有误。"]}
            )
        row = RemedyRecord(
            case_id=case.id,
            agency_id=case.agency_id,
            kind=record.kind.value,
            body=record.body,
            external_case_number=data.get("external_case_number") or "",
            filed_on=record.filed_on,
            decided_on=record.decided_on,
            result=record.result.value,
            correction_reasons=[r.value for r in record.correction_reasons],
            notes=data.get("notes") or "",
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
    session: Session, actor: Actor, case: Case, remedy_id: int, data: Mapping[str, Any]
) -> RemedyRecord:
    """E.g. a pending reconsideration is decided: result, decision date, reasons."""
    with UnitOfWork(session) as uow:
        row = session.get(RemedyRecord, remedy_id)
        if row is None or row.case_id != case.id:
            raise NotFound("复议/诉讼记录不存在。")
        merged = {
            "kind": row.kind,
            "body": row.body,
            "filed_on": row.filed_on,
            "result": row.result,
            "decided_on": row.decided_on,
            "correction_reasons": row.correction_reasons,
            **dict(data),
        }
        record = _validated_remedy(merged)
        before = {"result": row.result, "decided_on": str(row.decided_on)}
        row.kind = record.kind.value
        row.body = record.body
        row.filed_on = record.filed_on
        row.decided_on = record.decided_on
        row.result = record.result.value
        row.correction_reasons = [r.value for r in record.correction_reasons]
        for name in ("external_case_number", "notes"):
            if name in data:
                setattr(row, name, data[name] or "")
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


def _validated_remedy(data: Mapping[str, Any]) -> RemedyRecordInput:
    try:
        record = RemedyRecordInput(
            kind=RemedyKind(data["kind"]),
            body=data.get("body") or "",
            filed_on=data["filed_on"],
            result=RemedyResult(data["result"]),
            decided_on=data.get("decided_on"),
            correction_reasons=tuple(
                CorrectionReason(r) for r in data.get("correction_reasons") or []
            ),
        )
    except ValueError as exc:
        raise RuleViolation("复议/诉讼记录的取值无效。", error=str(exc)) from None
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
