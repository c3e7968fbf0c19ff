"""Deadline dashboard: counts per agency and per handler, from stored due dates only."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from requests_service.db.models import Agency, Case, User
from requests_service.domain.lifecycle import OPEN_STATES
from requests_service.services.access import Actor
from requests_service.services.clock import legal_today, load_calendar
from requests_service.services.queries import PAUSED_STATES

DUE_SOON_WORKING_DAYS = 3


def _counts(today: date, soon: date) -> list[Any]:
    running = Case.state.not_in(PAUSED_STATES)
    return [
        func.count().label("open"),
        func.sum(case((Case.state.in_(PAUSED_STATES), 1), else_=0)).label("paused"),
        func.sum(
            case((and_(running, Case.due_on >= today, Case.due_on <= soon), 1), else_=0)
        ).label("due_soon"),
        func.sum(case((and_(running, Case.due_on < today), 1), else_=0)).label("overdue"),
    ]


def dashboard(session: Session, actor: Actor, today: date | None = None) -> dict[str, Any]:
    today = today or legal_today()
    soon = load_calendar(session).add_working_days(today, DUE_SOON_WORKING_DAYS)
    scope = and_(Case.agency_id.in_(actor.visible_agency_ids), Case.state.in_(OPEN_STATES))
    names = dict(session.execute(select(Agency.id, Agency.name)).all())
    per_agency = session.execute(
        select(Case.agency_id, *_counts(today, soon)).where(scope).group_by(Case.agency_id)
    ).all()
    per_handler = session.execute(
        select(Case.agency_id, Case.assignee_id, User.display_name, *_counts(today, soon))
        .outerjoin(User, User.id == Case.assignee_id)
        .where(scope)
        .group_by(Case.agency_id, Case.assignee_id, User.display_name)
    ).all()

    def figures(row: Any) -> dict[str, int]:
        return {k: int(getattr(row, k) or 0) for k in ("open", "paused", "due_soon", "overdue")}

    return {
        "as_of": today,
        "due_soon_until": soon,
        "due_soon_working_days": DUE_SOON_WORKING_DAYS,
        "agencies": [
            {"agency_id": r.agency_id, "agency_name": names.get(r.agency_id, ""), **figures(r)}
            for r in sorted(per_agency, key=lambda r: r.agency_id)
        ],
        "handlers": [
            {
                "agency_id": r.agency_id,
                "assignee_id": r.assignee_id,
                "assignee_name": r.display_name or "（未指派）",
                **figures(r),
            }
            for r in sorted(per_handler, key=lambda r: (r.agency_id, r.assignee_id or 0))
        ],
    }
