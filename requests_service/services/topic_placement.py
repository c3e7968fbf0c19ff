"""Similar-request placement deferred to the queue (``TOPIC_PLACEMENT=queue``, issue 16).

In that mode intake writes the case without its topic and marks it ``topic_pending``; the
placement job (``jobs/placement.py``: an RQ job kicked after the intake's commit, the scheduler's
tick, ``flask place-topics``) then places each agency's pending cases in arrival (id) order with
exactly intake's rule and effects — :func:`services.topics.place_request` and
:func:`services.topics.record_placement`: the index keys, the topic's counters, slots and
arrivals, the explanation, Art. 44 candidacy (its topic event and outbox row) and the surge
alert — so the topics are those inline intake would have made of the same sequence.

Exactly once: one transaction per batch takes the agency's placement lock (PostgreSQL: a
transaction-scoped advisory lock; SQLite's ``BEGIN IMMEDIATE`` serialises writers anyway), reads
the agency's oldest pending cases and places each with one guarded ``UPDATE … SET topic_id = …,
topic_pending = false WHERE id = … AND topic_pending AND topic_id IS NULL`` before its topic's
figures are touched: a case is placed by the one transaction whose UPDATE flips its flag; should
the guard ever find it changed (a job not holding the lock), the whole batch — a new topic
included — rolls back and is read again.  Two jobs at once wait for each other per agency, so
arrival order holds as well.  The case row is written once more than inline (its INSERT, then
this UPDATE), not twice.  A case without a topic that was never deferred (none is written
today) is never picked.  A case on which placement itself fails is isolated (placed alone),
tried twice alone, then unmarked without a topic (:func:`_give_up`), so one bad case never stops
an agency's placements; a run gives up at most one case and then fails, so a placement broken for
every case (a bad deploy) leaves them pending instead of unmarking them all.  An online
submission counts from the day it arrived and a clerk's registration from its receipt date, as
in intake, whatever happened to the case before the job reached it.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Row, Select, Update, bindparam, func, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from requests_service.db.models import Agency, Case, CaseEvent
from requests_service.domain.lifecycle import CaseState
from requests_service.services.clock import legal_date
from requests_service.services.topics import (
    key_params,
    keys_insert_after,
    place_request,
    record_placement,
)
from requests_service.services.unit_of_work import UnitOfWork

# Cases placed per transaction: one lock, claim and agency read for the batch; a batch's
# topics become visible at its commit, so a small batch keeps the placement lag low (50 a
# batch held ~0.3 s of placements back under bench_http's sustained load).
BATCH = 10
# pg_advisory_xact_lock(classid, objid): this class and the agency's id.
_LOCK_CLASS = 16_016

_CASES = Case.metadata.tables[Case.__tablename__]
_EVENTS = CaseEvent.metadata.tables[CaseEvent.__tablename__]
# The mark as the partial index ``ix_cases_topic_pending`` states it (``WHERE topic_pending``):
# SQLite uses that index only for this term, not for the ``topic_pending = 1`` a Boolean column
# compiles to there — nor for the same column typed Boolean, so the term is untyped text.
_IS_PENDING = text("cases.topic_pending")

log = logging.getLogger(__name__)


def pending_count(session: Session, agency_id: int | None = None) -> int:
    query = select(func.count()).select_from(_CASES).where(_IS_PENDING)
    if agency_id is not None:
        query = query.where(_CASES.c.agency_id == agency_id)
    return int(session.execute(query).scalar_one())


def place_pending(session: Session, *, agency_id: int | None = None, batch: int = BATCH) -> int:
    """Place every pending case (of one agency, or of all), in arrival order; returns how many
    this call placed (a concurrent job may have placed others)."""
    if agency_id is not None:
        agencies = [agency_id]
    else:
        agencies = list(session.execute(_pending_agencies()).scalars())
        session.rollback()  # the read's transaction; each batch is one of its own
    return sum(_place_agency(session, agency, batch) for agency in agencies)


# A case is given up only when placement failed on it alone this many times: a one-off (a job
# timeout that happened to land in it) is not the case's fault.  And a run gives up at most one
# case: a second one failing means placement itself is broken (a bad deploy), and the run fails
# visibly instead of unmarking every pending application one after another.
ATTEMPTS_ALONE = 2


def _place_agency(session: Session, agency_id: int, batch: int) -> int:
    placed, size, lost = 0, batch, 0
    failures: dict[int, int] = {}
    suspect: int | None = None  # the case a failed batch named: placed alone until it is done
    given_up = False
    while True:
        try:
            done, more = _place_batch(session, agency_id, size)
        except _Lost:
            lost += 1
            if lost > 3:
                raise
            continue  # rolled back: read the pending cases again
        except _Failed as failed:
            alone, suspect, size = size == 1, failed.case_id, 1
            if alone:
                failures[failed.case_id] = failures.get(failed.case_id, 0) + 1
            if failures.get(failed.case_id, 0) < ATTEMPTS_ALONE:
                continue  # (again) alone: the cases before it are placed on the way
            if given_up:
                raise
            _give_up(session, agency_id, failed.case_id)
            given_up, suspect, size = True, None, batch
            continue
        placed += len(done)
        if suspect is not None and suspect in done:
            suspect, size = None, batch  # the failure was a one-off: batches again
        if not more:
            return placed


class _Failed(Exception):
    """Placement itself (not the database) failed on this case; raised from the error."""

    def __init__(self, case_id: int) -> None:
        super().__init__(f"topic placement failed on case {case_id}")
        self.case_id = case_id


def _give_up(session: Session, agency_id: int, case_id: int) -> None:
    """Placement fails on this case each time, alone: it is unmarked without a topic, so that
    it does not hold back every later application of its agency, and logged; an officer can
    still put it in a topic (``move_case``).  Inline intake would have refused the submission
    instead."""
    log.exception("topic placement failed on case %s (agency %s)", case_id, agency_id)
    with UnitOfWork(session) as uow:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(_LOCK_CLASS, agency_id))).scalar_one()
        session.execute(_unmark(), {"unmarked_case_id": case_id})
        uow.commit()
    log.error("case %s left without a topic (its placement failed)", case_id)


class _Lost(Exception):
    """A case's guarded UPDATE found it no longer pending: another job placed it."""


def _place_batch(session: Session, agency_id: int, batch: int) -> tuple[list[int], bool]:
    """One transaction: lock the agency's placement, read up to ``batch`` of its pending cases
    (oldest first) and place them in that order.  Returns the cases placed and whether more
    may be pending."""
    with UnitOfWork(session) as uow:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(_LOCK_CLASS, agency_id))).scalar_one()
        pending = session.execute(
            _pending(), {"pending_agency_id": agency_id, "batch": batch}
        ).all()
        placed: list[int] = []
        if pending:
            agency = session.get(Agency, agency_id)
            assert agency is not None
            for row in pending:
                if row.topic_id is None:
                    try:
                        _place(session, agency, row)
                    except (_Lost, SQLAlchemyError):
                        raise  # the batch is read again, or the next run retries
                    except Exception as error:
                        raise _Failed(row.id) from error
                    placed.append(row.id)
                else:
                    # Put in a topic by other means (moving is refused while it is pending):
                    # only unmarked.
                    session.execute(_unmark(), {"unmarked_case_id": row.id})
        uow.commit()
        return placed, len(pending) == batch


def _place(session: Session, agency: Agency, row: Row[Any]) -> None:
    """Intake's placement of one pending case, as it would have run in its intake: an online
    submission counts from the day it was submitted (its receipt date comes later, Art. 31), a
    case a clerk registered — by whatever channel it came, online included — from the receipt
    date it was registered with.  Which of the two the case was is its first audit event's
    (it entered REGISTERED, not RECEIVED), not its channel or its receipt date now: an online
    submission may have been confirmed before the job reached it."""
    arrived_on = legal_date(row.submitted_at)
    registered = row.entered_as == CaseState.REGISTERED and row.receipt_date is not None
    received: date = row.receipt_date if registered else arrived_on
    placement = place_request(
        session,
        agency_id=agency.id,
        text=row.requested_information,
        received=received,
        arrived_on=arrived_on,
    )
    # Before the topic's figures: an open topic counts its applicants from its cases.  On
    # PostgreSQL the same statement writes the case's index keys (a data-modifying CTE).
    params = {
        "placed_case_id": row.id,
        "placed_topic_id": placement.topic_id,
        "explanation": placement.explanation,
    }
    keys_inserted = session.get_bind().dialect.name == "postgresql"
    if keys_inserted:
        done = session.execute(_set_topic_and_keys(), {**params, **key_params(placement)})
        if done.first() is None:
            raise _Lost
    elif session.execute(_set_topic(), params).rowcount != 1:  # type: ignore[attr-defined]
        raise _Lost
    case = Case(id=row.id, agency_id=agency.id, applicant_id=row.applicant_id)
    record_placement(session, case, placement, agency, keys_inserted=keys_inserted)


@lru_cache(maxsize=1)
def _pending_agencies() -> Select[Any]:
    return select(_CASES.c.agency_id).where(_IS_PENDING).distinct()


@lru_cache(maxsize=1)
def _pending() -> Select[Any]:
    """The agency's oldest pending cases, with what placement reads of them (the partial index
    ``ix_cases_topic_pending`` answers it)."""
    return (
        select(
            _CASES.c.id,
            _CASES.c.applicant_id,
            _CASES.c.channel,
            _CASES.c.requested_information,
            _CASES.c.submitted_at,
            _CASES.c.receipt_date,
            _CASES.c.topic_id,
            # The state it entered with (its first audit event): a clerk's registration or an
            # online submission.
            select(_EVENTS.c.to_state)
            .where(_EVENTS.c.case_id == _CASES.c.id, _EVENTS.c.seq == 1)
            .scalar_subquery()
            .label("entered_as"),
        )
        .where(
            _CASES.c.agency_id == bindparam("pending_agency_id", type_=Integer),
            _IS_PENDING,
        )
        .order_by(_CASES.c.id)
        .limit(bindparam("batch", type_=Integer))
    )


@lru_cache(maxsize=1)
def _unmark() -> Update:
    return (
        update(_CASES)
        .where(_CASES.c.id == bindparam("unmarked_case_id", type_=Integer), _CASES.c.topic_pending)
        .values(topic_pending=False, updated_at=_CASES.c.updated_at)
    )


@lru_cache(maxsize=1)
def _set_topic_and_keys() -> Select[Any]:
    """PostgreSQL: ``WITH placed AS (UPDATE cases SET topic_id … RETURNING id, agency_id),
    new_keys AS (INSERT INTO request_band_keys SELECT … FROM placed, unnest(keys)) SELECT id
    FROM placed`` — one statement instead of two, as intake's case INSERT writes the keys."""
    placed = _set_topic().returning(_CASES.c.id, _CASES.c.agency_id).cte("placed")
    return select(placed.c.id).add_cte(keys_insert_after(placed))


@lru_cache(maxsize=1)
def _set_topic() -> Update:
    return (
        update(_CASES)
        .where(
            _CASES.c.id == bindparam("placed_case_id", type_=Integer),
            _CASES.c.topic_pending,
            _CASES.c.topic_id.is_(None),
        )
        # Not an edit of the case: its version (ETag) and updated_at stay as they were.
        .values(
            topic_pending=False,
            topic_id=bindparam("placed_topic_id", type_=Integer),
            topic_explanation=bindparam("explanation", type_=_CASES.c.topic_explanation.type),
            updated_at=_CASES.c.updated_at,
        )
    )
