"""Draining the outbox: fan events out, then deliver webhooks and send notifications.

Safe with several workers at once: fan-out takes the outbox rows with ``FOR UPDATE SKIP
LOCKED`` (PostgreSQL; SQLite serialises writers anyway) and inserts rows keyed unique per
(subscription, event) and per notification; a delivery or notification is *claimed* by a
conditional UPDATE before it is sent, so two workers never send the same one. A worker that
dies mid-send leaves a claim that expires (``locked_until``) and is retried — receivers
de-duplicate on the event id, which never changes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import (
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from requests_service.domain.events import next_attempt_at, sign
from requests_service.outbound.http import HttpResult
from requests_service.outbound.http import post as http_post
from requests_service.services import claims
from requests_service.services import notifications as notification_service
from requests_service.services.unit_of_work import UnitOfWork

USER_AGENT = "requests-service-webhooks/1"


@dataclass(frozen=True)
class DeliverySettings:
    allowed_hosts: tuple[str, ...] = ()
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    timeout_seconds: float = 10.0
    batch_size: int = 200

    @property
    def lock_seconds(self) -> float:
        return self.timeout_seconds * 4 + 30

    @classmethod
    def from_config(cls, config: Any) -> DeliverySettings:
        return cls(
            allowed_hosts=tuple(config.get("WEBHOOK_ALLOWED_HOSTS") or ()),
            max_attempts=int(config.get("WEBHOOK_MAX_ATTEMPTS", 8)),
            backoff_seconds=float(config.get("WEBHOOK_BACKOFF_SECONDS", 30)),
            timeout_seconds=float(config.get("WEBHOOK_TIMEOUT_SECONDS", 10)),
        )


@dataclass
class DrainReport:
    dispatched: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    notified: int = 0
    notify_failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


Poster = Callable[..., HttpResult]


# ---------------------------------------------------------------- fan-out


def _lock_for_update(session: Session, query: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def dispatch_pending(session: Session, *, limit: int = 200, now: datetime | None = None) -> int:
    """Fan undispatched events out into webhook deliveries and notifications (one batch)."""
    now = now or utcnow()
    with UnitOfWork(session) as uow:
        events = list(
            session.scalars(
                _lock_for_update(
                    session,
                    select(OutboxEvent)
                    .where(OutboxEvent.dispatched_at.is_(None))
                    .order_by(OutboxEvent.id)
                    .limit(limit),
                )
            )
        )
        if not events:
            return 0
        agency_ids = {e.agency_id for e in events}
        subscriptions: dict[int, list[WebhookSubscription]] = {}
        for sub in session.scalars(
            select(WebhookSubscription).where(
                WebhookSubscription.agency_id.in_(agency_ids),
                WebhookSubscription.active.is_(True),
            )
        ):
            subscriptions.setdefault(sub.agency_id, []).append(sub)
        for event in events:
            for sub in subscriptions.get(event.agency_id, []):
                if sub.event_types and event.event_type not in sub.event_types:
                    continue
                session.add(
                    WebhookDelivery(
                        subscription_id=sub.id,
                        outbox_event_id=event.id,
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                    )
                )
            notification_service.plan_for_event(session, event, now=now)
            event.dispatched_at = now
        uow.commit()
        return len(events)


# ---------------------------------------------------------------- webhooks


def webhook_body(event: OutboxEvent) -> bytes:
    return json.dumps(
        event.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode("utf-8")


def signed_headers(
    secret: str, event: OutboxEvent, body: bytes, *, timestamp: int
) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Webhook-Id": event.event_id,
        "Webhook-Event": event.event_type,
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": sign(secret, timestamp, body),
    }


def send_delivery(
    session: Session,
    delivery_id: int,
    settings: DeliverySettings,
    *,
    poster: Poster = http_post,
    now: Callable[[], datetime] = utcnow,
) -> WebhookDelivery:
    """Send one claimed delivery and record the attempt (delivery log) and its outcome."""
    delivery = session.get(WebhookDelivery, delivery_id)
    assert delivery is not None
    subscription = session.get(WebhookSubscription, delivery.subscription_id)
    event = session.get(OutboxEvent, delivery.outbox_event_id)
    assert subscription is not None and event is not None
    body = webhook_body(event)
    headers = signed_headers(subscription.secret, event, body, timestamp=int(time.time()))
    url, active = subscription.url, subscription.active
    session.rollback()  # no transaction held open during the HTTP call
    if not active:
        result = HttpResult(None, "订阅已停用", 0)
    else:
        result = poster(
            url,
            body,
            headers,
            allowed_hosts=settings.allowed_hosts,
            timeout=settings.timeout_seconds,
        )
    finished = now()
    with UnitOfWork(session) as uow:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        session.add(
            WebhookAttempt(
                delivery_id=delivery.id,
                attempted_at=finished,
                status_code=result.status_code,
                error=result.error,
                duration_ms=result.duration_ms,
            )
        )
        delivery.attempts += 1
        delivery.last_status_code = result.status_code
        delivery.locked_until = None
        if result.ok:
            delivery.status = "succeeded"
            delivery.delivered_at = finished
            delivery.last_error = None
            delivery.next_attempt_at = None
        else:
            delivery.last_error = result.error
            retry_at = (
                next_attempt_at(
                    finished,
                    delivery.attempts,
                    max_attempts=settings.max_attempts,
                    base_seconds=settings.backoff_seconds,
                )
                if active
                else None
            )
            delivery.status = "pending" if retry_at else "dead"
            delivery.next_attempt_at = retry_at
        uow.commit()
        return delivery


def deliver_due(
    session: Session,
    settings: DeliverySettings,
    *,
    poster: Poster = http_post,
    now: Callable[[], datetime] = utcnow,
    report: DrainReport | None = None,
) -> DrainReport:
    report = report or DrainReport()
    moment = now()
    ids = claims.due_ids(session, WebhookDelivery, moment, settings.batch_size)
    for delivery_id in claims.claim(session, WebhookDelivery, ids, moment, settings.lock_seconds):
        delivery = send_delivery(session, delivery_id, settings, poster=poster, now=now)
        if delivery.status == "succeeded":
            report.delivered += 1
        elif delivery.status == "dead":
            report.dead += 1
        else:
            report.failed += 1
    return report


# ---------------------------------------------------------------- one pass


@dataclass
class Drainer:
    """Everything a drain needs; the jobs layer builds it from the app config."""

    settings: DeliverySettings
    senders: Any
    poster: Poster = http_post
    now: Callable[[], datetime] = field(default=utcnow)

    def drain(self, session: Session, *, max_rounds: int = 50) -> DrainReport:
        """Fan out and deliver until nothing is due (bounded, so a job never runs forever)."""
        report = DrainReport()
        for _ in range(max_rounds):
            dispatched = dispatch_pending(session, limit=self.settings.batch_size, now=self.now())
            report.dispatched += dispatched
            before = (report.delivered, report.failed, report.dead)
            deliver_due(session, self.settings, poster=self.poster, now=self.now, report=report)
            sent = notification_service.send_due(
                session, self.senders, self.settings, now=self.now, report=report
            )
            if (
                not dispatched
                and not sent
                and before == (report.delivered, report.failed, report.dead)
            ):
                break
        return report
