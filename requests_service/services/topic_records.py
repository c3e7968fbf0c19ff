"""A similar-request topic's records, shared by intake (``services.topics``) and the officers'
corrections (``services.topic_corrections``): its audited events, its per-day arrivals, and the
explanation shown on each member."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from requests_service.db.models import (
    Applicant,
    Case,
    Topic,
    TopicEvent,
)
from requests_service.domain.similarity import (
    Features,
    shared_elements,
)
from requests_service.services.access import Actor
from requests_service.services.audit import seal_topic_event
from requests_service.services.clock import legal_date, legal_today

SURGE_WINDOW_DAYS = 28
# Days of arrivals each topic keeps: the surge window, its day, and the day before it (the
# look-back of 30 days the surge check always had).
ARRIVAL_DAYS_KEPT = SURGE_WINDOW_DAYS + 2


def received_on(case: Case) -> date:
    return case.receipt_date or legal_date(case.submitted_at)


def person_key(applicant: Applicant) -> int:
    return applicant.person_id or applicant.id


def arrivals_with(kept: Mapping[str, int] | None, days: Iterable[date]) -> dict[str, int]:
    """A topic's arrivals per legal day with ``days`` added; days the surge check no longer
    reads are dropped (an application dated before them is not counted, as before)."""
    first = (legal_today() - timedelta(days=ARRIVAL_DAYS_KEPT)).isoformat()
    counts = Counter({d: n for d, n in (kept or {}).items() if d >= first})
    counts.update(d for d in (day.isoformat() for day in days) if d >= first)
    return dict(sorted(counts.items()))


def shared_explanation(a: Features, b: Features) -> str:
    elements = shared_elements(a, b)
    return "共同要素：" + (" · ".join(elements) if elements else "（措辞相近）")


def topic_event(
    session: Session,
    topic: Topic,
    actor: Actor | None,
    to_status: str,
    action: str,
    data: dict[str, Any] | None = None,
) -> None:
    event = TopicEvent(
        topic_id=topic.id,
        action=action,
        from_status=topic.status,
        to_status=to_status,
        actor_user_id=actor.user_id if actor else None,
        actor_name=actor.name if actor else "系统",
        data=data or {},
    )
    seal_topic_event(session, event)
    session.add(event)
