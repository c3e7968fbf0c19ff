"""Notifications to people: applicants on the events that matter to them, handlers' digests.

A notification row holds no personal data: the message is rendered when it is sent, from the
case and applicant, and goes only to that applicant's own address (chosen channel; opt-out
respected). The daily digest lists a handler's open cases due soon or overdue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import Case, Notification, OutboxEvent, User, UserRole
from requests_service.domain.delivery_status import NotificationStatus
from requests_service.domain.events import EventType, next_attempt_at
from requests_service.domain.lifecycle import OPEN_STATES, Role
from requests_service.domain.messages import (
    APPLICANT_TEMPLATES,
    NotificationChannel,
    applicant_channel,
    render_applicant,
    render_digest,
)
from requests_service.outbound.senders import SendError
from requests_service.services import claims
from requests_service.services.clock import load_calendar
from requests_service.services.delivery_settings import DeliverySettings, DrainReport
from requests_service.services.queries import PAUSED_STATES
from requests_service.services.unit_of_work import UnitOfWork

DIGEST_TEMPLATE = "handler_digest"
DUE_SOON_WORKING_DAYS = 3


def plan_for_event(session: Session, event: OutboxEvent, *, now: datetime) -> Notification | None:
    """The applicant's notification for an event, if it is one they are told about. Runs in
    the fan-out transaction; the unique ``dedupe_key`` stops a second one for the same event."""
    try:
        event_type = EventType(event.event_type)
    except ValueError:
        return None
    data = event.payload.get("data") or {}
    if event_type not in APPLICANT_TEMPLATES or event.case_id is None or not data.get("public"):
        return None
    case = session.get(Case, event.case_id)
    if case is None:
        return None
    applicant = case.applicant
    channel = applicant_channel(
        applicant.notification_channel, email=applicant.email, phone=applicant.phone
    )
    status, reason = NotificationStatus.PENDING, None
    if applicant.notifications_opt_out:
        status, reason = NotificationStatus.SKIPPED, "申请人已退订通知"
    elif channel == NotificationChannel.NONE:
        status, reason = NotificationStatus.SKIPPED, "申请人未选择通知方式或未留联系方式"
    snapshot = event.payload.get("case") or {}
    notification = Notification(
        dedupe_key=f"{event.event_id}:applicant",
        outbox_event_id=event.id,
        template=event_type.value,
        channel=channel,
        case_id=case.id,
        context={
            "case_ref": snapshot.get("case_number") or case.tracking_code,
            "state_label": snapshot.get("state_label"),
            "due_on": snapshot.get("due_on"),
            "correction_due_on": (
                case.correction_due_on.isoformat() if case.correction_due_on else None
            ),
            "document_number": data.get("document_number"),
        },
        status=status,
        attempts=0,
        next_attempt_at=now if status is NotificationStatus.PENDING else None,
        last_error=reason,
    )
    session.add(notification)
    return notification


def plan_handler_digests(session: Session, *, day: date, now: datetime | None = None) -> int:
    """One digest per handler (with an e-mail) who has open cases due soon or overdue;
    at most one per handler and day (unique key)."""
    now = now or utcnow()
    soon = load_calendar(session).add_working_days(day, DUE_SOON_WORKING_DAYS)
    planned = 0
    with UnitOfWork(session) as uow:
        handlers = session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.HANDLER, User.active.is_(True), User.email != "")
            .order_by(User.id)
        ).all()
        for handler in handlers:
            key = f"digest:{handler.id}:{day.isoformat()}"
            if session.scalar(select(Notification.id).where(Notification.dedupe_key == key)):
                continue
            cases = session.scalars(
                select(Case)
                .where(
                    Case.assignee_id == handler.id,
                    Case.state.in_(OPEN_STATES),
                    Case.state.not_in(PAUSED_STATES),
                    Case.due_on <= soon,
                )
                .order_by(Case.due_on, Case.id)
            ).all()
            if not cases:
                continue
            rows = [
                {
                    "case_id": c.id,
                    "case_number": c.case_number,
                    "tracking_code": c.tracking_code,
                    "state_label": c.state.label,
                    "due_on": c.due_on.isoformat() if c.due_on else None,
                    "overdue": bool(c.due_on and c.due_on < day),
                }
                for c in cases
            ]
            session.add(
                Notification(
                    dedupe_key=key,
                    template=DIGEST_TEMPLATE,
                    channel=NotificationChannel.EMAIL,
                    user_id=handler.id,
                    context={"day": day.isoformat(), "rows": rows},
                    status=NotificationStatus.PENDING,
                    attempts=0,
                    next_attempt_at=now,
                )
            )
            planned += 1
        uow.commit()
    return planned


def render(session: Session, notification: Notification) -> tuple[str, str, str]:
    """(address, subject, body) of a notification, rendered now from its owner's record."""
    if notification.template == DIGEST_TEMPLATE:
        user = session.get(User, notification.user_id)
        assert user is not None
        message = render_digest(
            user.display_name, notification.context["day"], notification.context["rows"]
        )
        return user.email, message.subject, message.body
    case = session.get(Case, notification.case_id)
    assert case is not None
    applicant = case.applicant
    context: dict[str, Any] = {
        **notification.context,
        "applicant_name": applicant.contact_person or applicant.name,
        "agency_name": case.agency.name,
        "tracking_code": case.tracking_code,
    }
    message = render_applicant(EventType(notification.template), notification.channel, context)
    address = (
        applicant.email if notification.channel == NotificationChannel.EMAIL else applicant.phone
    )
    return address, message.subject, message.body


def send_one(
    session: Session,
    notification_id: int,
    senders: Any,
    settings: DeliverySettings,
    *,
    now: Callable[[], datetime] = utcnow,
) -> Notification:
    notification = session.get(Notification, notification_id)
    assert notification is not None
    error: str | None = None
    opted_out = False
    if notification.case_id is not None:
        case = session.get(Case, notification.case_id)
        opted_out = bool(case and case.applicant.notifications_opt_out)
    if not opted_out:
        address, subject, body = render(session, notification)
        session.rollback()
        try:
            if notification.channel == NotificationChannel.SMS:
                senders.sms.send(address, body, tag=notification.template)
            else:
                senders.email.send(address, subject, body, tag=notification.template)
        except SendError as exc:
            error = str(exc)
    finished = now()
    with UnitOfWork(session) as uow:
        notification = session.get(Notification, notification_id)
        assert notification is not None
        notification.locked_until = None
        if opted_out:
            notification.status = NotificationStatus.SKIPPED
            notification.last_error = "申请人已退订通知"
        elif error is None:
            notification.attempts += 1
            notification.status = NotificationStatus.SENT
            notification.sent_at = finished
            notification.last_error = None
        else:
            notification.attempts += 1
            notification.last_error = error
            retry_at = next_attempt_at(
                finished,
                notification.attempts,
                max_attempts=settings.max_attempts,
                base_seconds=settings.backoff_seconds,
            )
            notification.status = (
                NotificationStatus.PENDING if retry_at else NotificationStatus.DEAD
            )
            notification.next_attempt_at = retry_at
        uow.commit()
        return notification


def send_due(
    session: Session,
    senders: Any,
    settings: DeliverySettings,
    *,
    now: Callable[[], datetime] = utcnow,
    report: DrainReport | None = None,
) -> int:
    moment = now()
    claimed = claims.claim_due(
        session, Notification, moment, settings.batch_size, settings.lock_seconds
    )
    done = 0
    for notification_id in claimed:
        notification = send_one(session, notification_id, senders, settings, now=now)
        done += 1
        if report is not None:
            if notification.status is NotificationStatus.SENT:
                report.notified += 1
            elif notification.status in (NotificationStatus.PENDING, NotificationStatus.DEAD):
                report.notify_failed += 1
    return done


# ---------------------------------------------------------------- admin view


def notifications_query(
    session: Session, actor: Any, *, status: str | None = None
) -> Select[Notification]:
    """Notifications about cases of the agencies the admin manages, and digests to their
    handlers, newest first (no addresses: the admin sees status, never the message)."""
    from sqlalchemy import or_

    from requests_service.services.admin import managed_agency_ids

    agencies = managed_agency_ids(session, actor)
    query = (
        select(Notification)
        .outerjoin(Case, Case.id == Notification.case_id)
        .outerjoin(User, User.id == Notification.user_id)
        .where(or_(Case.agency_id.in_(agencies), User.agency_id.in_(agencies)))
        .order_by(Notification.id.desc())
    )
    if status is not None:
        query = query.where(Notification.status == status)
    return query


def resend_notification(session: Session, actor: Any, notification_id: int) -> Notification:
    """Queue a dead or failed notification again with a fresh set of attempts (audited)."""
    from requests_service.domain.errors import NotFound, RuleViolation
    from requests_service.services.admin import audit

    with UnitOfWork(session) as uow:
        notification = session.scalars(
            notifications_query(session, actor).where(Notification.id == notification_id)
        ).first()
        if notification is None:
            raise NotFound("通知不存在。", notification_id=notification_id)
        if notification.status not in (NotificationStatus.DEAD, NotificationStatus.PENDING):
            raise RuleViolation("只能重新发送失败的通知。")
        before = {"status": notification.status, "attempts": notification.attempts}
        notification.status = NotificationStatus.PENDING
        notification.attempts = 0
        notification.next_attempt_at = utcnow()
        agency_id = (
            session.get(Case, notification.case_id).agency_id  # type: ignore[union-attr]
            if notification.case_id
            else session.get(User, notification.user_id).agency_id  # type: ignore[union-attr]
        )
        audit(
            session,
            actor,
            agency_id=agency_id,
            action="notification_resend",
            target=notification,
            before=before,
            after={"status": "pending"},
        )
        uow.commit()
        return notification
