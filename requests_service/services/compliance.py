"""The yearly compliance self-check (自查) per agency, each finding with the cases involved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.models import Agency, Case, CaseEvent, Letter
from requests_service.domain.calendar import WorkingCalendar
from requests_service.domain.deadlines import correction_notice_due
from requests_service.domain.errors import NotFound
from requests_service.domain.lifecycle import OPEN_STATES, Action, Role
from requests_service.domain.outcomes import Outcome
from requests_service.services.access import Actor
from requests_service.services.clock import case_clock, legal_today, load_calendar
from requests_service.services.queries import PAUSED_STATES

INTAKE_FIELDS = {
    "intake_office_name": "受理机构名称",
    "intake_address": "通讯地址",
    "intake_postcode": "邮政编码",
    "intake_phone": "联系电话",
    "intake_email": "电子邮箱",
    "intake_office_hours": "办公时间",
    "online_form_url": "网上申请地址",
}

CHECKS = {
    "late_replies": "逾期答复",
    "replies_missing_remedy_or_basis": "答复未载明法律依据或救济途径",
    "extensions_without_approval": "延期未经审核负责人批准",
    "late_correction_notices": "补正告知超过7个工作日",
    "open_beyond_due": "超过答复期限仍未办结",
}


@dataclass(frozen=True)
class _Period:
    start: date
    end: date

    def covers(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def _late_reply(session: Session, calendar: WorkingCalendar, case: Case) -> list[Case]:
    """The case, if it was replied to after its due date (as the clock stood on the reply day)."""
    clock = case_clock(session, case, calendar=calendar, today=case.replied_on)
    late = clock and clock.reply_due and case.replied_on and case.replied_on > clock.reply_due
    return [case] if late else []


def _reply_defect(case: Case, letter: Letter | None) -> list[Case]:
    """The case, if its reply lacks a legal basis or (where one is required) a remedy notice."""
    if not case.outcome or Outcome(case.outcome) is Outcome.OTHER:
        return []
    context = (letter.issued_context or {}).get("reply") if letter else None
    needs_remedy = Outcome(case.outcome).remedy_notice_required
    missing_basis = not (case.reply_legal_basis or "").strip()
    missing_remedy = needs_remedy and (context is None or not context.get("remedy_text"))
    return [case] if missing_basis or missing_remedy else []


def _late_notice(calendar: WorkingCalendar, case: Case, event: CaseEvent) -> bool:
    """A correction notice later than 7 working days after receipt (Art. 30)."""
    return (
        case.receipt_date is not None
        and event.effective_on is not None
        and event.effective_on > correction_notice_due(calendar, case.receipt_date)
    )


def self_check(
    session: Session, actor: Actor, agency_id: int, *, date_from: date, date_to: date
) -> dict[str, Any]:
    agency = session.get(Agency, agency_id)
    if agency is None or not actor.can_see_agency(agency_id):
        raise NotFound("机关不存在。")
    calendar = load_calendar(session)
    today = legal_today()
    findings: dict[str, list[Case]] = {key: [] for key in CHECKS}
    cases = session.scalars(
        select(Case).where(
            Case.agency_id == agency_id,
            Case.receipt_date.is_not(None),
            Case.receipt_date <= date_to,
        )
    ).all()
    by_id = {c.id: c for c in cases}
    events: dict[int, list[CaseEvent]] = {}
    for event in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id.in_(list(by_id))).order_by(CaseEvent.id)
    ):
        events.setdefault(event.case_id, []).append(event)
    reply_letters: dict[int, Letter] = {
        letter.case_id: letter
        for letter in session.scalars(
            select(Letter).where(
                Letter.case_id.in_(list(by_id)), Letter.kind == "reply", Letter.status == "issued"
            )
        )
    }

    period = _Period(date_from, date_to)
    for case in cases:
        if period.covers(case.replied_on):
            findings["late_replies"] += _late_reply(session, calendar, case)
            findings["replies_missing_remedy_or_basis"] += _reply_defect(
                case, reply_letters.get(case.id)
            )
        for event in events.get(case.id, []):
            if not period.covers(event.effective_on):
                continue
            if event.action == Action.EXTEND.value and event.actor_role is not Role.APPROVER:
                findings["extensions_without_approval"].append(case)
            if event.action == Action.REQUEST_CORRECTION.value and _late_notice(
                calendar, case, event
            ):
                findings["late_correction_notices"].append(case)
        if (
            case.state in OPEN_STATES
            and case.state not in PAUSED_STATES
            and case.due_on is not None
            and case.due_on < min(today, date_to)
        ):
            findings["open_beyond_due"].append(case)

    missing_intake = [label for attr, label in INTAKE_FIELDS.items() if not getattr(agency, attr)]
    return {
        "agency_id": agency.id,
        "agency_name": agency.name,
        "date_from": date_from,
        "date_to": date_to,
        "findings": [
            {
                "key": key,
                "label": label,
                "count": len(set(findings[key])),
                "cases": [
                    {"id": c.id, "case_number": c.case_number}
                    for c in sorted(set(findings[key]), key=lambda c: c.id)
                ],
            }
            for key, label in CHECKS.items()
        ],
        "intake_office_missing": missing_intake,
        "defects": sum(len(set(v)) for v in findings.values()) + len(missing_intake),
    }
