"""Webhook subscriptions per agency (audited), delivery log, dead letters, manual re-send."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import (
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from requests_service.domain.delivery_status import DeliveryStatus
from requests_service.domain.errors import NotFound, RuleViolation
from requests_service.domain.events import EventType, check_destination
from requests_service.services.access import Actor
from requests_service.services.admin import audit, managed_agency_ids
from requests_service.services.commands import UNSET, Unset
from requests_service.services.unit_of_work import UnitOfWork

AUDITED = ("url", "description", "event_types", "active")


def _snapshot(sub: WebhookSubscription) -> dict[str, Any]:
    # Never the secret: the audit trail is readable by every admin of the agency.
    return {name: getattr(sub, name) for name in AUDITED}


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _event_types(values: Sequence[str] | None) -> list[str]:
    if not values:
        return []
    unknown = sorted(set(values) - {t.value for t in EventType})
    if unknown:
        raise RuleViolation(
            "未知的事件类型。", fields={"event_types": [f"未知：{', '.join(unknown)}"]}
        )
    return sorted(set(values))


def get_subscription(session: Session, actor: Actor, subscription_id: int) -> WebhookSubscription:
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None or sub.agency_id not in managed_agency_ids(session, actor):
        raise NotFound("回调订阅不存在。", subscription_id=subscription_id)
    return sub


def subscriptions_query(session: Session, actor: Actor) -> Select[WebhookSubscription]:
    return (
        select(WebhookSubscription)
        .where(WebhookSubscription.agency_id.in_(managed_agency_ids(session, actor)))
        .order_by(WebhookSubscription.id)
    )


@dataclass(frozen=True)
class CreateSubscription:
    url: str
    agency_id: int | None = None  # the administrator's own agency when not given
    description: str = ""
    event_types: Sequence[str] | None = None  # empty or none: every event type
    active: bool = True


@dataclass(frozen=True)
class UpdateSubscription:
    """A partial update: only the fields given change; ``rotate_secret`` issues a new secret."""

    url: str | Unset = UNSET
    description: str | Unset = UNSET
    event_types: Sequence[str] | Unset = UNSET
    active: bool | Unset = UNSET
    rotate_secret: bool = False


def create_subscription(
    session: Session,
    actor: Actor,
    command: CreateSubscription,
    *,
    allowed_hosts: tuple[str, ...],
) -> tuple[WebhookSubscription, str]:
    """Subscribe an agency's system; the secret is returned now and never shown again."""
    with UnitOfWork(session) as uow:
        agency_id = command.agency_id or actor.agency_id
        if agency_id not in managed_agency_ids(session, actor):
            raise NotFound("机关不存在。", agency_id=agency_id)
        check_destination(command.url, allowed_hosts)
        secret = new_secret()
        sub = WebhookSubscription(
            agency_id=agency_id,
            url=command.url,
            description=command.description,
            event_types=_event_types(command.event_types),
            secret=secret,
            active=command.active,
            created_by_user_id=actor.user_id,
        )
        session.add(sub)
        audit(
            session,
            actor,
            agency_id=agency_id,
            action="webhook_create",
            target=sub,
            before=None,
            after=_snapshot(sub),
        )
        uow.commit()
        return sub, secret


def update_subscription(
    session: Session,
    actor: Actor,
    subscription_id: int,
    command: UpdateSubscription,
    *,
    allowed_hosts: tuple[str, ...],
) -> tuple[WebhookSubscription, str | None]:
    """Change URL, event types, description or active flag; ``rotate_secret`` issues a new one."""
    with UnitOfWork(session) as uow:
        sub = get_subscription(session, actor, subscription_id)
        before = _snapshot(sub)
        if not isinstance(command.url, Unset):
            check_destination(command.url, allowed_hosts)
            sub.url = command.url
        if not isinstance(command.event_types, Unset):
            sub.event_types = _event_types(command.event_types)
        if not isinstance(command.description, Unset):
            sub.description = command.description
        if not isinstance(command.active, Unset):
            sub.active = command.active
        secret = None
        if command.rotate_secret:
            secret = sub.secret = new_secret()
        after = _snapshot(sub)
        if secret:
            after["secret_rotated"] = True
        if after != before:
            sub.updated_at = utcnow()
            audit(
                session,
                actor,
                agency_id=sub.agency_id,
                action="webhook_update",
                target=sub,
                before=before,
                after=after,
            )
        uow.commit()
        return sub, secret


def deliveries_query(
    session: Session,
    actor: Actor,
    *,
    subscription_id: int | None = None,
    status: str | None = None,
) -> Select[WebhookDelivery, OutboxEvent, WebhookSubscription]:
    query = (
        select(WebhookDelivery, OutboxEvent, WebhookSubscription)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.outbox_event_id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookSubscription.agency_id.in_(managed_agency_ids(session, actor)))
        .order_by(WebhookDelivery.id.desc())
    )
    if subscription_id is not None:
        get_subscription(session, actor, subscription_id)
        query = query.where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return query


def delivery_view(
    delivery: WebhookDelivery, event: OutboxEvent, sub: WebhookSubscription
) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "subscription_id": sub.id,
        "url": sub.url,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "event_type_label": EventType(event.event_type).label,
        "case_id": event.case_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
        "created_at": delivery.created_at,
    }


def get_delivery(session: Session, actor: Actor, delivery_id: int) -> dict[str, Any]:
    row = session.execute(
        deliveries_query(session, actor).where(WebhookDelivery.id == delivery_id)
    ).one_or_none()
    if row is None:
        raise NotFound("投递记录不存在。", delivery_id=delivery_id)
    view = delivery_view(*row)
    view["payload"] = row[1].payload
    view["log"] = list(
        session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.id)
        )
    )
    return view


def resend(session: Session, actor: Actor, delivery_id: int) -> dict[str, Any]:
    """Queue a delivery again (dead letter, or one the receiver lost): same event, same id, a
    fresh set of attempts. Audited."""
    with UnitOfWork(session) as uow:
        view = get_delivery(session, actor, delivery_id)
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        if delivery.status is DeliveryStatus.SENDING:
            raise RuleViolation("该投递正在发送中，请稍后再试。")
        sub = session.get(WebhookSubscription, delivery.subscription_id)
        assert sub is not None
        if not sub.active:
            raise RuleViolation("回调订阅已停用，请先启用后再重新发送。")
        before = {"status": delivery.status, "attempts": delivery.attempts}
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = utcnow()
        audit(
            session,
            actor,
            agency_id=sub.agency_id,
            action="webhook_resend",
            target=delivery,
            before=before,
            after={"status": "pending", "event_id": view["event_id"]},
        )
        uow.commit()
    return get_delivery(session, actor, delivery_id)
