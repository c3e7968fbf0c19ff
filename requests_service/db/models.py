"""Typed SQLAlchemy 2 models. Alembic (``migrations/``) owns the schema built from these."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from requests_service.db.base import Base, JsonDocument, UtcDateTime, utcnow
from requests_service.domain.channels import Channel
from requests_service.domain.deadlines import ClockState
from requests_service.domain.delivery_status import DeliveryStatus, JobRunStatus, NotificationStatus
from requests_service.domain.fee_status import FeeStatus
from requests_service.domain.fees import FeeMethod
from requests_service.domain.identity import ApplicantType, IdType, OrganisationType
from requests_service.domain.letter_status import LetterStatus
from requests_service.domain.lifecycle import CaseState, Role
from requests_service.domain.outcomes import Outcome
from requests_service.domain.oversight import FilingCategory, FilingStatus
from requests_service.domain.reply_delivery import DeliveryForm, DeliveryMethod
from requests_service.domain.statistics import RemedyKind, RemedyResult
from requests_service.domain.topic_status import TopicStatus


def _enum(cls: type, length: int = 40, *, checked: str) -> Enum:
    # Store the enum *value* (lower-case English) so SQL reports read the same as the API.
    # ``checked`` names a CHECK constraint (ck_<table>_<checked>) so the database itself refuses
    # any other value; adding a member then needs a migration that widens the constraint
    # (tests/integration/test_migrations.py compares each constraint with its enum).
    return Enum(
        cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
        create_constraint=True,
        name=checked,
    )


class Agency(Base):
    """An administrative agency (行政机关) with its OGI intake office (政府信息公开工作机构)."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40))
    # e.g. "市发改依申" → 市发改依申〔2026〕第0042号
    case_number_prefix: Mapped[str] = mapped_column(String(40))
    is_oversight_office: Mapped[bool] = mapped_column(Boolean, default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    intake_office_name: Mapped[str] = mapped_column(String(200), default="")
    intake_address: Mapped[str] = mapped_column(String(300), default="")
    intake_postcode: Mapped[str] = mapped_column(String(6), default="")
    intake_phone: Mapped[str] = mapped_column(String(40), default="")
    intake_email: Mapped[str] = mapped_column(String(200), default="")
    intake_office_hours: Mapped[str] = mapped_column(String(200), default="")
    online_form_url: Mapped[str] = mapped_column(String(500), default="")
    reconsideration_body: Mapped[str] = mapped_column(String(200), default="")
    # Empty: letters say 依法向人民法院提起行政诉讼 (cases are often concentrated in designated
    # courts, so naming one only when the agency configured it).
    court: Mapped[str] = mapped_column(String(200), default="")
    # Guided choice of the reconsideration body (行政复议法 2023 第二十四条、第二十七条), see
    # ``domain.reconsideration``; ``reconsideration_body`` holds the resolved name.
    reconsideration_rule: Mapped[str] = mapped_column(String(30), default="")
    same_level_government: Mapped[str] = mapped_column(String(200), default="")
    higher_authority: Mapped[str] = mapped_column(String(200), default="")
    higher_government: Mapped[str] = mapped_column(String(200), default="")
    # Art. 35: the period the applicant has to explain an excessive request [D].
    reasons_period_working_days: Mapped[int] = mapped_column(Integer, default=15)
    # Optional red letterhead (发文机关标志 and red rule, GB/T 9704 信函格式).
    letterhead_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    letterhead_text: Mapped[str] = mapped_column(String(100), default="")
    correction_period_working_days: Mapped[int] = mapped_column(Integer, default=15)
    fee_waiver_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Optional local rule: no reply may be approved while a difficult-case filing awaits guidance.
    hold_reply_while_filing_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # Four-eyes: a reply's or letter's approver is never its drafter — unless the agency has a
    # single officer and an admin switched this on; every such approval is then recorded.
    single_officer_exception: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Art. 44 "several applicants" [D]: distinct applicants within the window that make a topic
    # a candidate for proactive disclosure.
    topic_min_applicants: Mapped[int] = mapped_column(Integer, default=3)
    topic_window_days: Mapped[int] = mapped_column(Integer, default=365)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    parent: Mapped[Agency | None] = relationship(remote_side=[id])


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    # Work e-mail for the daily digest of cases due soon or overdue (empty: no digest).
    email: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def roles(self) -> list[Role]:
        return [r.role for r in self.role_rows]


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role, 20, checked="role"), primary_key=True)


class ApiToken(Base):
    """Bearer token; only its SHA-256 is stored, so a database leak does not leak tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Tokens expire (TOKEN_TTL_DAYS); rows from before expiry existed have none.
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship()


class Enrolment(Base):
    """A one-time enrolment code: an admin never holds another person's bearer token; the
    person redeems the code (once, before it expires) for a token only they see."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))


class Applicant(Base):
    """申请人. The ID number is kept so cases can be matched; APIs show it masked."""

    __tablename__ = "applicants"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_type: Mapped[ApplicantType] = mapped_column(
        _enum(ApplicantType, 20, checked="applicant_type")
    )
    organisation_type: Mapped[OrganisationType | None] = mapped_column(
        _enum(OrganisationType, checked="organisation_type")
    )
    name: Mapped[str] = mapped_column(String(200))
    id_type: Mapped[IdType] = mapped_column(_enum(IdType, checked="id_type"))
    id_number: Mapped[str] = mapped_column(String(40))
    # HMAC of the normalised number: matching without exposing numbers in an index.
    id_fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    # "The same applicant" for monthly fee aggregation: records with the same verified ID share
    # it automatically; an officer may link records of one person applying under several names.
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    contact_person: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(6), default="")
    # How the applicant wants to hear of progress: "email", "sms" or "none"; empty = e-mail
    # when an address was given, else SMS when a phone number was given.
    notification_channel: Mapped[str] = mapped_column(String(10), default="")
    notifications_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Case(Base):
    """One application (政府信息公开申请) and its handling."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("agency_id", "case_year", "case_seq", name="uq_cases_agency_year_seq"),
        Index("ix_cases_agency_state_due", "agency_id", "state", "due_on"),
        # The default list (newest first within the agency) reads one page of this index and
        # its bounded count scans only the index.
        Index("ix_cases_agency_id_id", "agency_id", "id"),
        # A topic's recent arrivals (surge check) without scanning a popular topic's history.
        Index("ix_cases_topic_submitted", "topic_id", "submitted_at"),
        # The cases whose topic placement was deferred to the queue (TOPIC_PLACEMENT=queue),
        # in arrival order per agency: a partial index, empty once the placement job is done.
        Index(
            "ix_cases_topic_pending",
            "agency_id",
            "id",
            postgresql_where=text("topic_pending"),
            sqlite_where=text("topic_pending"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Few indexes on purpose: a calendar change rewrites due dates of up to a million open
    # cases, and every index costs on each of those updates. Lists always filter by agency, so
    # (agency_id, state, due_on) serves agency, state and due-date filters together.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[CaseState] = mapped_column(_enum(CaseState, checked="state"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, 20, checked="channel"))
    case_number: Mapped[str | None] = mapped_column(String(80), unique=True)
    case_year: Mapped[int | None] = mapped_column(Integer)
    case_seq: Mapped[int | None] = mapped_column(Integer)
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    tracking_secret_hash: Mapped[str] = mapped_column(String(64))
    requested_information: Mapped[str] = mapped_column(Text)
    description_hint: Mapped[str] = mapped_column(Text, default="")
    delivery_form: Mapped[DeliveryForm] = mapped_column(
        _enum(DeliveryForm, 20, checked="delivery_form"), default=DeliveryForm.ELECTRONIC
    )
    delivery_method: Mapped[DeliveryMethod] = mapped_column(
        _enum(DeliveryMethod, 20, checked="delivery_method"), default=DeliveryMethod.EMAIL
    )
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    signed_for_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    letter_arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    receipt_date: Mapped[date | None] = mapped_column(Date, index=True)
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Stored, indexed due date: lists and dashboards never recompute clocks per request.
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    clock_state: Mapped[ClockState | None] = mapped_column(
        _enum(ClockState, 20, checked="clock_state")
    )
    # The clock's inputs, projected from the case events in the same transaction, so a calendar
    # change re-computes a million due dates from this table alone.
    clock_inputs: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    correction_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    correction_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    fee_payment_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    # Art. 35: last day for the applicant's explanation after a reasons request.
    reasons_due_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[Outcome | None] = mapped_column(_enum(Outcome, checked="outcome"), index=True)
    reply_reasons: Mapped[str] = mapped_column(Text, default="")
    reply_legal_basis: Mapped[str] = mapped_column(Text, default="")
    reply_details: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    negative_list_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("negative_list_entries.id")
    )
    # Pieces under 一事一申请 for per-piece fees; an officer may split a multi-item application.
    pieces: Mapped[int] = mapped_column(Integer, default=1)
    # The group of similar requests this application joined at intake (frequent requests).
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    # Why this application is in its topic (共同要素：… with the member it matched), for officers.
    topic_explanation: Mapped[str | None] = mapped_column(Text)
    # Written unplaced, its placement left to the queue (TOPIC_PLACEMENT=queue): the placement
    # job takes exactly these (a case without a topic for another reason is never "placed").
    # The migration gave existing rows false by a server default; the model has none (the
    # intake's Core INSERT applies the model's defaults itself, tests/api/test_intake_rows.py).
    topic_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    replied_on: Mapped[date | None] = mapped_column(Date)
    delivered_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")
    applicant: Mapped[Applicant] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class CaseEvent(Base):
    """The audit trail: one row per state change or recorded fact, never updated."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[CaseState | None] = mapped_column(_enum(CaseState, checked="from_state"))
    to_state: Mapped[CaseState | None] = mapped_column(_enum(CaseState, checked="to_state"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[Role] = mapped_column(_enum(Role, 20, checked="actor_role"))
    actor_name: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The legal date the event takes effect on (Asia/Shanghai), used by the deadline clock.
    effective_on: Mapped[date | None] = mapped_column(Date)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    # Hash chain per case (domain/audit_chain.py): position, previous event's hash, own hash.
    # (case_id, seq) is unique, so two concurrent writers cannot both extend the same link.
    seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_case_id_seq"),)


class Attachment(Base):
    """File stored outside the database under UPLOAD_DIR, addressed by its SHA-256."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="evidence")
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by_applicant: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Note(Base):
    """Internal note (内部备注): never shown to the applicant."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class NegativeListEntry(Base):
    """负面清单: a category of information the agency does not disclose, with its legal basis."""

    __tablename__ = "negative_list_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    category: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text)
    outcome: Mapped[Outcome] = mapped_column(_enum(Outcome, checked="outcome"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class NumberSequence(Base):
    """Per-agency, per-year, per-kind counter; incremented inside the registering transaction,
    so a rollback returns the number and concurrent registrations queue on the row lock."""

    __tablename__ = "number_sequences"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyKey(Base):
    """A public submission's Idempotency-Key, so a retried POST never makes two cases."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    response: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CalendarYear(Base):
    """The State Council's official holiday arrangement for one year, as loaded by an admin.

    Overrides the copy bundled in ``requests_service/data/calendar``; every change is audited in
    ``calendar_changes``.
    """

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source_ref: Mapped[str] = mapped_column(String(300))
    days_off: Mapped[list[str]] = mapped_column(JsonDocument)
    makeup_workdays: Mapped[list[str]] = mapped_column(JsonDocument)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CalendarChange(Base):
    __tablename__ = "calendar_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    after: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    cases_recomputed: Mapped[int] = mapped_column(Integer, default=0)
    # One hash chain for all calendar changes (services/audit.py).
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class ApplicantLink(Base):
    """Audit of an officer linking two applicant records as the same person."""

    __tablename__ = "applicant_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    same_as_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"))
    person_id_before: Mapped[int | None] = mapped_column(Integer)
    person_id_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class FeeAssessment(Base):
    """信息处理费: one proposal → notice → payment/waiver/abandonment, with its computation."""

    __tablename__ = "fee_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[FeeStatus] = mapped_column(_enum(FeeStatus, 20, checked="status"), index=True)
    method: Mapped[FeeMethod] = mapped_column(_enum(FeeMethod, 20, checked="method"))
    units: Mapped[int] = mapped_column(Integer)
    units_before_in_month: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    amount_due: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    breakdown: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    proposed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notice_issued_on: Mapped[date | None] = mapped_column(Date)
    notice_received_on: Mapped[date | None] = mapped_column(Date)
    payment_due_on: Mapped[date | None] = mapped_column(Date)
    paid_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    paid_on: Mapped[date | None] = mapped_column(Date, index=True)
    payment_method: Mapped[str | None] = mapped_column(String(40))
    receipt_number: Mapped[str | None] = mapped_column(String(80))
    reduction_reason: Mapped[str | None] = mapped_column(Text)
    waived_on: Mapped[date | None] = mapped_column(Date, index=True)
    waiver_reason: Mapped[str | None] = mapped_column(Text)
    waived_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    refund_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    refunded_on: Mapped[date | None] = mapped_column(Date)
    refund_reason: Mapped[str | None] = mapped_column(Text)
    closed_reason: Mapped[str | None] = mapped_column(Text)


class Letter(Base):
    """A letter or notice of a case: drafted, approved, issued once (numbered, rendered, hashed)
    and never re-rendered, because the issued letter is the agency's legal act."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[LetterStatus] = mapped_column(
        _enum(LetterStatus, 20, checked="status"), index=True
    )
    # Handler's edits to the variables filled from the case (whitelisted paths).
    overrides: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    issued_context: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    document_number: Mapped[str | None] = mapped_column(String(80), unique=True)
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_seq: Mapped[int | None] = mapped_column(Integer)
    issue_date: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    render_error: Mapped[str | None] = mapped_column(Text)
    # Stuck-issue recovery: when issuing was last (re)queued and how many times it was tried.
    issue_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    issue_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivery_method: Mapped[DeliveryMethod | None] = mapped_column(
        _enum(DeliveryMethod, 20, checked="delivery_method")
    )
    delivered_on: Mapped[date | None] = mapped_column(Date)
    delivery_proof: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class DifficultCaseFiling(Base):
    """疑难件备案: a case filed with the oversight office, which gives guidance."""

    __tablename__ = "difficult_case_filings"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    oversight_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    category: Mapped[FilingCategory] = mapped_column(
        _enum(FilingCategory, 40, checked="category"), index=True
    )
    status: Mapped[FilingStatus] = mapped_column(
        _enum(FilingStatus, 20, checked="status"), index=True
    )
    summary: Mapped[str] = mapped_column(Text)
    proposed_reply: Mapped[str] = mapped_column(Text)
    proposed_basis: Mapped[str] = mapped_column(Text)
    attachment_ids: Mapped[list[int]] = mapped_column(JsonDocument, default=list)
    trigger_on: Mapped[date] = mapped_column(Date)
    filed_on: Mapped[date] = mapped_column(Date, index=True)
    filed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    guidance: Mapped[str | None] = mapped_column(Text)
    guidance_attachment_ids: Mapped[list[int]] = mapped_column(JsonDocument, default=list)
    guidance_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    guidance_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    close_note: Mapped[str | None] = mapped_column(Text)


class StatusEventColumns:
    """Who moved a workflow record from one status to another, when, and with what data."""

    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    # Hash chain per filing / per topic, as for case events (services/audit.py).
    seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class FilingEvent(StatusEventColumns, Base):
    """Audit trail of a filing (who, when, from → to)."""

    __tablename__ = "filing_events"
    __table_args__ = (UniqueConstraint("filing_id", "seq", name="uq_filing_events_filing_id_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("difficult_case_filings.id"), index=True)


class RemedyRecord(Base):
    """An administrative reconsideration or lawsuit about a case (annual report section 四)."""

    __tablename__ = "remedy_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[RemedyKind] = mapped_column(_enum(RemedyKind, 40, checked="kind"))
    body: Mapped[str] = mapped_column(String(200))
    external_case_number: Mapped[str] = mapped_column(String(100), default="")
    filed_on: Mapped[date] = mapped_column(Date, index=True)
    decided_on: Mapped[date | None] = mapped_column(Date, index=True)
    result: Mapped[RemedyResult] = mapped_column(
        _enum(RemedyResult, 20, checked="result"), index=True
    )
    correction_reasons: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Topic(Base):
    """Requests for the same information, grouped at intake (Art. 44 proactive disclosure)."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    representative_text: Mapped[str] = mapped_column(Text)
    status: Mapped[TopicStatus] = mapped_column(
        _enum(TopicStatus, 20, checked="status"), index=True, default=TopicStatus.OPEN
    )
    case_count: Mapped[int] = mapped_column(Integer, default=0)
    applicant_count: Mapped[int] = mapped_column(Integer, default=0)
    first_on: Mapped[date] = mapped_column(Date)
    last_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Every identifying slot value its members name (domain.similarity.features.merge_slots):
    # a new application that disagrees with them does not join, however similar its wording.
    slot_profile: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    # Arrivals per legal day ("YYYY-MM-DD" → applications), the last SURGE_WINDOW_DAYS + 2 days:
    # the surge check reads them with the topic instead of re-reading a popular topic's cases.
    daily_arrivals: Mapped[dict[str, int] | None] = mapped_column(JsonDocument)


class TopicConstraint(Base):
    """An officer's correction kept as a constraint between two applications: ``must_link``
    (same information) or ``cannot_link`` (different information).  Moves and merges that
    would break a cannot-link are refused; batch regrouping (``similarity.cluster``) takes both."""

    __tablename__ = "topic_constraints"
    __table_args__ = (UniqueConstraint("case_a_id", "case_b_id", name="uq_topic_constraints_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    case_a_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    case_b_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RequestBandKey(Base):
    """MinHash LSH band keys of each application, shared by every process through the DB."""

    __tablename__ = "request_band_keys"
    # Covers the candidate lookup (latest cases per key) without reading the table.
    __table_args__ = (
        Index("ix_request_band_keys_lookup", "agency_id", "band_key", "received_on", "case_id"),
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    band_key: Mapped[str] = mapped_column(String(24), primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date)


class TopicEvent(StatusEventColumns, Base):
    """Audit trail of a topic (candidate, converted, declined)."""

    __tablename__ = "topic_events"
    __table_args__ = (UniqueConstraint("topic_id", "seq", name="uq_topic_events_topic_id_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)


class PublishedItem(Base):
    """The public catalogue of information converted to proactive disclosure (转为主动公开)."""

    __tablename__ = "published_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    location: Mapped[str] = mapped_column(String(500))
    category: Mapped[str] = mapped_column(String(100))
    published_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SurgeAlert(Base):
    """A topic's daily volume jumped above its baseline: prepare a response (seeds)."""

    __tablename__ = "surge_alerts"
    __table_args__ = (UniqueConstraint("topic_id", "day", name="uq_surge_alerts_topic_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    today_count: Mapped[int] = mapped_column(Integer)
    baseline_mean: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AdminEvent(Base):
    """Audit of administrative changes: agencies, users and roles, tokens, negative lists."""

    __tablename__ = "admin_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int] = mapped_column(Integer)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    # Hash chain per agency, as for case events.
    seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("agency_id", "seq", name="uq_admin_events_agency_id_seq"),)


class AgencyFont(Base):
    """An official typeface the agency holds a licence for (仿宋_GB2312, 方正小标宋 …), uploaded
    or pointed to on the server, validated, and used only for that agency's letters."""

    __tablename__ = "agency_fonts"
    __table_args__ = (UniqueConstraint("agency_id", "role", name="uq_agency_fonts_agency_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    # "body" (正文 3号仿宋) or "title" (标题 2号小标宋)
    role: Mapped[str] = mapped_column(String(10))
    family: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    # "upload" (stored under UPLOAD_DIR by SHA-256) or "path" (a file under FONT_DIR)
    source: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    glyph_count: Mapped[int] = mapped_column(Integer)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AnnualReportInput(Base):
    """The parts of an agency's annual report the case data cannot give (Art. 50): the text of
    sections 一, 五, 六 and the section 二 table cells; every change is audited."""

    __tablename__ = "annual_report_inputs"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", name="uq_annual_report_inputs_agency_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class OutboxEvent(Base):
    """Transactional outbox: an event written in the same transaction as the change it reports,
    delivered afterwards (webhooks, notifications). ``event_id`` is stable for de-duplication."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # Scheduled events (due soon, overdue) are published once per case and due date.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # NULL until fanned out into webhook deliveries and notifications.
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class WebhookSubscription(Base):
    """An agency's webhook: URL (to a configured host), event types, signing secret."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    # Empty list = every event type.
    event_types: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    # Kept in clear: the service signs with it (shown once at creation, never listed).
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class WebhookDelivery(Base):
    """One event to one subscription: retried with backoff until delivered or dead-lettered."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "subscription_id", "outbox_event_id", name="uq_webhook_deliveries_sub_event"
        ),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    outbox_event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, 20, checked="status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WebhookAttempt(Base):
    """The delivery log: one row per HTTP attempt."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class Notification(Base):
    """A message to a person (applicant or handler). The text is rendered when sending, from
    the case, so personal data is not copied into another table."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    outbox_event_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_events.id"))
    template: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    context: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    status: Mapped[NotificationStatus] = mapped_column(
        _enum(NotificationStatus, 20, checked="status")
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class JobRun(Base):
    """A scheduled job's run for one period: the unique (job, period) makes it run once even
    with several schedulers or workers."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_runs_job_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(20))
    status: Mapped[JobRunStatus] = mapped_column(_enum(JobRunStatus, 20, checked="status"))
    runner: Mapped[str] = mapped_column(String(120), default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
