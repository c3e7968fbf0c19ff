"""Information processing fees (信息处理费): proposal, notice, payment, waiver, refund, totals.

The computation is the domain's (``domain.fees``); this module finds "the same applicant's"
earlier pieces in the natural month, keeps the assessment row and writes the audit events.
Lifecycle steps that move the case (notice, payment, waiver, abandonment) are called from
``services.cases.apply_action`` inside its transaction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from requests_service.db.models import Agency, Applicant, ApplicantLink, Case, FeeAssessment
from requests_service.domain.errors import Conflict, NotFound, RuleViolation
from requests_service.domain.fee_status import FeeStatus, check_fee_step
from requests_service.domain.fees import (
    FeeMethod,
    FeeQuote,
    parse_yuan,
    quote_per_piece,
    quote_per_volume,
)
from requests_service.domain.lifecycle import CaseState, Role
from requests_service.domain.reply_delivery import DeliveryForm, DeliveryMethod
from requests_service.services.access import Actor
from requests_service.services.history import record_event
from requests_service.services.unit_of_work import UnitOfWork
from requests_service.services.views import Record, record

# Art. 42 / Fee Measures: per volume only where the applicant asked for paper copies, e-mail
# or copies of electronic data — not for on-site inspection or a portal download.
VOLUME_DELIVERY_FORMS = frozenset({DeliveryForm.PAPER, DeliveryForm.ELECTRONIC})
VOLUME_DELIVERY_METHODS = frozenset(
    {DeliveryMethod.POST, DeliveryMethod.PICKUP, DeliveryMethod.EMAIL, DeliveryMethod.FAX}
)


def active_assessment(session: Session, case: Case) -> FeeAssessment | None:
    return session.scalars(
        select(FeeAssessment)
        .where(
            FeeAssessment.case_id == case.id,
            FeeAssessment.status.in_([s.value for s in FeeStatus if s.is_active]),
        )
        .order_by(FeeAssessment.id.desc())
    ).first()


# Built once (read on every case detail and tracking view; issue 16): a Core SELECT of every
# column into records, not entities (the ORM's loading cost more than the statement).
_FEES = FeeAssessment.__table__.c
_ASSESSMENTS_OF = select(*_FEES).where(_FEES.case_id == bindparam("case_id")).order_by(_FEES.id)
_ASSESSMENT_COLUMNS = tuple(column.key for column in _FEES)


def assessments_of(session: Session, case_id: int) -> list[Record]:
    """A case's fee assessments, oldest first, as read-only records with every column (what
    the views show). A Core read does not autoflush: callers read after their use case's
    flush or commit, as every view does."""
    rows = session.execute(_ASSESSMENTS_OF, {"case_id": case_id})
    return [record(_ASSESSMENT_COLUMNS, row) for row in rows]


def _month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    end = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return start, end


def pieces_before_in_month(session: Session, case: Case) -> int:
    """Pieces of the same person's earlier applications to this agency in the same natural
    month of receipt (Fee Measures: 同一申请人、同一自然月累计) [D: month of receipt_date]."""
    if case.receipt_date is None:
        raise RuleViolation("案件尚未登记，无法确定计费月份。")
    applicant = case.applicant
    person = applicant.person_id or applicant.id
    start, end = _month_bounds(case.receipt_date)
    earlier = or_(
        Case.receipt_date < case.receipt_date,
        and_(Case.receipt_date == case.receipt_date, Case.id < case.id),
    )
    total = session.scalar(
        select(func.coalesce(func.sum(Case.pieces), 0))
        .join(Applicant, Applicant.id == Case.applicant_id)
        .where(
            Case.agency_id == case.agency_id,
            Case.id != case.id,
            func.coalesce(Applicant.person_id, Applicant.id) == person,
            Case.receipt_date >= start,
            Case.receipt_date < end,
            earlier,
        )
    )
    return int(total or 0)


def quote_for(
    session: Session, case: Case, method: FeeMethod, units: int | None
) -> tuple[FeeQuote, int, int]:
    """(quote, units charged, units before in month) for this case, without writing."""
    if method is FeeMethod.PER_VOLUME:
        if case.delivery_form not in VOLUME_DELIVERY_FORMS or (
            case.delivery_method not in VOLUME_DELIVERY_METHODS
        ):
            raise RuleViolation(
                "按量计收仅适用于申请人要求提供纸质件、通过电子邮件发送或复制电子数据的情形。",
                fields={"method": ["该申请的提供方式不适用按量计收。"]},
            )
        if units is None:
            raise RuleViolation("按量计收须填写页数。", fields={"units": ["此项为必填项。"]})
        return quote_per_volume(units), units, 0
    pieces = case.pieces if units is None else units
    before = pieces_before_in_month(session, case)
    return quote_per_piece(before, pieces), pieces, before


def quote_to_dict(quote: FeeQuote) -> dict[str, Any]:
    return {
        "method": quote.method.value,
        "amount": str(quote.amount),
        "lines": [
            {
                "first_unit": line.first_unit,
                "last_unit": line.last_unit,
                "unit_price": str(line.unit_price),
                "units": line.units,
                "amount": str(line.amount),
                "explanation": line.explanation,
            }
            for line in quote.lines
        ],
        "explanation": list(quote.explanation),
    }


def propose_fee(
    session: Session, actor: Actor, case: Case, *, method: FeeMethod, units: int | None
) -> FeeAssessment:
    """The handler computes and proposes a fee; the approver then issues the notice."""
    with UnitOfWork(session) as uow:
        if case.state is not CaseState.IN_HANDLING:
            raise Conflict(f"只有“办理中”的案件可以提出收费建议（当前：{case.state.label}）。")
        if active_assessment(session, case) is not None:
            raise Conflict("该案件已有待处理的收费建议或收费通知。")
        if method is FeeMethod.PER_PIECE and units is not None and units != case.pieces:
            case.pieces = units
        quote, charged, before = quote_for(session, case, method, units)
        if quote.amount <= 0:
            raise RuleViolation(
                "按《政府信息公开信息处理费管理办法》计算，本申请在免费范围内，不收费。",
                fields={"units": ["在免费额度内。"]},
            )
        assessment = FeeAssessment(
            case_id=case.id,
            agency_id=case.agency_id,
            status=FeeStatus.PROPOSED.value,
            method=method,
            units=charged,
            units_before_in_month=before,
            amount=quote.amount,
            amount_due=quote.amount,
            breakdown=quote_to_dict(quote),
            proposed_by_user_id=actor.user_id,
        )
        session.add(assessment)
        session.flush()
        record_event(
            session,
            case,
            actor=actor,
            role=Role.HANDLER,
            action="propose_fee",
            from_state=case.state,
            to_state=case.state,
            data={"fee_assessment_id": assessment.id, **quote_to_dict(quote)},
        )
        uow.commit()
        return assessment


def decline_fee(session: Session, actor: Actor, case: Case, *, reason: str) -> FeeAssessment:
    with UnitOfWork(session) as uow:
        assessment = active_assessment(session, case)
        if assessment is None:
            raise NotFound("没有待处理的收费建议。")
        check_fee_step(FeeStatus(assessment.status), FeeStatus.DECLINED)
        assessment.status = FeeStatus.DECLINED
        assessment.closed_reason = reason
        record_event(
            session,
            case,
            actor=actor,
            role=actor.primary_role,
            action="decline_fee",
            from_state=case.state,
            to_state=case.state,
            data={"fee_assessment_id": assessment.id, "reason": reason},
        )
        uow.commit()
        return assessment


def _require_active(session: Session, case: Case, wanted: FeeStatus) -> FeeAssessment:
    assessment = active_assessment(session, case)
    if assessment is None:
        raise RuleViolation("该案件没有待处理的收费建议或收费通知。")
    check_fee_step(FeeStatus(assessment.status), wanted)
    return assessment


def on_notice_issued(
    session: Session, actor: Actor, case: Case, *, on: date, received_on: date, due_on: date
) -> dict[str, Any]:
    """Approver approves the proposal and issues the fee notice (called by apply_action)."""
    assessment = _require_active(session, case, FeeStatus.NOTICE_ISSUED)
    assessment.status = FeeStatus.NOTICE_ISSUED
    assessment.approved_by_user_id = actor.user_id
    assessment.notice_issued_on = on
    assessment.notice_received_on = received_on
    assessment.payment_due_on = due_on
    return {"fee_assessment_id": assessment.id, "fee_amount": str(assessment.amount_due)}


def on_payment(
    session: Session,
    case: Case,
    *,
    amount: object,
    payment_method: str | None,
    receipt_number: str | None,
    on: date,
) -> dict[str, Any]:
    """Record the applicant's payment of the notified fee (called by apply_action)."""
    assessment = _require_active(session, case, FeeStatus.PAID)
    if not amount or not payment_method or not receipt_number:
        given = {
            "amount": amount,
            "payment_method": payment_method,
            "receipt_number": receipt_number,
        }
        raise RuleViolation(
            "请填写缴费金额、缴费方式和财政票据号。",
            fields={name: ["此项为必填项。"] for name, value in given.items() if not value},
        )
    paid = parse_yuan(amount)
    if paid != assessment.amount_due:
        raise RuleViolation(
            f"缴费金额（{paid}元）与应缴金额（{assessment.amount_due}元）不符。",
            fields={"amount": [f"应为{assessment.amount_due}"]},
        )
    if assessment.notice_issued_on and on < assessment.notice_issued_on:
        raise RuleViolation("缴费日期不能早于收费通知发出日期。", fields={"on": ["日期有误。"]})
    assessment.status = FeeStatus.PAID
    assessment.paid_amount = paid
    assessment.paid_on = on
    assessment.payment_method = payment_method
    assessment.receipt_number = receipt_number
    return {
        "fee_assessment_id": assessment.id,
        "amount": str(paid),
        "payment_method": payment_method,
        "receipt_number": receipt_number,
    }


def on_waiver(
    session: Session, actor: Actor, case: Case, agency: Agency, reason: str, on: date
) -> dict[str, Any]:
    if not agency.fee_waiver_allowed:
        raise RuleViolation("本机关未启用信息处理费减免政策（国家层面未见减免规定），不能减免。")
    if not (reason or "").strip():
        raise RuleViolation("减免须说明理由。", fields={"reason": ["此项为必填项。"]})
    assessment = _require_active(session, case, FeeStatus.WAIVED)
    assessment.status = FeeStatus.WAIVED
    assessment.waived_on = on
    assessment.waiver_reason = reason
    assessment.waived_by_user_id = actor.user_id
    return {
        "fee_assessment_id": assessment.id,
        "waived_amount": str(assessment.amount_due),
        "reason": reason,
    }


def on_abandoned(session: Session, case: Case) -> dict[str, Any]:
    assessment = _require_active(session, case, FeeStatus.ABANDONED)
    assessment.status = FeeStatus.ABANDONED
    assessment.closed_reason = "逾期未缴纳信息处理费"
    return {"fee_assessment_id": assessment.id}


def on_withdrawn(session: Session, case: Case) -> dict[str, Any]:
    """Withdrawal: an unpaid notice lapses; a paid fee stays recorded until refunded."""
    assessment = active_assessment(session, case)
    if assessment is None:
        return {}
    assessment.status = FeeStatus.CANCELLED
    assessment.closed_reason = "申请人撤回申请"
    return {"fee_assessment_id": assessment.id, "fee_status": FeeStatus.CANCELLED.value}


def reduce_fee(
    session: Session, actor: Actor, case: Case, *, amount: object, reason: str
) -> FeeAssessment:
    with UnitOfWork(session) as uow:
        if not case.agency.fee_waiver_allowed:
            raise RuleViolation("本机关未启用信息处理费减免政策，不能减收。")
        if not (reason or "").strip():
            raise RuleViolation("减收须说明理由。", fields={"reason": ["此项为必填项。"]})
        assessment = active_assessment(session, case)
        if assessment is None or assessment.status != FeeStatus.NOTICE_ISSUED.value:
            raise Conflict("只有已发出、尚未缴费的收费通知可以减收。")
        new_amount = parse_yuan(amount)
        if not Decimal(0) < new_amount < assessment.amount_due:
            raise RuleViolation(
                "减收后的金额应大于0且小于原应缴金额（全额减免请使用“决定不收费”）。",
                fields={"amount": ["金额无效。"]},
            )
        before = assessment.amount_due
        assessment.amount_due = new_amount
        assessment.reduction_reason = reason
        record_event(
            session,
            case,
            actor=actor,
            role=Role.APPROVER,
            action="reduce_fee",
            from_state=case.state,
            to_state=case.state,
            public=True,
            data={
                "fee_assessment_id": assessment.id,
                "amount_before": str(before),
                "amount_after": str(new_amount),
                "reason": reason,
            },
        )
        uow.commit()
        return assessment


def refund_fee(
    session: Session, actor: Actor, case: Case, *, amount: object, reason: str, on: date
) -> FeeAssessment:
    """Record a refund of a paid fee after the applicant withdrew (local finance rules)."""
    with UnitOfWork(session) as uow:
        if case.state is not CaseState.WITHDRAWN:
            raise Conflict("只有申请人撤回申请的案件可以退还已缴费用。")
        paid = session.scalars(
            select(FeeAssessment).where(
                FeeAssessment.case_id == case.id, FeeAssessment.status == FeeStatus.PAID.value
            )
        ).first()
        if paid is None:
            raise Conflict("该案件没有已缴纳、可退还的费用。")
        value = parse_yuan(amount)
        if not Decimal(0) < value <= (paid.paid_amount or Decimal(0)):
            raise RuleViolation(
                f"退费金额应大于0且不超过已缴金额{paid.paid_amount}元。",
                fields={"amount": ["金额无效。"]},
            )
        if not (reason or "").strip():
            raise RuleViolation("退费须说明理由。", fields={"reason": ["此项为必填项。"]})
        if paid.paid_on and on < paid.paid_on:
            raise RuleViolation("退费日期不能早于缴费日期。", fields={"on": ["日期有误。"]})
        check_fee_step(FeeStatus.PAID, FeeStatus.REFUNDED)
        paid.status = FeeStatus.REFUNDED
        paid.refund_amount = value
        paid.refunded_on = on
        paid.refund_reason = reason
        record_event(
            session,
            case,
            actor=actor,
            role=Role.APPROVER,
            action="refund_fee",
            from_state=case.state,
            to_state=case.state,
            public=True,
            effective_on=on,
            data={"fee_assessment_id": paid.id, "amount": str(value), "reason": reason},
        )
        uow.commit()
        return paid


def link_applicants(
    session: Session, actor: Actor, applicant_id: int, same_as_id: int, reason: str
) -> ApplicantLink:
    """Officer links two applicant records as one person (e.g. several names), audited."""
    with UnitOfWork(session) as uow:
        if applicant_id == same_as_id:
            raise RuleViolation("不能将申请人与自身关联。", fields={"same_as_id": ["相同。"]})
        if not (reason or "").strip():
            raise RuleViolation("关联须说明理由。", fields={"reason": ["此项为必填项。"]})
        records = {}
        for key in (applicant_id, same_as_id):
            applicant = session.get(Applicant, key)
            visible = session.scalar(
                select(func.count())
                .select_from(Case)
                .where(Case.applicant_id == key, Case.agency_id.in_(actor.visible_agency_ids))
            )
            if applicant is None or not visible:
                raise NotFound("申请人不存在。", applicant_id=key)
            records[key] = applicant
        source, target = records[applicant_id], records[same_as_id]
        before = source.person_id or source.id
        after = target.person_id or target.id
        if before == after:
            raise Conflict("两条申请人记录已关联为同一申请人。")
        # Move the whole group of the source, so earlier links are kept.
        for member in session.scalars(
            select(Applicant).where(func.coalesce(Applicant.person_id, Applicant.id) == before)
        ):
            member.person_id = after
        link = ApplicantLink(
            applicant_id=applicant_id,
            same_as_id=same_as_id,
            person_id_before=before,
            person_id_after=after,
            reason=reason,
            actor_user_id=actor.user_id,
            actor_name=actor.name,
        )
        session.add(link)
        uow.commit()
        return link


def fee_totals(
    session: Session, actor: Actor, *, date_from: date, date_to: date
) -> list[dict[str, Any]]:
    """Per agency over a period: notices issued, collected, waived, refunded (for statistics)."""
    if date_to < date_from:
        raise RuleViolation("结束日期不能早于开始日期。", fields={"date_to": ["早于开始日期。"]})
    visible = list(actor.visible_agency_ids)
    names = dict(
        session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(visible))).all()
    )
    totals: dict[int, dict[str, Any]] = {}

    def bucket(agency_id: int) -> dict[str, Any]:
        return totals.setdefault(
            agency_id,
            {
                "agency_id": agency_id,
                "agency_name": names.get(agency_id, ""),
                "notices_issued": 0,
                "amount_noticed": Decimal(0),
                "payments": 0,
                "collected": Decimal(0),
                "waivers": 0,
                "waived": Decimal(0),
                "refunds": 0,
                "refunded": Decimal(0),
            },
        )

    def window(column: Any) -> Any:
        return and_(column >= date_from, column <= date_to)

    scope = FeeAssessment.agency_id.in_(visible)
    queries = (
        ("notices_issued", "amount_noticed", FeeAssessment.amount, FeeAssessment.notice_issued_on),
        ("payments", "collected", FeeAssessment.paid_amount, FeeAssessment.paid_on),
        ("waivers", "waived", FeeAssessment.amount_due, FeeAssessment.waived_on),
        ("refunds", "refunded", FeeAssessment.refund_amount, FeeAssessment.refunded_on),
    )
    for count_key, sum_key, amount_col, date_col in queries:
        rows = session.execute(
            select(FeeAssessment.agency_id, func.count(), func.coalesce(func.sum(amount_col), 0))
            .where(scope, window(date_col))
            .group_by(FeeAssessment.agency_id)
        )
        for agency_id, count, amount in rows:
            row = bucket(agency_id)
            row[count_key] = int(count)
            row[sum_key] = Decimal(amount or 0).quantize(Decimal("0.01"))
    for row in totals.values():
        row["net_collected"] = row["collected"] - row["refunded"]
        for key, value in list(row.items()):
            if isinstance(value, Decimal):
                row[key] = str(value.quantize(Decimal("0.01")))
    return [totals[k] for k in sorted(totals)]
