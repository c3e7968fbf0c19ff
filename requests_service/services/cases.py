"""Case use cases: submit, register, transition, assign, edit. One transaction each."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnDefault, Insert, Select, bindparam, func, insert, select
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import (
    Agency,
    Applicant,
    Case,
    CaseEvent,
    IdempotencyKey,
    NegativeListEntry,
    User,
)
from requests_service.db.statements import column_params, prepared_insert
from requests_service.domain.art35 import excessive_refusal_blocker
from requests_service.domain.channels import Channel, receipt_date
from requests_service.domain.deadlines import (
    ClockEventType,
    correction_period_due,
    fee_payment_due,
    validate_extension,
)
from requests_service.domain.errors import Conflict, NotFound, RuleViolation
from requests_service.domain.identity import id_fingerprint, validate_applicant
from requests_service.domain.lifecycle import (
    TRANSITIONS,
    Action,
    CaseFacts,
    CaseState,
    Role,
    next_state,
)
from requests_service.domain.outcomes import OUTCOMES_FOR_OFFICER_REPLY, Outcome, validate_reply
from requests_service.domain.reply_delivery import DeliveryForm, DeliveryMethod
from requests_service.services import fees as fee_services
from requests_service.services import replay_body
from requests_service.services.access import APPLICANT, Actor
from requests_service.services.case_commands import (
    ACTION_COMMANDS,
    ActionCommand,
    ApplicantDetails,
    DecideDisclosure,
    Deliver,
    EndConsultation,
    Extend,
    IssueFeeNotice,
    Reasoned,
    ReceiveCorrection,
    ReceiveReasons,
    RecordFeePayment,
    RegisterAction,
    Registration,
    Reply,
    RequestCorrection,
    RequestReasons,
    StartConsultation,
    Submission,
    given,
    sent_fields,
)
from requests_service.services.case_records import issued_letter, last_event, third_party_objection
from requests_service.services.clock import (
    case_clock,
    legal_date,
    legal_today,
    load_calendar,
    refresh_due_date,
)
from requests_service.services.commands import UNSET, Unset
from requests_service.services.duties import check_four_eyes, reply_drafter_id
from requests_service.services.history import record_event
from requests_service.services.numbering import format_case_number, next_number
from requests_service.services.topics import (
    NO_KEYS,
    Placement,
    key_params,
    keys_insert_after,
    place_request,
    record_placement,
)
from requests_service.services.tracking import (
    hash_secret,
    new_tracking_code,
    new_tracking_secret,
    normalise_code,
    secret_matches,
)
from requests_service.services.unit_of_work import UnitOfWork

# Actions whose event the applicant sees on the public timeline.
PUBLIC_ACTIONS = frozenset(
    {
        Action.REGISTER,
        Action.REQUEST_CORRECTION,
        Action.RECEIVE_CORRECTION,
        Action.DEEM_ABANDONED_NO_CORRECTION,
        Action.START_CONSULTATION,
        Action.END_CONSULTATION,
        Action.ISSUE_FEE_NOTICE,
        Action.RECORD_FEE_PAYMENT,
        Action.WAIVE_FEE,
        Action.DEEM_ABANDONED_NO_FEE,
        Action.REQUEST_REASONS,
        Action.RECEIVE_REASONS,
        Action.EXTEND,
        Action.APPROVE_REPLY,
        Action.DELIVER,
        Action.ARCHIVE,
        Action.WITHDRAW,
    }
)


@dataclass(frozen=True)
class SubmissionResult:
    case: Case
    tracking_secret: str | None
    replayed: bool = False


# ---------------------------------------------------------------- loading


def get_agency(session: Session, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None or not agency.active:
        raise _no_such_agency(agency_id)
    return agency


def _no_such_agency(agency_id: int) -> NotFound:
    """An unknown or deactivated agency receives nothing: one answer for both."""
    return NotFound("机关不存在或已停用。", agency_id=agency_id)


def _intake_agency(session: Session, agency_id: int) -> Agency:
    """The agency of an online submission: only the columns intake reads, by one Core SELECT
    built once, as a detached ``Agency`` (issue 16: the ORM's ``Session.get`` cost ~0.3 ms of
    CPU more than the statement).  It is not in the session: any other column reads ``None``
    (the receipt reads its name, placement its id and topic settings)."""
    row = session.connection().execute(_INTAKE_AGENCY, {"agency_id": agency_id}).first()
    if row is None or not row.active:
        raise _no_such_agency(agency_id)
    return Agency(**row._asdict())


_AGENCIES = Agency.metadata.tables[Agency.__tablename__]
_INTAKE_AGENCY = select(
    *(
        _AGENCIES.c[name]
        for name in (
            "id",
            "active",
            "is_oversight_office",
            "name",
            "topic_min_applicants",
            "topic_window_days",
        )
    )
).where(_AGENCIES.c.id == bindparam("agency_id", type_=_AGENCIES.c.id.type))


class Placed(Protocol):
    """What the officer's access rule reads of a case: its agency."""

    @property
    def agency_id(self) -> int: ...


_P = TypeVar("_P", bound=Placed)


def visible_or_404(actor: Actor, case_id: int, case: _P | None) -> _P:
    """The officer's access rule for one case: a case of an agency the actor may not see
    answers 404, as if absent (``case`` None: no such case). Both the entity read
    (:func:`get_case_for`) and the detail's record read (``case_views.read_case_for``) apply it."""
    if case is None or not actor.can_see_agency(case.agency_id):
        raise NotFound("案件不存在。", case_id=case_id)
    return case


def get_case_for(session: Session, actor: Actor, case_id: int, *, for_update: bool = False) -> Case:
    """A case the officer may see (:func:`visible_or_404`)."""
    query = select(Case).where(Case.id == case_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Case)
    return visible_or_404(actor, case_id, session.scalars(query).unique().one_or_none())


class Tracked(Protocol):
    """What the tracking rule reads of a case: its secret's stored hash."""

    @property
    def tracking_secret_hash(self) -> str: ...


_T = TypeVar("_T", bound=Tracked)


def tracked_or_404(code: str, secret: str, key: str, find: Callable[[str], _T | None]) -> _T:
    """The applicant's access rule: ``find`` looks the case up by the code as stored
    (normalised from what the applicant typed), and the secret must match its stored hash; a
    wrong code and a wrong secret answer the same 404, so codes cannot be probed. Both the
    entity read (:func:`get_case_by_tracking`) and the tracking view's record read
    (``public_view.read_tracked_case``) apply it."""
    found = find(normalise_code(code))
    if found is None or not secret_matches(secret or "", found.tracking_secret_hash, key):
        raise NotFound("查询码或查询密码不正确。")
    return found


def get_case_by_tracking(session: Session, code: str, secret: str, key: str) -> Case:
    """The case with this code and secret (:func:`tracked_or_404`), as an entity."""

    def find(stored: str) -> Case | None:
        query = select(Case).where(Case.tracking_code == stored)
        return session.scalars(query).unique().one_or_none()

    return tracked_or_404(code, secret, key, find)


# ---------------------------------------------------------------- applicants


def _applicant_from(details: ApplicantDetails, secret_key: str) -> Applicant:
    """The applicant's record, added to the session with its case (no statement of its own)."""
    row = _applicant_row(details, secret_key)
    return Applicant(person_id=_same_person(row["id_fingerprint"]), **row)


def _applicant_row(details: ApplicantDetails, secret_key: str) -> dict[str, Any]:
    """The applicant's column values as submitted, validated, with the ID's fingerprint."""
    cleaned = validate_applicant(
        details.applicant_type,
        given(details.organisation_type),
        details.id_type,
        details.id_number,
        details.name,
        phone=given(details.phone),
        email=given(details.email),
        postcode=given(details.postcode),
        address=given(details.address),
        today=legal_today(),
    )
    return {
        "applicant_type": cleaned.applicant_type,
        "organisation_type": cleaned.organisation_type,
        "name": cleaned.name,
        "id_type": cleaned.id_type,
        "id_number": cleaned.id_number,
        "id_fingerprint": id_fingerprint(cleaned.id_type, cleaned.id_number, secret_key.encode()),
        "contact_person": (given(details.contact_person) or "").strip(),
        "phone": cleaned.phone or "",
        "email": cleaned.email or "",
        "address": cleaned.address or "",
        "postcode": cleaned.postcode or "",
        "notification_channel": given(details.notification_channel) or "",
    }


def _same_person(fingerprint: Any) -> Any:
    """Each application keeps the applicant's details as submitted (letters go to that address);
    records with the same verified ID belong to one person, for monthly fee counting.  The
    person is looked up inside the INSERT itself (NULL when this is their first record)."""
    return (
        select(func.coalesce(Applicant.person_id, Applicant.id))
        .where(Applicant.id_fingerprint == fingerprint)
        .order_by(Applicant.id)
        .limit(1)
        .scalar_subquery()
    )


def _insert_applicant_and_case(
    session: Session,
    applicant_row: dict[str, Any],
    case_row: dict[str, Any],
    placement: Placement | None,
) -> tuple[int, bool]:
    """An online submission's applicant (``_applicant_row``) and case (``_new_case_row``, its
    ``applicant_id`` set here): prepared Core INSERTs (issue 16: the ORM's flush cost more CPU
    than the statements).  On PostgreSQL one statement that also writes the case's index keys
    (the applicant's, the case's and the keys' INSERTs data-modifying CTEs); SQLite has no such
    CTE, so two, and the keys are left to ``record_placement``.  Returns the case's id and
    whether its keys were written.  Without a placement (deferred to the queue) the keys'
    CTE gets no keys, and the placement job writes them."""
    if session.get_bind().dialect.name == "postgresql":
        params = {f"case_{name}": value for name, value in case_row.items()}
        params.update(applicant_row)
        params.update(key_params(placement) if placement else NO_KEYS)
        applicant_id, case_id = session.execute(_applicant_case_and_keys(), params).one()
        keys_inserted = True
    else:
        applicant_id = session.execute(_applicant_insert(), applicant_row).scalar_one()
        case_id = session.execute(
            _case_insert(), {**case_row, "applicant_id": applicant_id}
        ).scalar_one()
        keys_inserted = False
    case_row["applicant_id"] = applicant_id
    return int(case_id), keys_inserted


@lru_cache(maxsize=1)
def _applicant_insert() -> Insert:
    table = Applicant.metadata.tables[Applicant.__tablename__]
    values: dict[str, Any] = column_params(table, _APPLICANT_COLUMNS)
    values["person_id"] = _same_person(values["id_fingerprint"])
    return prepared_insert(table, values, returning=table.c.id)


_APPLICANT_COLUMNS = (
    "applicant_type",
    "organisation_type",
    "name",
    "id_type",
    "id_number",
    "id_fingerprint",
    "contact_person",
    "phone",
    "email",
    "address",
    "postcode",
    "notification_channel",
)


# ---------------------------------------------------------------- submission and registration


def _fingerprint_request(command: Submission | Registration) -> str:
    """The request as sent, canonical JSON hashed: what a retry with the same Idempotency-Key
    must match (tests/api/test_idempotency_fingerprint.py pins it byte for byte)."""
    canonical = json.dumps(sent_fields(command), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def submit_online(
    session: Session,
    submission: Submission,
    *,
    secret_key: str,
    idempotency_key: str | None,
    render: Callable[[Case, str], dict[str, Any]],
    defer_placement: bool = False,
) -> tuple[dict[str, Any], bool]:
    """The online form's submission (Art. 29): a RECEIVED case awaiting confirmation (Art. 31).

    Returns the response body and whether it replays an earlier submission with the same
    Idempotency-Key. The same key with a different body is a 409.  ``defer_placement``
    (``TOPIC_PLACEMENT=queue``): the case is written without its topic, marked
    ``topic_pending`` for the placement job (``services.topic_placement``).
    """
    fingerprint = _fingerprint_request(submission)
    try:
        body = _submit_once(
            session, submission, fingerprint, secret_key, idempotency_key, render, defer_placement
        )
        return body, False
    except _KeyTaken:
        assert idempotency_key is not None
        return _replayed(session, idempotency_key, fingerprint, secret_key), True


class _KeyTaken(Exception):
    """The Idempotency-Key was claimed first by an earlier (or concurrent) submission."""


def _claim_key(
    session: Session,
    key: str | None,
    fingerprint: str,
    case: Case,
    body: dict[str, Any],
    secret_key: str,
) -> None:
    """Store the answer under the key — ``INSERT … ON CONFLICT DO NOTHING``, no read first: a
    retry finds the key taken (PostgreSQL waits for a concurrent first attempt to finish), its
    transaction is rolled back and the first answer replayed."""
    if not key:
        return
    claimed = session.execute(
        _key_claim(session.get_bind().dialect.name),
        {
            "key": key,
            "request_fingerprint": fingerprint,
            "case_id": case.id,
            # The stored answer keeps the tracking secret sealed (services/replay_body).
            "response": replay_body.seal(body, secret_key=secret_key, idempotency_key=key),
        },
    ).first()
    if claimed is None:
        raise _KeyTaken


@lru_cache(maxsize=2)
def _key_claim(dialect: str) -> Insert:
    """The claim's INSERT, built once per database kind (issue 16: building it for every
    submission cost more CPU than running it)."""
    table = IdempotencyKey.metadata.tables[IdempotencyKey.__tablename__]
    return prepared_insert(
        table,
        _KEY_CLAIM_COLUMNS,
        on_conflict_do_nothing=[table.c.key],
        dialect=dialect,
        returning=table.c.key,
    )


_KEY_CLAIM_COLUMNS = ("key", "request_fingerprint", "case_id", "response")


def _replayed(session: Session, key: str, fingerprint: str, secret_key: str) -> dict[str, Any]:
    earlier = session.get(IdempotencyKey, key)
    # The conflict was seen inside the transaction just rolled back, so the row is committed.
    assert earlier is not None
    if earlier.request_fingerprint != fingerprint:
        raise Conflict("该Idempotency-Key已用于另一份不同的申请。")
    return replay_body.unseal(earlier.response, secret_key=secret_key, idempotency_key=key)


def _submit_once(
    session: Session,
    submission: Submission,
    fingerprint: str,
    secret_key: str,
    idempotency_key: str | None,
    render: Callable[[Case, str], dict[str, Any]],
    defer_placement: bool = False,
) -> dict[str, Any]:
    """The topic chosen first so the case INSERT carries it (unless its placement is deferred to
    the queue); the applicant, the case, the audit event and the outbox row are Core INSERTs
    (issue 16: the case's ORM flush cost ~1 ms of CPU, more than the statement)."""
    with UnitOfWork(session) as uow:
        agency = _intake_agency(session, submission.agency_id)
        if agency.is_oversight_office:
            raise RuleViolation(
                "该机构为监督机构，不受理政府信息公开申请，请向掌握信息的行政机关提出。",
                fields={"agency_id": ["请选择受理申请的行政机关。"]},
            )
        applicant_row = _applicant_row(submission.applicant, secret_key)
        secret = new_tracking_secret()
        submitted_at = utcnow()
        text = submission.requested_information.strip()
        placement = (
            None
            if defer_placement
            else place_request(
                session,
                agency_id=agency.id,
                text=text,
                received=legal_date(submitted_at),
                arrived_on=legal_date(submitted_at),
            )
        )
        row = _new_case_row(
            agency_id=agency.id,
            state=CaseState.RECEIVED,
            channel=Channel.ONLINE,
            tracking_code=new_tracking_code(),
            tracking_secret_hash=hash_secret(secret, secret_key),
            requested_information=text,
            description_hint=(given(submission.description_hint) or "").strip(),
            delivery_form=given(submission.delivery_form) or "electronic",
            delivery_method=given(submission.delivery_method) or "email",
            submitted_at=submitted_at,
            topic_id=placement.topic_id if placement else None,
            topic_explanation=placement.explanation if placement else None,
            topic_pending=placement is None,
        )
        # The row as stored, not an object of the session: what the receipt, the audit event,
        # its outbox row and the topic's figures read of the case (its agency set; its
        # applicant, a Core INSERT above, is not loaded).
        case_id, keys_inserted = _insert_applicant_and_case(session, applicant_row, row, placement)
        case = Case(id=case_id, agency=agency, **row)
        body = render(case, secret)
        # Claimed before the rest of the work, so that a retry stops here.
        _claim_key(session, idempotency_key, fingerprint, case, body, secret_key)
        record_event(
            session,
            case,
            actor=APPLICANT,
            role=Role.APPLICANT,
            action="submit",
            from_state=None,
            to_state=CaseState.RECEIVED,
            effective_on=legal_date(case.submitted_at),
            public=True,
            data={"channel": Channel.ONLINE.value},
            new_case=True,
        )
        if placement is not None:
            record_placement(session, case, placement, agency, keys_inserted=keys_inserted)
        uow.commit()
        return body


_CASES = Case.metadata.tables[Case.__tablename__]
# The case columns with a default, and the default (a value, or a function of no arguments, as
# SQLAlchemy wraps it: ``arg(context)``): an INSERT built once lists them all, as the ORM's did.
_CASE_DEFAULTS = tuple(
    (column.name, column.default)
    for column in _CASES.columns
    if isinstance(column.default, ColumnDefault)
)
_NEW_CASE_COLUMNS = (
    "agency_id",
    "applicant_id",
    "state",
    "channel",
    "tracking_code",
    "tracking_secret_hash",
    "requested_information",
    "description_hint",
    "delivery_form",
    "delivery_method",
    "submitted_at",
    "topic_id",
    "topic_explanation",
)


def _new_case_row(**values: Any) -> dict[str, Any]:
    """An online submission's case row: ``values`` (``_NEW_CASE_COLUMNS``), every other column
    with a default at its default (each callable called once, as the ORM's flush did), and the
    first version (the mapper's version counter); the rest are NULL."""
    row: dict[str, Any] = {"version": 1}
    for name, default in _CASE_DEFAULTS:
        if name not in values:
            row[name] = default.arg(None) if default.is_callable else default.arg
    row.update(values)
    return row


_CASE_INSERT_COLUMNS = tuple(
    dict.fromkeys(
        ("version", *(name for name, _ in _CASE_DEFAULTS), *_NEW_CASE_COLUMNS, "applicant_id")
    )
)


@lru_cache(maxsize=1)
def _case_insert() -> Insert:
    return prepared_insert(_CASES, _CASE_INSERT_COLUMNS, returning=_CASES.c.id)


@lru_cache(maxsize=1)
def _applicant_case_and_keys() -> Select[Any]:
    """PostgreSQL: ``WITH new_applicant AS (INSERT INTO applicants … RETURNING id), new_case AS
    (INSERT INTO cases (…, applicant_id) VALUES (…, (SELECT id FROM new_applicant)) RETURNING
    id, applicant_id, agency_id), new_keys AS (INSERT INTO request_band_keys SELECT … FROM
    new_case, unnest(keys)) SELECT applicant_id, id FROM new_case``.  The case's parameters are
    its columns' names prefixed ``case_`` (the two tables share some: the applicant's defaults
    are named after its columns)."""
    applicant = _applicant_insert().cte("new_applicant")
    values: dict[str, Any] = {
        name: bindparam(f"case_{name}", type_=_CASES.c[name].type) for name in _CASE_INSERT_COLUMNS
    }
    values["applicant_id"] = select(applicant.c.id).scalar_subquery()
    new_case = (
        insert(_CASES)
        .values(values)
        .returning(_CASES.c.id, _CASES.c.applicant_id, _CASES.c.agency_id)
        .cte("new_case")
    )
    return select(new_case.c.applicant_id, new_case.c.id).add_cte(keys_insert_after(new_case))


def _assign_number(session: Session, case: Case, agency: Agency) -> None:
    assert case.receipt_date is not None
    year = case.receipt_date.year
    seq = next_number(session, agency_id=agency.id, year=year, kind="case")
    case.case_year = year
    case.case_seq = seq
    case.case_number = format_case_number(agency.case_number_prefix, year, seq)


def _fix_receipt_date(
    case: Case,
    *,
    signed_for_at: datetime | None,
    letter_arrived_at: datetime | None,
    confirmed_at: datetime | None,
) -> None:
    """Art. 31: the legal receipt date follows the channel (a time not given stays as it was)."""
    case.signed_for_at = signed_for_at or case.signed_for_at
    case.letter_arrived_at = letter_arrived_at or case.letter_arrived_at
    case.confirmed_at = confirmed_at or case.confirmed_at
    case.receipt_date = receipt_date(
        case.channel,
        submitted_at=case.submitted_at,
        signed_for_at=case.signed_for_at,
        letter_arrived_at=case.letter_arrived_at,
        confirmed_at=case.confirmed_at,
    )
    if case.receipt_date > legal_today():
        raise RuleViolation("收到申请日期不能晚于今天。", fields={"receipt_date": ["日期在未来。"]})


def register_case(
    session: Session,
    actor: Actor,
    registration: Registration,
    *,
    secret_key: str,
    defer_placement: bool = False,
) -> tuple[Case, str]:
    """A clerk registers an application received in person, by post, fax or e-mail (登记)."""
    with UnitOfWork(session) as uow:
        case, secret = _register(session, actor, registration, secret_key, defer_placement)
        uow.commit()
        return case, secret


def register_case_once(
    session: Session,
    actor: Actor,
    registration: Registration,
    *,
    secret_key: str,
    idempotency_key: str,
    render: Callable[[Case, str], dict[str, Any]],
    defer_placement: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Registration with an Idempotency-Key: a retry after an ambiguous outcome (timeout, 503
    after the commit) answers with the first result instead of registering a second case.

    Keys are scoped to the registering agency. Returns the body and whether it is a replay.
    """
    scoped = f"register:{actor.agency_id}:{idempotency_key}"
    fingerprint = _fingerprint_request(registration)
    try:
        with UnitOfWork(session) as uow:
            case, secret = _register(session, actor, registration, secret_key, defer_placement)
            body = render(case, secret)
            _claim_key(session, scoped, fingerprint, case, body, secret_key)
            uow.commit()
            return body, False
    except _KeyTaken:
        return _replayed(session, scoped, fingerprint, secret_key), True


def _register(
    session: Session,
    actor: Actor,
    registration: Registration,
    secret_key: str,
    defer_placement: bool = False,
) -> tuple[Case, str]:
    """The registration itself, in the caller's transaction: topic, number and due date are
    settled before the case is written, so its one INSERT carries them.  With
    ``defer_placement`` the topic is left to the placement job, as an online submission's is:
    the job places in arrival order, so a registration placed at once would overtake the
    online submissions still waiting and the topics would no longer be intake's."""
    agency_id: int = given(registration.agency_id) or actor.home_agency_id
    if agency_id != actor.agency_id:
        raise NotFound("机关不存在。", agency_id=agency_id)
    agency = get_agency(session, agency_id)
    channel = Channel(registration.channel)
    applicant = _applicant_from(registration.applicant, secret_key)
    secret = new_tracking_secret()
    submitted_at = given(registration.submitted_at) or utcnow()
    case = Case(
        agency=agency,
        applicant=applicant,
        state=CaseState.REGISTERED,
        channel=channel,
        tracking_code=new_tracking_code(),
        tracking_secret_hash=hash_secret(secret, secret_key),
        requested_information=registration.requested_information.strip(),
        description_hint=(given(registration.description_hint) or "").strip(),
        delivery_form=given(registration.delivery_form) or "paper",
        delivery_method=given(registration.delivery_method) or "post",
        submitted_at=submitted_at,
        registered_at=utcnow(),
        reply_details={},
    )
    _fix_receipt_date(
        case,
        signed_for_at=given(registration.signed_for_at),
        letter_arrived_at=given(registration.letter_arrived_at),
        confirmed_at=given(registration.confirmed_at),
    )
    assert case.receipt_date is not None
    placement = None
    if defer_placement:
        case.topic_pending = True
    else:
        placement = place_request(
            session,
            agency_id=agency.id,
            text=case.requested_information,
            received=case.receipt_date,
            arrived_on=legal_date(submitted_at),
        )
        case.topic_id = placement.topic_id
        case.topic_explanation = placement.explanation
    _assign_number(session, case, agency)
    refresh_due_date(session, case)
    session.add(case)
    session.flush()
    record_event(
        session,
        case,
        actor=actor,
        role=Role.REGISTRAR,
        action=Action.REGISTER.value,
        from_state=None,
        to_state=CaseState.REGISTERED,
        effective_on=case.receipt_date,
        public=True,
        data={
            "channel": channel.value,
            "case_number": case.case_number,
            "receipt_date": case.receipt_date.isoformat() if case.receipt_date else None,
        },
        new_case=True,
    )
    if placement is not None:
        record_placement(session, case, placement, agency)
    return case, secret


# ---------------------------------------------------------------- transitions


def _require(**fields: object) -> None:
    """Required fields must not be blank (a schema's "required" lets ``""`` and ``[]`` in)."""
    missing = {n: ["此项为必填项。"] for n, value in fields.items() if value in (None, "", [])}
    if missing:
        raise RuleViolation("缺少必填信息。", fields=missing)


def _effective_on(case: Case, command: ActionCommand) -> date:
    on: date = command.on or legal_today()
    if on > legal_today():
        raise RuleViolation("日期不能晚于今天。", fields={"on": ["日期在未来。"]})
    if case.receipt_date and on < case.receipt_date:
        raise RuleViolation("日期不能早于收到申请日期。", fields={"on": ["早于收到申请日期。"]})
    return on


def _clock_event(kind: ClockEventType, on: date, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": kind.value, "on": on.isoformat()}
    spec.update({k: v for k, v in extra.items() if v is not None})
    return spec


# ---------------------------------------------------------------- action effects


def _on_register(
    session: Session, actor: Actor, case: Case, command: RegisterAction, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    confirmed_at = command.confirmed_at
    if case.channel in (Channel.ONLINE, Channel.FAX, Channel.EMAIL) and not (
        confirmed_at or case.confirmed_at
    ):
        # Registering an online/fax/e-mail submission is the agency's confirmation (Art. 31).
        confirmed_at = utcnow()
    _fix_receipt_date(
        case,
        signed_for_at=command.signed_for_at,
        letter_arrived_at=command.letter_arrived_at,
        confirmed_at=confirmed_at,
    )
    case.registered_at = utcnow()
    _assign_number(session, case, case.agency)
    changed.update(
        case_number=case.case_number,
        receipt_date=case.receipt_date.isoformat() if case.receipt_date else None,
    )
    if command.assignee_id is not None:
        # Registration and assignment are one step for the registrar.
        assign_case(session, actor, case, command.assignee_id)
        changed["assignee_id"] = command.assignee_id
    return changed


def _on_request_correction(
    session: Session, actor: Actor, case: Case, command: RequestCorrection, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    _require(correction_items=command.correction_items)
    period = command.correction_period_working_days or (case.agency.correction_period_working_days)
    case.correction_requested = True
    case.correction_due_on = correction_period_due(load_calendar(session, fresh=True), on, period)
    changed.update(
        correction_items=list(command.correction_items),
        correction_period_working_days=period,
        correction_due_on=case.correction_due_on.isoformat(),
        clock_event=_clock_event(ClockEventType.CORRECTION_REQUESTED, on),
    )
    return changed


def _on_receive_correction(
    session: Session, actor: Actor, case: Case, command: ReceiveCorrection, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if command.corrected_information:
        changed["previous_requested_information"] = case.requested_information
        case.requested_information = command.corrected_information.strip()
        changed["requested_information"] = case.requested_information
    changed["clock_event"] = _clock_event(ClockEventType.CORRECTION_RECEIVED, on)
    return changed


def _on_deem_abandoned_no_correction(
    session: Session, actor: Actor, case: Case, command: ActionCommand, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if case.correction_due_on is None or on <= case.correction_due_on:
        raise RuleViolation(
            f"补正期限（{case.correction_due_on}）尚未届满，不能视为放弃申请（第三十条）。"
        )
    case.outcome = Outcome.OTHER_NO_CORRECTION
    case.closed_on = on
    changed["clock_event"] = _clock_event(ClockEventType.CLOSED, on)
    return changed


def _on_start_consultation(
    session: Session, actor: Actor, case: Case, command: StartConsultation, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    _require(consulted_party=command.consulted_party)
    changed.update(
        consulted_party=command.consulted_party,
        consultation_kind=command.consultation_kind or "third_party",
        clock_event=_clock_event(ClockEventType.THIRD_PARTY_CONSULT_SENT, on),
    )
    return changed


def _on_end_consultation(
    session: Session, actor: Actor, case: Case, command: EndConsultation, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    changed.update(
        opinion=command.opinion or "",
        third_party_objects=bool(command.third_party_objects),
        clock_event=_clock_event(ClockEventType.THIRD_PARTY_REPLY_RECEIVED, on),
    )
    return changed


def _on_decide_disclosure_over_objection(
    session: Session, actor: Actor, case: Case, command: DecideDisclosure, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if third_party_objection(session, case.id) is None:
        raise RuleViolation(
            "第三方未提出不同意公开的意见，无需作出“决定公开”（第三十二条）。",
            fields={"action": ["没有第三方异议。"]},
        )
    _require(reason=command.reason)
    changed.update(
        reason=command.reason,
        disclosed_content=(command.disclosed_content or "").strip() or case.requested_information,
    )
    return changed


def _on_secrecy_review(
    session: Session, actor: Actor, case: Case, command: ActionCommand, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if command.comment:
        changed["comment"] = command.comment
    return changed


def _on_issue_fee_notice(
    session: Session, actor: Actor, case: Case, command: IssueFeeNotice, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    received_on = command.notice_received_on or on
    if received_on < on:
        raise RuleViolation(
            "申请人收到收费通知的日期不能早于发出日期。",
            fields={"notice_received_on": ["早于发出日期。"]},
        )
    # Payment is due 20 working days from the day after the applicant receives the notice.
    case.fee_payment_due_on = fee_payment_due(load_calendar(session, fresh=True), received_on)
    changed.update(
        fee_services.on_notice_issued(
            session, actor, case, on=on, received_on=received_on, due_on=case.fee_payment_due_on
        ),
        notice_received_on=received_on.isoformat(),
        fee_payment_due_on=case.fee_payment_due_on.isoformat(),
        clock_event=_clock_event(ClockEventType.FEE_NOTICE_SENT, on),
    )
    return changed


def _on_record_fee_payment(
    session: Session, actor: Actor, case: Case, command: RecordFeePayment, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    changed.update(
        fee_services.on_payment(
            session,
            case,
            amount=command.amount,
            payment_method=command.payment_method,
            receipt_number=command.receipt_number,
            on=on,
        )
    )
    case.fee_payment_due_on = None
    changed["clock_event"] = _clock_event(ClockEventType.FEE_PAID, on)
    return changed


def _on_waive_fee(
    session: Session, actor: Actor, case: Case, command: Reasoned, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    changed.update(
        fee_services.on_waiver(session, actor, case, case.agency, command.reason or "", on)
    )
    case.fee_payment_due_on = None
    changed["clock_event"] = _clock_event(ClockEventType.FEE_WAIVED, on)
    return changed


def _on_deem_abandoned_no_fee(
    session: Session, actor: Actor, case: Case, command: ActionCommand, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if case.fee_payment_due_on is None or on <= case.fee_payment_due_on:
        raise RuleViolation(f"缴费期限（{case.fee_payment_due_on}）尚未届满，不能视为放弃申请。")
    changed.update(fee_services.on_abandoned(session, case))
    case.outcome = Outcome.OTHER_FEE_UNPAID
    case.closed_on = on
    changed["clock_event"] = _clock_event(ClockEventType.CLOSED, on)
    return changed


def _on_request_reasons(
    session: Session, actor: Actor, case: Case, command: RequestReasons, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    _require(volume_summary=command.volume_summary)
    period = command.reasons_period_working_days or (case.agency.reasons_period_working_days)
    case.reasons_due_on = load_calendar(session, fresh=True).add_working_days(on, period)
    changed.update(
        volume_summary=command.volume_summary,
        reasons_period_working_days=period,
        reasons_due_on=case.reasons_due_on.isoformat(),
        clock_event=_clock_event(ClockEventType.REASONS_REQUESTED, on),
    )
    return changed


def _on_receive_reasons(
    session: Session, actor: Actor, case: Case, command: ReceiveReasons, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    changed["clock_event"] = _clock_event(ClockEventType.REASONS_RECEIVED, on)
    if command.applicant_reasons:
        changed["applicant_reasons"] = command.applicant_reasons
    if command.deferred_due_on:
        changed["deferred_due_on"] = command.deferred_due_on.isoformat()
        if command.deferral_reason:
            changed["deferral_reason"] = command.deferral_reason
    return changed


def _on_extend(
    session: Session, actor: Actor, case: Case, command: Extend, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    _require(reason=command.reason, extra_working_days=command.extra_working_days)
    calendar = load_calendar(session, fresh=True)
    clock = case_clock(session, case, calendar=calendar, today=on)
    if clock is None:
        raise RuleViolation("案件尚未登记，不能延期。")
    validate_extension(calendar, clock, on, command.extra_working_days)
    case.extended = True
    changed.update(
        reason=command.reason,
        extra_working_days=command.extra_working_days,
        applicant_notified_on=(command.applicant_notified_on or on).isoformat(),
        clock_event=_clock_event(
            ClockEventType.EXTENSION_APPROVED,
            on,
            extra_working_days=command.extra_working_days,
        ),
    )
    return changed


def _on_reply_draft(
    session: Session, actor: Actor, case: Case, command: Reply, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    changed.update(_set_reply(session, case, command))
    return changed


def _on_return_draft(
    session: Session, actor: Actor, case: Case, command: Reasoned, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    _require(reason=command.reason)
    changed["reason"] = command.reason
    return changed


def _on_approve_reply(
    session: Session, actor: Actor, case: Case, command: ActionCommand, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    _check_third_party_notice(session, case)
    if case.agency.hold_reply_while_filing_pending:
        from requests_service.services.oversight import pending_filing

        if pending_filing(session, case.id) is not None:
            raise Conflict("该案件的疑难件报备尚未得到监督机构指导意见，暂不能签发答复。")
    case.replied_on = on
    changed["replied_on"] = on.isoformat()
    return changed


def _on_deliver(
    session: Session, actor: Actor, case: Case, command: Deliver, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    _require(delivery_method=command.delivery_method)
    case.delivered_on = on
    changed.update(
        delivery_method=command.delivery_method,
        proof=command.proof or "",
        delivered_on=on.isoformat(),
        clock_event=_clock_event(ClockEventType.REPLY_DELIVERED, on),
    )
    return changed


def _on_withdraw(
    session: Session, actor: Actor, case: Case, command: Reasoned, on: date
) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    changed.update(fee_services.on_withdrawn(session, case))
    case.fee_payment_due_on = None
    case.outcome = Outcome.OTHER
    case.closed_on = on
    changed.update(
        reason=command.reason or "",
        clock_event=_clock_event(ClockEventType.WITHDRAWN, on),
    )
    return changed


# Each handler takes its action's command (ACTION_COMMANDS); transition_case checks the type.
_Effect = Callable[[Session, Actor, Case, Any, date], dict[str, Any]]

# What each lifecycle action changes beyond its state, and what its audit event records.
# Actions without an entry (accept, start_review, archive, ...) change only the state.
ACTION_EFFECTS: dict[Action, _Effect] = {
    Action.REGISTER: _on_register,
    Action.REQUEST_CORRECTION: _on_request_correction,
    Action.RECEIVE_CORRECTION: _on_receive_correction,
    Action.DEEM_ABANDONED_NO_CORRECTION: _on_deem_abandoned_no_correction,
    Action.START_CONSULTATION: _on_start_consultation,
    Action.END_CONSULTATION: _on_end_consultation,
    Action.DECIDE_DISCLOSURE_OVER_OBJECTION: _on_decide_disclosure_over_objection,
    Action.START_SECRECY_REVIEW: _on_secrecy_review,
    Action.END_SECRECY_REVIEW: _on_secrecy_review,
    Action.ISSUE_FEE_NOTICE: _on_issue_fee_notice,
    Action.RECORD_FEE_PAYMENT: _on_record_fee_payment,
    Action.WAIVE_FEE: _on_waive_fee,
    Action.DEEM_ABANDONED_NO_FEE: _on_deem_abandoned_no_fee,
    Action.REQUEST_REASONS: _on_request_reasons,
    Action.RECEIVE_REASONS: _on_receive_reasons,
    Action.EXTEND: _on_extend,
    Action.DRAFT_REPLY: _on_reply_draft,
    Action.REVISE_REPLY: _on_reply_draft,
    Action.RETURN_DRAFT: _on_return_draft,
    Action.APPROVE_REPLY: _on_approve_reply,
    Action.DELIVER: _on_deliver,
    Action.WITHDRAW: _on_withdraw,
}


def _apply_effects(
    session: Session,
    actor: Actor,
    case: Case,
    action: Action,
    command: ActionCommand,
    on: date,
) -> dict[str, Any]:
    """Action-specific checks and field changes; returns the event data (what changed)."""
    effect = ACTION_EFFECTS.get(action)
    changed = effect(session, actor, case, command, on) if effect else {}
    if command.comment and "comment" not in changed:
        changed["comment"] = command.comment
    clock_events = [changed.pop("clock_event")] if "clock_event" in changed else []
    if "deferred_due_on" in changed:
        # Art. 35: the agency fixes a reasonable later reply date and tells the applicant.
        clock_events.append(
            _clock_event(
                ClockEventType.DEFERRED_DUE_DATE_SET, on, deferred_due=changed["deferred_due_on"]
            )
        )
    if clock_events:
        changed["clock_events"] = clock_events
        case.clock_inputs = [*(case.clock_inputs or []), *clock_events]
    return changed


def _check_third_party_notice(session: Session, case: Case) -> None:
    """Art. 32: disclosure over a third party's objection waits for the written notice to the
    third party (第三方告知书) to be issued."""
    if case.outcome not in (Outcome.DISCLOSED, Outcome.PARTIALLY_DISCLOSED):
        return
    decided = last_event(session, case.id, Action.DECIDE_DISCLOSURE_OVER_OBJECTION.value)
    if decided is None:
        if case.outcome is Outcome.DISCLOSED and third_party_objection(session, case.id):
            raise Conflict(
                "第三方不同意公开：公开前须由审核负责人作出“决定公开（第三方不同意）”并签发"
                "第三方告知书（《政府信息公开条例》第三十二条）。"
            )
        return
    if issued_letter(session, case.id, "third_party_disclosure_notice") is None:
        raise Conflict(
            "决定公开的政府信息内容和理由须先书面告知第三方：请先签发第三方告知书，再签发答复"
            "（《政府信息公开条例》第三十二条）。"
        )


def _check_excessive(session: Session, case: Case) -> None:
    """Art. 35: 不予处理 only after a reasons request (see domain.art35 for the reading)."""
    request = last_event(session, case.id, Action.REQUEST_REASONS.value)
    answered = request is not None and any(
        e.id > request.id
        for e in session.scalars(
            select(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.action == Action.RECEIVE_REASONS.value
            )
        )
    )
    blocker = excessive_refusal_blocker(
        request_issued=request is not None
        and issued_letter(session, case.id, "reasons_request") is not None,
        reasons_due_on=case.reasons_due_on,
        answered=answered,
        today=legal_today(),
    )
    if blocker:
        raise RuleViolation(blocker, fields={"outcome": [blocker]})


def _set_reply(session: Session, case: Case, reply: Reply) -> dict[str, Any]:
    _require(outcome=reply.outcome)
    outcome = Outcome(reply.outcome)
    if outcome not in OUTCOMES_FOR_OFFICER_REPLY:
        raise RuleViolation(
            f"答复结果“{outcome.label}”只能由系统在相应情形下自动产生，不能手工选择。",
            fields={"outcome": ["不能手工选择该答复结果。"]},
        )
    decision = validate_reply(outcome, reply.reasons or "", reply.legal_basis, reply.details or {})
    if outcome is Outcome.NOT_PROCESSED_EXCESSIVE:
        _check_excessive(session, case)
    entry_id = reply.negative_list_entry_id
    if entry_id is not None:
        entry = session.get(NegativeListEntry, entry_id)
        if entry is None or entry.agency_id != case.agency_id or not entry.active:
            raise RuleViolation(
                "引用的负面清单条目不存在。", fields={"negative_list_entry_id": ["不存在。"]}
            )
        if outcome.group.value != "withheld":
            raise RuleViolation(
                "只有不予公开类答复可以引用负面清单条目。",
                fields={"negative_list_entry_id": ["与答复结果不符。"]},
            )
    case.outcome = decision.outcome
    case.reply_reasons = decision.reasons
    case.reply_legal_basis = decision.legal_basis or ""
    case.reply_details = dict(decision.details)
    case.negative_list_entry_id = entry_id
    return {
        "outcome": decision.outcome.value,
        "reasons": decision.reasons,
        "legal_basis": decision.legal_basis,
        "details": dict(decision.details),
        "negative_list_entry_id": entry_id,
    }


def _facts(case: Case) -> CaseFacts:
    return CaseFacts(
        correction_requested_before=case.correction_requested,
        extended_before=case.extended,
    )


def apply_action(
    session: Session, actor: Actor, case: Case, action: Action, command: ActionCommand
) -> Case:
    """Run one lifecycle action: domain guard, effects, one audit event, due date — one commit.
    ``command`` is the action's command (``ACTION_COMMANDS[action]``)."""
    with UnitOfWork(session) as uow:
        transition_case(session, actor, case, action, command)
        uow.commit()
        return case


def transition_case(
    session: Session, actor: Actor, case: Case, action: Action, command: ActionCommand
) -> Case:
    """The action without committing, for use cases that change more in the same transaction."""
    expected = ACTION_COMMANDS[action]
    if type(command) is not expected:
        raise TypeError(f"{action.value} takes {expected.__name__}, not {type(command).__name__}")
    transition = TRANSITIONS[action]
    role = actor.acting_role(transition.roles) or actor.primary_role
    before = case.state
    after = next_state(before, action, role, _facts(case))
    duties: dict[str, Any] = {}
    if action is Action.APPROVE_REPLY:
        duties = check_four_eyes(
            session,
            actor,
            agency_id=case.agency_id,
            drafter_id=reply_drafter_id(session, case.id),
            what="答复",
        )
    on = _effective_on(case, command)
    changed = _apply_effects(session, actor, case, action, command, on)
    if duties:
        changed = {**(changed or {}), **duties}
    case.state = after
    case.updated_at = utcnow()
    record_event(
        session,
        case,
        actor=actor,
        role=role,
        action=action.value,
        from_state=before,
        to_state=after,
        effective_on=on,
        public=action in PUBLIC_ACTIONS,
        data=changed,
    )
    refresh_due_date(session, case)
    return case


# ---------------------------------------------------------------- officer edits


def assign_case(session: Session, actor: Actor, case: Case, assignee_id: int | None) -> Case:
    with UnitOfWork(session) as uow:
        if case.state.is_read_only:
            raise Conflict("已归档的案件为只读，不能修改。", reason="case_read_only")
        if assignee_id is not None:
            user = session.get(User, assignee_id)
            if user is None or user.agency_id != case.agency_id or not user.active:
                raise RuleViolation(
                    "承办人必须是本机关的在职用户。", fields={"assignee_id": ["用户不存在。"]}
                )
            if Role.HANDLER not in user.roles:
                raise RuleViolation(
                    "被指派的用户没有承办人角色。", fields={"assignee_id": ["不是承办人。"]}
                )
        before = case.assignee_id
        case.assignee_id = assignee_id
        # Keep the loaded relationship in step (the response shows the assignee's name).
        case.assignee = session.get(User, assignee_id) if assignee_id is not None else None
        case.updated_at = utcnow()
        record_event(
            session,
            case,
            actor=actor,
            role=actor.primary_role,
            action="assign",
            from_state=case.state,
            to_state=case.state,
            data={"assignee_id": {"before": before, "after": assignee_id}},
        )
        uow.commit()
        return case


@dataclass(frozen=True)
class CaseCorrection:
    """An officer's correction of the recorded application (only the fields given change)."""

    requested_information: str | Unset = UNSET
    description_hint: str | Unset = UNSET
    delivery_form: str | Unset = UNSET
    delivery_method: str | Unset = UNSET


def update_case(session: Session, actor: Actor, case: Case, correction: CaseCorrection) -> Case:
    """Correct the recorded application details (not the state: states change by actions)."""
    with UnitOfWork(session) as uow:
        if case.state.is_read_only:
            raise Conflict("已归档的案件为只读，不能修改。", reason="case_read_only")
        if not case.state.is_open:
            raise Conflict(f"案件已办结（{case.state.label}），不能修改申请内容。")
        wanted: dict[str, Any] = {
            "requested_information": correction.requested_information,
            "description_hint": correction.description_hint,
            "delivery_form": correction.delivery_form
            if isinstance(correction.delivery_form, Unset)
            else DeliveryForm(correction.delivery_form),
            "delivery_method": correction.delivery_method
            if isinstance(correction.delivery_method, Unset)
            else DeliveryMethod(correction.delivery_method),
        }
        changes = {}
        for name, value in wanted.items():
            if not isinstance(value, Unset) and value != getattr(case, name):
                changes[name] = {"before": getattr(case, name), "after": value}
                setattr(case, name, value)
        if changes:
            case.updated_at = utcnow()
            record_event(
                session,
                case,
                actor=actor,
                role=actor.primary_role,
                action="update",
                from_state=case.state,
                to_state=case.state,
                data=changes,
            )
        uow.commit()
        return case


# ---------------------------------------------------------------- notification preferences


def set_notification_preferences(
    session: Session, case: Case, *, opt_out: bool, channel: str | None = None
) -> Case:
    """The applicant chooses how to hear of progress, or opts out (audited on the case)."""
    with UnitOfWork(session) as uow:
        applicant = case.applicant
        before = {
            "notifications_opt_out": applicant.notifications_opt_out,
            "notification_channel": applicant.notification_channel,
        }
        applicant.notifications_opt_out = opt_out
        if channel is not None:
            applicant.notification_channel = channel
        after = {
            "notifications_opt_out": applicant.notifications_opt_out,
            "notification_channel": applicant.notification_channel,
        }
        if after != before:
            record_event(
                session,
                case,
                actor=APPLICANT,
                role=Role.APPLICANT,
                action="notification_preferences",
                from_state=case.state,
                to_state=case.state,
                data={"before": before, "after": after},
            )
        uow.commit()
        return case
