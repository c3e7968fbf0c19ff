"""Read-side queries for case lists (filters use stored, indexed columns only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, FromClause, Select, and_, bindparam, func, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from requests_service.db.models import Applicant, Case
from requests_service.domain.calendar import WorkingCalendar
from requests_service.domain.channels import Channel
from requests_service.domain.identity import ApplicantType, OrganisationType
from requests_service.domain.lifecycle import OPEN_STATES, CaseState
from requests_service.domain.outcomes import Outcome
from requests_service.services.access import Actor
from requests_service.services.clock import legal_today
from requests_service.services.tracking import normalise_code

PAUSED_STATES = tuple(s for s in CaseState if s.clock_paused)

# Table columns, not ORM attributes: the same SQL, and a list that selects columns (the case
# summary) stays a Core statement, which the session runs without the ORM's compile and
# loading steps (issue 16). An entity SELECT takes them just as well.
_CASES, _APPLICANTS = Case.__table__.c, Applicant.__table__.c

SORT_COLUMNS = {
    "id": _CASES.id,
    "due_on": _CASES.due_on,
    "receipt_date": _CASES.receipt_date,
    "updated_at": _CASES.updated_at,
}


Conditions = list[ColumnElement[bool]]


def _running_and_due(limit: date) -> ColumnElement[bool]:
    """Open, clock running, and due on or before ``limit`` (paused cases are not late)."""
    return and_(
        _CASES.state.in_(OPEN_STATES), _CASES.state.not_in(PAUSED_STATES), _CASES.due_on <= limit
    )


def _overdue(flag: bool, _calendar: WorkingCalendar | None) -> Conditions:
    overdue = and_(
        _CASES.state.in_(OPEN_STATES),
        _CASES.state.not_in(PAUSED_STATES),
        _CASES.due_on < legal_today(),
    )
    return [overdue if flag else not_(overdue)]


def _due_within(days: int, calendar: WorkingCalendar | None) -> Conditions:
    if calendar is None:
        return []
    return [_running_and_due(calendar.add_working_days(legal_today(), days))]


def _text(q: str, _calendar: WorkingCalendar | None) -> Conditions:
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return [
        or_(
            _CASES.requested_information.ilike(pattern, escape="\\"),
            _CASES.case_number.ilike(pattern, escape="\\"),
            # A registrar finds an online submission by the tracking code on its receipt.
            _CASES.tracking_code == normalise_code(q),
        )
    ]


# One entry per query argument; an argument that is absent, None or empty adds nothing.
CASE_FILTERS: Mapping[str, Callable[[Any, WorkingCalendar | None], Conditions]] = {
    "agency_id": lambda v, _: [_CASES.agency_id == v],
    "state": lambda v, _: [_CASES.state.in_(v)],
    "open": lambda v, _: [_CASES.state.in_(OPEN_STATES) if v else _CASES.state.not_in(OPEN_STATES)],
    "assignee_id": lambda v, _: [_CASES.assignee_id == v],
    "unassigned": lambda v, _: [_CASES.assignee_id.is_(None)] if v else [],
    "channel": lambda v, _: [_CASES.channel == v],
    "outcome": lambda v, _: [_CASES.outcome == v],
    "applicant_type": lambda v, _: [_APPLICANTS.applicant_type == v],
    "organisation_type": lambda v, _: [_APPLICANTS.organisation_type == v],
    "received_from": lambda v, _: [_CASES.receipt_date >= v],
    "received_to": lambda v, _: [_CASES.receipt_date <= v],
    "due_before": lambda v, _: [_CASES.due_on <= v],
    "overdue": _overdue,
    "due_within": _due_within,
    "q": _text,
}
APPLICANT_FILTERS = ("applicant_type", "organisation_type")


def _given(value: Any) -> bool:
    # False and 0 are answers ("open=false", "due_within=0"); None, "" and [] are not.
    return value is not None and value != "" and value != []


@dataclass(frozen=True, kw_only=True)
class CaseFilters:
    """What an officer narrows the case list by (each field one entry of ``CASE_FILTERS``;
    ``None`` adds nothing) and how it is sorted (a ``SORT_COLUMNS`` name, ``-`` descending)."""

    agency_id: int | None = None
    state: Sequence[CaseState] | None = None
    open: bool | None = None
    assignee_id: int | None = None
    unassigned: bool | None = None
    channel: Channel | None = None
    outcome: Outcome | None = None
    applicant_type: ApplicantType | None = None
    organisation_type: OrganisationType | None = None
    received_from: date | None = None
    received_to: date | None = None
    due_before: date | None = None
    overdue: bool | None = None
    due_within: int | None = None
    q: str | None = None
    sort: str = "-id"


# The visibility condition of every list: the agencies the actor may see, bound at execution.
_VISIBLE = _CASES.agency_id.in_(bindparam("visible_agency_ids", expanding=True))


def _order_by(sort: str) -> tuple[ColumnElement[Any], ...]:
    column = SORT_COLUMNS[sort.lstrip("-")]
    descending = sort.startswith("-")
    tie_break = _CASES.id.desc() if descending else _CASES.id.asc()
    if column is _CASES.id:
        # The id is never NULL: a plain ORDER BY walks the (agency_id, id) index backwards and
        # stops after one page, where "NULLS LAST" would sort every visible case first.
        return (tie_break,)
    ordered = column.desc().nulls_last() if descending else column.asc().nulls_last()
    return (ordered, tie_break)


# Built once per sort (every list request orders by one of these).
ORDER_BY = {sort: _order_by(sort) for name in SORT_COLUMNS for sort in (name, "-" + name)}


@dataclass(frozen=True)
class ListCriteria:
    """The case list's conditions for an actor and filters: the agencies the actor may see,
    the filters' conditions (``narrowing``), the sort (a key of ``ORDER_BY``), and
    ``by_applicant`` when a condition names the applicant's columns (the SELECT must join
    ``applicants``)."""

    visible: frozenset[int]
    narrowing: Conditions
    sort: str
    by_applicant: bool

    @property
    def order_by(self) -> tuple[ColumnElement[Any], ...]:
        return ORDER_BY[self.sort]


def case_list_criteria(
    actor: Actor, filters: CaseFilters, *, calendar: WorkingCalendar | None = None
) -> ListCriteria:
    """The cases the actor may see, narrowed by the list's filters, and their order."""
    narrowing: Conditions = []
    for name, conditions in CASE_FILTERS.items():
        value = getattr(filters, name)
        if _given(value):
            narrowing.extend(conditions(value, calendar))
    by_applicant = any(_given(getattr(filters, name)) for name in APPLICANT_FILTERS)
    return ListCriteria(actor.visible_agency_ids, narrowing, filters.sort or "-id", by_applicant)


def case_list_query(
    actor: Actor, filters: CaseFilters, *, calendar: WorkingCalendar | None = None
) -> Select[Case]:
    """The cases the actor may see (entities), narrowed by the list's filters and sorted."""
    criteria = case_list_criteria(actor, filters, calendar=calendar)
    query = select(Case)
    if criteria.by_applicant:
        query = query.join(Applicant, Applicant.id == Case.applicant_id)
    visible = _CASES.agency_id.in_(criteria.visible)
    return query.where(visible, *criteria.narrowing).order_by(*criteria.order_by)


# Lists count exactly up to this many matching cases; beyond it ``total`` is this lower bound
# unless the caller asks for an exact count (a million-case count costs more than the page).
EXACT_TOTAL_UP_TO = 10_000

# BIGINT, as LIMIT and OFFSET take: a far page (page 2147483646 of 10) passes 32 bits.
_COUNT_LIMIT = bindparam("count_limit", type_=BigInteger)
_PAGE_LIMIT = bindparam("page_limit", type_=BigInteger)
_PAGE_OFFSET = bindparam("page_offset", type_=BigInteger)


def _page_statements(
    criteria: ListCriteria, columns: Sequence[Any], joined: FromClause, exact_total: bool
) -> tuple[Select[Any], Select[Any]]:
    """The page (each row with the total) and the total alone; the agencies, the count's bound
    and the page's limit and offset are parameters."""
    where = (_VISIBLE, *criteria.narrowing)
    cases = Case.__table__
    counted_from = (
        cases.join(Applicant.__table__, _APPLICANTS.id == _CASES.applicant_id)
        if criteria.by_applicant
        else cases
    )
    counted = select(_CASES.id).select_from(counted_from).where(*where)
    if not exact_total:
        counted = counted.limit(_COUNT_LIMIT)
    total_of = select(func.count()).select_from(counted.subquery())
    page = (
        select(*columns, total_of.scalar_subquery().label("total"))
        .select_from(joined)
        .where(*where)
        .order_by(*criteria.order_by)
        .limit(_PAGE_LIMIT)
        .offset(_PAGE_OFFSET)
    )
    return page, total_of


# An unfiltered list's statements, built once per columns, FROM, sort and total mode (issue 16:
# building the statement and its cache key cost more than a sixth of a list request). A
# filtered list builds its own (its conditions carry the filters' values).
_UNFILTERED: dict[tuple[int, int, str, bool], tuple[Any, Any, Select[Any], Select[Any]]] = {}


def page_with_total(
    session: Session,
    criteria: ListCriteria,
    columns: Sequence[Any],
    joined: FromClause,
    *,
    page: int,
    page_size: int,
    exact_total: bool = False,
) -> tuple[Sequence[Any], int]:
    """One page of ``columns`` from ``joined`` (``cases``, joined with ``applicants`` when
    ``criteria.by_applicant``, and whatever to-one rows the page shows) and the total of
    matching cases, in one statement (the count is a scalar subquery, of ``cases`` alone).
    Each row ends with the total.

    The count stops at ``max(EXACT_TOTAL_UP_TO, the rows up to the next page)`` unless
    ``exact_total``: the total is exact below that, a lower bound at it, and the next page is
    always known to exist. An empty page (past the end) costs a second statement for the total.
    """
    if criteria.narrowing:
        statements = _page_statements(criteria, columns, joined, exact_total)
    else:
        key = (id(columns), id(joined), criteria.sort, exact_total)
        known = _UNFILTERED.get(key)
        if known is None or known[0] is not columns or known[1] is not joined:
            known = (columns, joined, *_page_statements(criteria, columns, joined, exact_total))
            _UNFILTERED[key] = known
        statements = known[2], known[3]
    page_of, total_of = statements
    params = {
        "visible_agency_ids": sorted(criteria.visible),
        "count_limit": max(EXACT_TOTAL_UP_TO, page * page_size + 1),
        "page_limit": page_size,
        "page_offset": (page - 1) * page_size,
    }
    rows = session.execute(page_of, params).all()
    if rows:
        return rows, int(rows[0][-1])
    return [], int(session.scalar(total_of, params) or 0)


def paginate(
    session: Session,
    query: Select[*tuple[Any, ...]],
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
