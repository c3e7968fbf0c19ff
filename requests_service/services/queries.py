"""Read-side queries for case lists (filters use stored, indexed columns only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from requests_service.db.models import Applicant, Case
from requests_service.domain.calendar import WorkingCalendar
from requests_service.domain.lifecycle import OPEN_STATES, CaseState
from requests_service.services.access import Actor
from requests_service.services.clock import legal_today

PAUSED_STATES = tuple(s for s in CaseState if s.clock_paused)

SORT_COLUMNS = {
    "id": Case.id,
    "due_on": Case.due_on,
    "receipt_date": Case.receipt_date,
    "updated_at": Case.updated_at,
}


def case_list_query(
    actor: Actor, args: Mapping[str, Any], *, calendar: WorkingCalendar | None = None
) -> Select[tuple[Case]]:
    query = select(Case).where(Case.agency_id.in_(actor.visible_agency_ids))
    if args.get("agency_id") is not None:
        query = query.where(Case.agency_id == args["agency_id"])
    if args.get("state"):
        query = query.where(Case.state.in_(args["state"]))
    if args.get("open") is True:
        query = query.where(Case.state.in_(OPEN_STATES))
    elif args.get("open") is False:
        query = query.where(Case.state.not_in(OPEN_STATES))
    if args.get("assignee_id") is not None:
        query = query.where(Case.assignee_id == args["assignee_id"])
    if args.get("unassigned"):
        query = query.where(Case.assignee_id.is_(None))
    for name in ("channel", "outcome"):
        if args.get(name) is not None:
            query = query.where(getattr(Case, name) == args[name])
    if args.get("applicant_type") is not None or args.get("organisation_type") is not None:
        query = query.join(Applicant, Applicant.id == Case.applicant_id)
        if args.get("applicant_type") is not None:
            query = query.where(Applicant.applicant_type == args["applicant_type"])
        if args.get("organisation_type") is not None:
            query = query.where(Applicant.organisation_type == args["organisation_type"])
    if args.get("received_from"):
        query = query.where(Case.receipt_date >= args["received_from"])
    if args.get("received_to"):
        query = query.where(Case.receipt_date <= args["received_to"])
    if args.get("due_before"):
        query = query.where(Case.due_on <= args["due_before"])
    if args.get("overdue") is not None:
        overdue = and_(
            Case.state.in_(OPEN_STATES),
            Case.state.not_in(PAUSED_STATES),
            Case.due_on < legal_today(),
        )
        query = query.where(overdue if args["overdue"] else not_(overdue))
    if args.get("due_within") is not None and calendar is not None:
        limit = calendar.add_working_days(legal_today(), args["due_within"])
        query = query.where(
            Case.state.in_(OPEN_STATES), Case.state.not_in(PAUSED_STATES), Case.due_on <= limit
        )
    if args.get("q"):
        pattern = (
            "%" + args["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(
            or_(
                Case.requested_information.ilike(pattern, escape="\\"),
                Case.case_number.ilike(pattern, escape="\\"),
            )
        )
    sort = args.get("sort") or "-id"
    column = SORT_COLUMNS[sort.lstrip("-")]
    ordered = column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()
    return query.order_by(ordered, Case.id.desc() if sort.startswith("-") else Case.id.asc())


def paginate(
    session: Session,
    query: Select[Any],
    *,
    page: int,
    page_size: int,
    scalars: bool = True,
) -> tuple[Sequence[Any], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page_query = query.limit(page_size).offset((page - 1) * page_size)
    if not scalars:
        return session.execute(page_query).all(), int(total)
    rows = session.scalars(page_query).unique().all()
    return rows, int(total)
