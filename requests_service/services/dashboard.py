"""Deadline dashboard: counts per agency and per handler, from stored due dates only."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from requests_service.db.models import Agency, Case, User
from requests_service.domain.lifecycle import OPEN_STATES
from requests_service.services.access import Actor
from requests_service.services.clock import legal_today, load_calendar
from requests_service.services.queries import PAUSED_STATES

DUE_SOON_WORKING_DAYS = 3
FIGURES = ("open", "paused", "due_soon", "overdue")


def dashboard(session: Session, actor: Actor, today: date | None = None) -> dict[str, Any]:
    """One aggregate pass over the open cases (agency × handler × paused), summed per agency in
    Python: a second scan and a join over every case row would double the cost at scale."""
    today = today or legal_today()
    soon = load_calendar(session).add_working_days(today, DUE_SOON_WORKING_DAYS)
    paused = Case.state.in_(PAUSED_STATES)
    rows = session.execute(
        select(
            Case.agency_id,
            Case.assignee_id,
            paused.label("paused"),
            func.count().label("n"),
            func.count().filter(Case.due_on < today).label("overdue"),
            func.count().filter(Case.due_on.between(today, soon)).label("due_soon"),
        )
        .where(Case.agency_id.in_(actor.visible_agency_ids), Case.state.in_(OPEN_STATES))
        .group_by(Case.agency_id, Case.assignee_id, paused)
    ).all()
    per_agency: dict[int, dict[str, int]] = {}
    per_handler: dict[tuple[int, int | None], dict[str, int]] = {}
    for row in rows:
        for bucket in (
            per_agency.setdefault(row.agency_id, dict.fromkeys(FIGURES, 0)),
            per_handler.setdefault((row.agency_id, row.assignee_id), dict.fromkeys(FIGURES, 0)),
        ):
            bucket["open"] += row.n
            if row.paused:
                bucket["paused"] += row.n
            else:  # a paused clock is neither due soon nor overdue
                bucket["overdue"] += row.overdue
                bucket["due_soon"] += row.due_soon
    agency_names = dict(
        session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(per_agency))).all()
    )
    user_ids = {uid for _, uid in per_handler if uid is not None}
    user_names = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
    )
    return {
        "as_of": today,
        "due_soon_until": soon,
        "due_soon_working_days": DUE_SOON_WORKING_DAYS,
        "agencies": [
            {"agency_id": aid, "agency_name": agency_names.get(aid, ""), **figures}
            for aid, figures in sorted(per_agency.items())
        ],
        "handlers": [
            {
                "agency_id": aid,
                "assignee_id": uid,
                "assignee_name": user_names.get(uid, "") if uid else "（未指派）",
                **figures,
            }
            for (aid, uid), figures in sorted(
                per_handler.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)
            )
        ],
    }
