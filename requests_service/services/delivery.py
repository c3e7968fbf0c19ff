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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import (
    Agency,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from requests_service.domain.delivery_status import DeliveryStatus
from requests_service.domain.events import next_attempt_at, sign
from requests_service.outbound.http import HttpResult
from requests_service.outbound.http import post as http_post
from requests_service.services import claims
from requests_service.services import notifications as notification_service
from requests_service.services.delivery_settings import DeliverySettings, DrainReport
from requests_service.services.unit_of_work import UnitOfWork

USER_AGENT = "requests-service-webhooks/1"


Poster = Callable[..., HttpResult]


# ---------------------------------------------------------------- fan-out


def _lock_for_update(session: Session, query: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def _watching_agencies(session: Session, agency_ids: set[int]) -> dict[int, set[int]]:
    """Whose subscriptions see an agency's events: the agency's own, and those of every
    oversight office (监督机构) above it — it oversees the agencies under it."""
    rows = session.execute(select(Agency.id, Agency.parent_id, Agency.is_oversight_office)).all()
    parent = {agency_id: parent_id for agency_id, parent_id, _ in rows}
    oversight = {agency_id for agency_id, _, is_office in rows if is_office}
    watchers: dict[int, set[int]] = {}
    for agency_id in agency_ids:
        found, seen = {agency_id}, {agency_id}
        current = parent.get(agency_id)
        while current is not None and current not in seen:
            seen.add(current)
            if current in oversight:
                found.add(current)
            current = parent.get(current)
        watchers[agency_id] = found
    return watchers


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
        watchers = _watching_agencies(session, {e.agency_id for e in events})
        subscriptions: dict[int, list[WebhookSubscription]] = {}
        for sub in session.scalars(
            select(WebhookSubscription)
            .where(
                WebhookSubscription.agency_id.in_(set().union(*watchers.values())),
                WebhookSubscription.active.is_(True),
            )
            .order_by(WebhookSubscription.id)
        ):
            subscriptions.setdefault(sub.agency_id, []).append(sub)
        for event in events:
            subs = [s for a in sorted(watchers[event.agency_id]) for s in subscriptions.get(a, [])]
            for sub in subs:
                if sub.event_types and event.event_type not in sub.event_types:
                    continue
                session.add(
                    WebhookDelivery(
                        subscription_id=sub.id,
                        outbox_event_id=event.id,
                        status=DeliveryStatus.PENDING,
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


@dataclass(frozen=True)
class _Outgoing:
    delivery_id: int
    url: str
    active: bool
    body: bytes
    headers: dict[str, str]


def send_deliveries(
    session: Session,
    delivery_ids: list[int],
    settings: DeliverySettings,
    *,
    poster: Poster = http_post,
    now: Callable[[], datetime] = utcnow,
) -> list[WebhookDelivery]:
    """Send claimed deliveries (several at once) and record each attempt and outcome.

    No transaction is held open during the HTTP calls; the outcomes of the batch are written
    in one transaction (a crash before it leaves the claims to expire: the deliveries are sent
    again with the same event id, which receivers de-duplicate on).
    """
    if not delivery_ids:
        return []
    rows = session.execute(
        select(WebhookDelivery.id, WebhookSubscription, OutboxEvent)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.outbox_event_id)
        .where(WebhookDelivery.id.in_(delivery_ids))
        .order_by(WebhookDelivery.id)
    ).all()
    timestamp = int(time.time())
    outgoing = []
    for delivery_id, subscription, event in rows:
        body = webhook_body(event)
        outgoing.append(
            _Outgoing(
                delivery_id,
                subscription.url,
                subscription.active,
                body,
                signed_headers(subscription.secret, event, body, timestamp=timestamp),
            )
        )
    session.rollback()

    def send(item: _Outgoing) -> HttpResult:
        if not item.active:
            return HttpResult(None, "订阅已停用", 0)
        return poster(
            item.url,
            item.body,
            item.headers,
            allowed_hosts=settings.allowed_hosts,
            timeout=settings.timeout_seconds,
        )

    if settings.concurrency > 1 and len(outgoing) > 1:
        with ThreadPoolExecutor(max_workers=min(settings.concurrency, len(outgoing))) as pool:
            results = list(pool.map(send, outgoing))
    else:
        results = [send(item) for item in outgoing]
    finished = now()
    with UnitOfWork(session) as uow:
        deliveries = {
            d.id: d
            for d in session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.id.in_(delivery_ids))
            )
        }
        for item, result in zip(outgoing, results, strict=True):
            _record(session, deliveries[item.delivery_id], result, item.active, finished, settings)
        uow.commit()
        return [deliveries[item.delivery_id] for item in outgoing]


def _record(
    session: Session,
    delivery: WebhookDelivery,
    result: HttpResult,
    active: bool,
    finished: datetime,
    settings: DeliverySettings,
) -> None:
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
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.delivered_at = finished
        delivery.last_error = None
        delivery.next_attempt_at = None
        return
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
    delivery.status = DeliveryStatus.PENDING if retry_at else DeliveryStatus.DEAD
    delivery.next_attempt_at = retry_at


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
    claimed = claims.claim_due(
        session, WebhookDelivery, moment, settings.batch_size, settings.lock_seconds
    )
    for delivery in send_deliveries(session, claimed, settings, poster=poster, now=now):
        if delivery.status is DeliveryStatus.SUCCEEDED:
            report.delivered += 1
        elif delivery.status is DeliveryStatus.DEAD:
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


def prune(session: Session, *, before: datetime) -> dict[str, int]:
    """Delete finished events older than ``before`` with their deliveries, delivery log and
    notifications. An event with a delivery or notification still pending stays."""
    from sqlalchemy import delete, exists

    from requests_service.db.models import Notification, WebhookAttempt, WebhookDelivery

    unfinished = ("pending", "sending")
    with UnitOfWork(session) as uow:
        old = (
            select(OutboxEvent.id)
            .where(OutboxEvent.dispatched_at.is_not(None), OutboxEvent.occurred_at < before)
            .where(
                ~exists().where(
                    WebhookDelivery.outbox_event_id == OutboxEvent.id,
                    WebhookDelivery.status.in_(unfinished),
                ),
                ~exists().where(
                    Notification.outbox_event_id == OutboxEvent.id,
                    Notification.status.in_(unfinished),
                ),
            )
        )
        ids = list(session.scalars(old))
        counts = {"events": len(ids), "deliveries": 0, "attempts": 0, "notifications": 0}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            deliveries = select(WebhookDelivery.id).where(
                WebhookDelivery.outbox_event_id.in_(chunk)
            )
            counts["attempts"] += session.execute(
                delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries))
            ).rowcount  # type: ignore[attr-defined]
            counts["deliveries"] += session.execute(
                delete(WebhookDelivery).where(WebhookDelivery.outbox_event_id.in_(chunk))
            ).rowcount  # type: ignore[attr-defined]
            counts["notifications"] += session.execute(
                delete(Notification).where(Notification.outbox_event_id.in_(chunk))
            ).rowcount  # type: ignore[attr-defined]
            session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(chunk)))
        # Digests have no event: keep them as long as the events.
        counts["notifications"] += session.execute(
            delete(Notification).where(
                Notification.outbox_event_id.is_(None),
                Notification.created_at < before,
                Notification.status.not_in(unfinished),
            )
        ).rowcount  # type: ignore[attr-defined]
        uow.commit()
    return counts
